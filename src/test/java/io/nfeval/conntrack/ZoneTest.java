package io.nfeval.conntrack;

import static io.nfeval.conntrack.Pk.C;
import static io.nfeval.conntrack.Pk.S;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Conntrack zones as nf_conntrack_core.c keys them: each tuple is hashed and compared under the zone id of
 * its own direction (nf_ct_zone_id), so an entry of {@code CT --zone-orig N} is found by its replies in the
 * default zone, and two entries with the same original tuple in different zones coexist. The
 * {@code zones-and-ct} kernel scenario checks the same against the kernel's counters.
 */
class ZoneTest {
    static final int ORIG_1 = 1 | Ct.ZONE_DIR_ORIG;
    static final int ORIG_2 = 2 | Ct.ZONE_DIR_ORIG;

    ConntrackTable t;
    Pk k;

    @BeforeEach
    void setUp() {
        t = new ConntrackTable(64);
        k = new Pk(t);
    }

    private CtResult pass(CtPacket p, int zone) {
        p.zone = zone;
        return k.pass(p);
    }

    @Test
    void zoneIdPerDirection() {
        assertThat(Ct.zoneId(5, Ct.DIR_ORIGINAL)).isEqualTo(5);
        assertThat(Ct.zoneId(5, Ct.DIR_REPLY)).isEqualTo(5);
        assertThat(Ct.zoneId(5 | Ct.ZONE_DIR_ORIG, Ct.DIR_ORIGINAL)).isEqualTo(5);
        assertThat(Ct.zoneId(5 | Ct.ZONE_DIR_ORIG, Ct.DIR_REPLY)).isZero();
        assertThat(Ct.zoneId(5 | Ct.ZONE_DIR_REPL, Ct.DIR_ORIGINAL)).isZero();
        assertThat(Ct.zoneId(5 | Ct.ZONE_DIR_REPL, Ct.DIR_REPLY)).isEqualTo(5);
    }

    @Test
    void repliesOfAnOriginalDirectionZoneAreFoundInTheDefaultZone() {
        final int h = pass(k.udp(C, 5000, S, 53), ORIG_1).handle;
        assertThat(t.zone(h)).isEqualTo(ORIG_1);
        final CtResult r = pass(k.udp(S, 53, C, 5000), 0);
        assertThat(r.handle).isEqualTo(h);
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        // the original direction is keyed in zone 1: a default-zone packet with that tuple is another connection
        final CtResult other = k.lookup(k.udp(C, 5000, S, 53));
        assertThat(other.unconfirmed).isTrue();
        assertThat(other.handle).isNotEqualTo(h);
    }

    @Test
    void aWholeZoneKeysBothDirections() {
        final int h = pass(k.udp(C, 5000, S, 53), 7).handle;
        assertThat(k.lookup(k.udp(S, 53, C, 5000)).handle).isNotEqualTo(h); // reply in the default zone: new
        assertThat(pass(k.udp(S, 53, C, 5000), 7).handle).isEqualTo(h);
    }

    @Test
    void theSameOriginalTupleInTwoZonesIsTwoConnections() {
        final int a = pass(k.udp(C, 5000, S, 53), ORIG_1).handle;
        final CtResult r = k.lookup(zoned(k.udp(C, 5000, S, 53), ORIG_2));
        assertThat(r.unconfirmed).isTrue();
        final int b = r.handle;
        assertThat(b).isNotEqualTo(a);
        // both replies would be the same default-zone tuple: NAT sees it taken and picks another port
        assertThat(t.tupleTaken(S, C, (53 << 16) | 5000, Ct.IPPROTO_UDP, ORIG_2, b, k.now)).isTrue();
        assertThat(t.tupleTaken(S, C, (53 << 16) | 5001, Ct.IPPROTO_UDP, ORIG_2, b, k.now)).isFalse();
        t.alterReply(b, S, C, (53 << 16) | 5001);
        assertThat(t.confirm(b, k.now)).isTrue();
        assertThat(pass(k.udp(C, 5000, S, 53), ORIG_1).handle).isEqualTo(a);
        assertThat(pass(k.udp(C, 5000, S, 53), ORIG_2).handle).isEqualTo(b);
        assertThat(pass(k.udp(S, 53, C, 5001), 0).handle).isEqualTo(b);
        assertThat(pass(k.udp(S, 53, C, 5000), 0).handle).isEqualTo(a);
    }

    @Test
    void withoutNatTheSecondZonesEntryClashesOnItsReplyAtConfirm() {
        pass(k.udp(C, 5000, S, 53), ORIG_1);
        final CtResult r = k.lookup(zoned(k.udp(C, 5000, S, 53), ORIG_2));
        assertThat(t.confirm(r.handle, k.now)).isFalse(); // __nf_conntrack_confirm: insert_failed
        assertThat(t.count()).isEqualTo(1);
    }

    private static CtPacket zoned(CtPacket p, int zone) {
        p.zone = zone;
        return p;
    }

    @Test
    void aReplyDirectionZoneKeysTheOriginalTupleInTheDefaultZone() {
        final int h = pass(k.udp(C, 5000, S, 53), 3 | Ct.ZONE_DIR_REPL).handle;
        assertThat(pass(k.udp(C, 5000, S, 53), 0).handle).isEqualTo(h); // the original tuple is in zone 0
        assertThat(k.lookup(k.udp(S, 53, C, 5000)).unconfirmed).isTrue(); // the reply is keyed in zone 3
        assertThat(pass(k.udp(S, 53, C, 5000), 3).handle).isEqualTo(h);
    }

    @Test
    void aPacketOfAnOriginalDirectionZoneFindsADefaultZoneReplyInTheSecondPass() {
        final int h = pass(k.udp(C, 5000, S, 53), 0).handle;
        // resolve_normal_ct: not found under zone 1, then found under the zone's REPLY id 0
        final CtResult r = pass(k.udp(S, 53, C, 5000), ORIG_1);
        assertThat(r.handle).isEqualTo(h);
        assertThat(r.dir).isEqualTo(Ct.DIR_REPLY);
    }

    @Test
    void nfConntrackFindGetAlsoTriesTheZonesReplyId() {
        // an ICMP error arriving in zone-orig 1 about a flow of zone-orig 2: found by its REPLY tuple in the
        // default zone, on nf_conntrack_find_get's second pass
        final int h = pass(k.udp(C, 5000, S, 53), ORIG_2).handle;
        assertThat(t.find(S, C, (53 << 16) | 5000, Ct.IPPROTO_UDP, ORIG_1, k.now)).isEqualTo(2 * h + Ct.DIR_REPLY);
        assertThat(t.find(S, C, (53 << 16) | 5000, Ct.IPPROTO_UDP, 1, k.now)).isEqualTo(-1); // zone 1 both ways
    }
}
