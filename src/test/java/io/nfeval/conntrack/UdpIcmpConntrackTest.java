package io.nfeval.conntrack;

import static io.nfeval.conntrack.Pk.C;
import static io.nfeval.conntrack.Pk.S;
import static io.nfeval.conntrack.Pk.SEC;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UdpIcmpConntrackTest {
    ConntrackTable t;
    Pk k;

    @BeforeEach
    void setUp() {
        t = new ConntrackTable(64);
        k = new Pk(t);
    }

    @Test
    void unansweredUdpStaysNewWithShortTimeout() {
        final int h = k.pass(k.udp(C, 5000, S, 53)).handle;
        assertThat(t.expiresAt(h) - k.now).isEqualTo(30 * SEC);
        k.at(10);
        final CtResult r = k.pass(k.udp(C, 5000, S, 53));
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_NEW);
        assertThat(r.handle).isEqualTo(h);
        assertThat(t.expiresAt(h) - k.now).isEqualTo(30 * SEC);
        // expiry on packet time: at 40 s the entry (expired at 40 s) is gone
        k.at(40);
        final CtResult r2 = k.lookup(k.udp(C, 5000, S, 53));
        assertThat(r2.unconfirmed).isTrue();
        assertThat(r2.handle).isNotEqualTo(-1);
    }

    /**
     * At HZ=300 a tick is TICK_NSEC = 3,333,333 ns and a timeout of N seconds is N * 300 ticks, 100 ns a
     * second short of N seconds: 30 s is 29.999997 s (for a day's TCP timeout the difference is 8.64 ms,
     * more than two ticks). The kernel's entry expires on that tick, so the table counts it so.
     */
    @Test
    void timeoutsAreWholeTicksOfTheHostsTickRate() {
        t.countTicks(300, 3_333_333L);
        final int h = k.pass(k.udp(C, 5000, S, 53)).handle;
        assertThat(t.expiresAt(h) - k.now).isEqualTo(30 * 300 * 3_333_333L);
        t.countTicks(250, 4_000_000L);
        k.at(1);
        k.pass(k.udp(C, 5000, S, 53));
        assertThat(t.expiresAt(h) - k.now).isEqualTo(30 * SEC);
    }

    @Test
    void repliedUdpTakesStreamTimeoutAfterTwoSeconds() {
        final int h = k.pass(k.udp(C, 5000, S, 53)).handle;
        k.atNanos(SEC / 2);
        assertThat(k.pass(k.udp(S, 53, C, 5000)).ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        assertThat(t.status(h) & Ct.IPS_SEEN_REPLY).isNotZero();
        assertThat(t.expiresAt(h) - k.now).isEqualTo(30 * SEC);
        k.at(1);
        assertThat(k.pass(k.udp(C, 5000, S, 53)).ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED);
        assertThat(t.expiresAt(h) - k.now).isEqualTo(30 * SEC);
        assertThat(t.status(h) & Ct.IPS_ASSURED).isZero();
        k.atNanos(2 * SEC + 1);
        k.pass(k.udp(S, 53, C, 5000));
        assertThat(t.expiresAt(h) - k.now).isEqualTo(120 * SEC);
        assertThat(t.status(h) & Ct.IPS_ASSURED).isNotZero();
    }

    @Test
    void udpBadChecksumInPreroutingIsInvalid() {
        k.udp(C, 5000, S, 53).l4ChecksumOk = false;
        assertThat(k.lookup(k.p).invalidReason).isEqualTo(CtResult.REASON_CHECKSUM);
        assertThat(t.count()).isZero();
    }

    @Test
    void icmpEchoOneEntryPerId() {
        final CtResult r = k.pass(k.icmp(C, S, 8, 0, 77));
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_NEW);
        final int h = r.handle;
        assertThat(t.expiresAt(h) - k.now).isEqualTo(30 * SEC);
        assertThat(k.pass(k.icmp(S, C, 0, 0, 77)).ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        k.at(1);
        final CtResult r2 = k.pass(k.icmp(C, S, 8, 0, 77));
        assertThat(r2.ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED);
        assertThat(r2.handle).isEqualTo(h);
        // another id: another entry
        final CtResult r3 = k.pass(k.icmp(C, S, 8, 0, 78));
        assertThat(r3.ctinfo).isEqualTo(Ct.CTINFO_NEW);
        assertThat(r3.handle).isNotEqualTo(h);
        assertThat(t.count()).isEqualTo(2);
    }

    @Test
    void echoReplyWithoutRequestIsInvalid() {
        assertThat(k.lookup(k.icmp(S, C, 0, 0, 9)).isInvalid()).isTrue();
        assertThat(k.lookup(k.icmp(S, C, 9, 0, 0)).isInvalid()).isTrue(); // router advert: not invertible
        assertThat(k.lookup(k.icmp(S, C, 40, 0, 0)).isInvalid()).isTrue(); // > NR_ICMP_TYPES
        assertThat(t.count()).isZero();
    }

    @Test
    void icmpErrorQuotingKnownFlowIsRelated() {
        final int h = k.pass(k.udp(C, 5000, S, 53)).handle;
        // port unreachable from S back to C, quoting C:5000 -> S:53
        k.icmp(S, C, 3, 3, 0);
        k.p.innerSrc = C;
        k.p.innerDst = S;
        k.p.innerProto = Ct.IPPROTO_UDP;
        k.p.innerSport = 5000;
        k.p.innerDport = 53;
        final CtResult r = k.lookup(k.p);
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_RELATED_REPLY);
        assertThat(r.handle).isEqualTo(h);
        assertThat(r.unconfirmed).isFalse();
        assertThat(t.ctstate(r.handle, r.ctinfo)).isEqualTo(Ct.CTSTATE_RELATED);
        assertThat(t.count()).isEqualTo(1);
        // error in the original direction (about a reply packet) travelling to S: RELATED
        k.icmp(C, S, 11, 0, 0);
        k.p.innerSrc = S;
        k.p.innerDst = C;
        k.p.innerProto = Ct.IPPROTO_UDP;
        k.p.innerSport = 53;
        k.p.innerDport = 5000;
        assertThat(k.lookup(k.p).ctinfo).isEqualTo(Ct.CTINFO_RELATED);
    }

    @Test
    void icmpErrorQuotingUnknownFlowOrWrongOuterDestinationIsInvalid() {
        k.pass(k.udp(C, 5000, S, 53));
        k.icmp(S, C, 3, 3, 0);
        k.p.innerSrc = C;
        k.p.innerDst = S;
        k.p.innerProto = Ct.IPPROTO_UDP;
        k.p.innerSport = 5001;
        k.p.innerDport = 53;
        assertThat(k.lookup(k.p).invalidReason).isEqualTo(CtResult.REASON_ICMP_ERROR_UNKNOWN);
        k.icmp(S, 0x0a000009, 3, 3, 0);
        k.p.innerSrc = C;
        k.p.innerDst = S;
        k.p.innerProto = Ct.IPPROTO_UDP;
        k.p.innerSport = 5000;
        k.p.innerDport = 53;
        assertThat(k.lookup(k.p).isInvalid()).isTrue();
        k.icmp(S, C, 3, 3, 0);
        k.p.innerIncomplete = true;
        assertThat(k.lookup(k.p).isInvalid()).isTrue();
    }

    @Test
    void icmpErrorAboutEchoIsRelated() {
        final int h = k.pass(k.icmp(C, S, 8, 0, 5)).handle;
        k.icmp(0x0a000003, C, 11, 0, 0);
        k.p.innerSrc = C;
        k.p.innerDst = S;
        k.p.innerProto = Ct.IPPROTO_ICMP;
        k.p.innerIcmpType = 8;
        k.p.innerIcmpId = 5;
        final CtResult r = k.lookup(k.p);
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_RELATED_REPLY);
        assertThat(r.handle).isEqualTo(h);
    }

    @Test
    void genericProtocolTimeoutAndFragments() {
        k.udp(C, 0, S, 0).proto = 50; // ESP
        final CtResult r = k.pass(k.p);
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_NEW);
        assertThat(t.expiresAt(r.handle) - k.now).isEqualTo(600 * SEC);
        k.udp(C, 1, S, 2).isFragment = true;
        assertThat(k.lookup(k.p).invalidReason).isEqualTo(CtResult.REASON_FRAGMENT);
    }

    @Test
    void greUnrepliedThenStream() {
        k.udp(C, 0, S, 0).proto = Ct.IPPROTO_GRE;
        final int h = k.pass(k.p).handle;
        assertThat(t.expiresAt(h) - k.now).isEqualTo(30 * SEC);
        k.udp(S, 0, C, 0).proto = Ct.IPPROTO_GRE;
        assertThat(k.pass(k.p).ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        k.udp(C, 0, S, 0).proto = Ct.IPPROTO_GRE;
        k.pass(k.p);
        assertThat(t.expiresAt(h) - k.now).isEqualTo(180 * SEC);
        assertThat(t.status(h) & Ct.IPS_ASSURED).isNotZero();
    }

    @Test
    void zonesSeparateEntries() {
        final int h0 = k.pass(k.udp(C, 5000, S, 53)).handle;
        k.udp(C, 5000, S, 53).zone = 7;
        final CtResult r = k.pass(k.p);
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_NEW);
        assertThat(r.handle).isNotEqualTo(h0);
        assertThat(t.zone(r.handle)).isEqualTo(7);
    }

    @Test
    void expectedConnectionIsRelatedAndInheritsTheMark() {
        final int ctl = k.pass(k.udp(C, 5000, S, 21)).handle;
        t.setMark(ctl, 0x42);
        t.setExpectations((src, dst, ports, pr, zn, now) -> dst == S && (ports & 0xffff) == 2121 ? ctl : -1);
        final CtResult r = k.pass(k.udp(C, 6000, S, 2121));
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_RELATED);
        assertThat(t.master(r.handle)).isEqualTo(ctl);
        assertThat(t.mark(r.handle)).isEqualTo(0x42);
        assertThat(k.pass(k.udp(S, 2121, C, 6000)).ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        assertThat(k.pass(k.udp(C, 6000, S, 2121)).ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED);
    }

    @Test
    void aTupleThatIsItsOwnInverseIsFoundAsTheReply() {
        // __nf_conntrack_hash_insert puts the REPLY node at the head of the chain both nodes share
        final int h = k.pass(k.udp(S, 53, S, 53)).handle;
        final CtResult r = k.pass(k.udp(S, 53, S, 53));
        assertThat(r.handle).isEqualTo(h);
        assertThat(r.dir).isEqualTo(Ct.DIR_REPLY);
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        assertThat(t.status(h) & Ct.IPS_SEEN_REPLY).isNotZero();
    }
}
