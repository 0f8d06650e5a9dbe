package io.nfeval.nat;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.conntrack.ConntrackTable;
import io.nfeval.conntrack.Ct;
import io.nfeval.conntrack.CtPacket;
import io.nfeval.conntrack.CtResult;
import io.nfeval.conntrack.Pk;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NatCoreTest {
    static final int CLIENT = 0x0a000001; // 10.0.0.1
    static final int SERVER = 0x08080808; // 8.8.8.8
    static final int PUB = 0xc0000201; // 192.0.2.1
    static final int PUB2 = 0xc0000204; // 192.0.2.4
    static final long NOW = 5_000_000_000_000L;

    ConntrackTable t;
    NatCore nat;
    Pk k;
    CtPacket p;
    CtResult r;
    final NatRewrite rw = new NatRewrite();

    @BeforeEach
    void setUp() {
        t = new ConntrackTable(4096);
        nat = new NatCore(t, 42);
        k = new Pk(t).atNanos(NOW - 1000 * Pk.SEC);
        p = k.p;
        r = k.r;
    }

    CtPacket udp(int src, int sport, int dst, int dport) {
        return k.udp(src, sport, dst, dport);
    }

    /** New flow through PREROUTING, SNAT at POSTROUTING, confirm. */
    int snat(int src, int sport, int dst, int dport, NatRange range) {
        t.lookupOrCreate(udp(src, sport, dst, dport), r);
        assertThat(r.unconfirmed).isTrue();
        final int h = r.handle;
        assertThat(nat.needsNatChain(h, r.ctinfo, NatCore.MANIP_DST)).isTrue();
        assertThat(nat.nullBinding(h, Ct.HOOK_PRE_ROUTING, NOW)).isTrue();
        assertThat(nat.setupInfo(h, range, NatCore.MANIP_SRC, NOW)).isTrue();
        assertThat(t.confirm(h, NOW)).isTrue();
        return h;
    }

    @Test
    void snatSingleAddressAndReplyTranslation() {
        final int h = snat(CLIENT, 40000, SERVER, 53, NatRange.addresses(PUB, PUB));
        assertThat(t.status(h) & (Ct.IPS_SRC_NAT | Ct.IPS_SRC_NAT_DONE | Ct.IPS_DST_NAT_DONE))
                .isEqualTo(Ct.IPS_SRC_NAT | Ct.IPS_SRC_NAT_DONE | Ct.IPS_DST_NAT_DONE);
        assertThat(t.status(h) & Ct.IPS_DST_NAT).isZero();
        assertThat(t.tupleDst(h, Ct.DIR_REPLY)).isEqualTo(PUB);
        assertThat(t.tupleDport(h, Ct.DIR_REPLY)).isEqualTo(40000);
        // original direction at POSTROUTING: source becomes PUB:40000
        assertThat(nat.translate(h, Ct.CTINFO_NEW, Ct.HOOK_POST_ROUTING, rw)).isTrue();
        assertThat(rw.manip).isEqualTo(NatCore.MANIP_SRC);
        assertThat(rw.addr).isEqualTo(PUB);
        assertThat(rw.port).isEqualTo(40000);
        // no DNAT in PREROUTING for the original direction
        assertThat(nat.translate(h, Ct.CTINFO_NEW, Ct.HOOK_PRE_ROUTING, rw)).isFalse();
        // the reply finds the entry, is ESTABLISHED_REPLY and is de-NATed at PREROUTING
        t.lookupOrCreate(udp(SERVER, 53, PUB, 40000), r);
        assertThat(r.handle).isEqualTo(h);
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        assertThat(t.ctstate(h, r.ctinfo)).isEqualTo(Ct.CTSTATE_ESTABLISHED | Ct.CTSTATE_SNAT);
        assertThat(nat.needsNatChain(h, r.ctinfo, NatCore.MANIP_DST)).isFalse();
        assertThat(nat.translate(h, r.ctinfo, Ct.HOOK_PRE_ROUTING, rw)).isTrue();
        assertThat(rw.manip).isEqualTo(NatCore.MANIP_DST);
        assertThat(rw.addr).isEqualTo(CLIENT);
        assertThat(rw.port).isEqualTo(40000);
        assertThat(nat.translate(h, r.ctinfo, Ct.HOOK_POST_ROUTING, rw)).isFalse();
    }

    /**
     * Linux 6.18, SNAT --to-source to one address, two clients with the same source port to one server:
     * the second got 500 -> 206, 700 -> 678, 5000 -> 1322 (random within the class, as asserted here).
     */
    @Test
    void clashingSourcesGetDistinctPortsInTheSameClass() {
        final NatRange range = NatRange.addresses(PUB, PUB);
        final Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            final int h = snat(CLIENT + i, 40000, SERVER, 53, range);
            final int port = t.tupleDport(h, Ct.DIR_REPLY);
            assertThat(ports.add(port)).isTrue();
            assertThat(port).isBetween(1024, 65535);
            if (i == 0) {
                assertThat(port).isEqualTo(40000);
            }
        }
        final int low = snat(CLIENT + 1000, 500, SERVER, 53, range);
        final int low2 = snat(CLIENT + 1001, 500, SERVER, 53, range);
        assertThat(t.tupleDport(low, Ct.DIR_REPLY)).isEqualTo(500);
        assertThat(t.tupleDport(low2, Ct.DIR_REPLY)).isBetween(1, 511);
        snat(CLIENT + 1002, 700, SERVER, 53, range);
        final int mid = snat(CLIENT + 1003, 700, SERVER, 53, range);
        assertThat(t.tupleDport(mid, Ct.DIR_REPLY)).isBetween(600, 1023);
    }

    @Test
    void snatPortRangeIsHonoured() {
        final NatRange range = NatRange.addressesAndPorts(PUB, PUB, 10000, 10009);
        final Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            final int h = snat(CLIENT + i, 40000, SERVER, 53, range);
            ports.add(t.tupleDport(h, Ct.DIR_REPLY));
        }
        assertThat(ports).hasSize(10).allMatch(x -> x >= 10000 && x <= 10009);
    }

    @Test
    void addressChoiceIsPersistentPerSourceAndSpread() {
        final NatRange pers = new NatRange(NatRange.MAP_IPS | NatRange.PERSISTENT, PUB, PUB2, 0, 0);
        final int a = snat(CLIENT, 1111, SERVER, 53, pers);
        final int b = snat(CLIENT, 2222, SERVER + 1, 53, pers);
        assertThat(t.tupleDst(a, Ct.DIR_REPLY)).isEqualTo(t.tupleDst(b, Ct.DIR_REPLY));
        final Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 64; i++) {
            final int h = snat(CLIENT + 100 + i, 1111, SERVER, 53, NatRange.addresses(PUB, PUB2));
            final int addr = t.tupleDst(h, Ct.DIR_REPLY);
            assertThat(Integer.compareUnsigned(addr, PUB) >= 0 && Integer.compareUnsigned(addr, PUB2) <= 0).isTrue();
            used.add(addr);
        }
        assertThat(used.size()).isGreaterThan(1);
    }

    @Test
    void sameSourceReusesItsMapping() {
        final NatRange range = NatRange.addresses(PUB, PUB2);
        final int a = snat(CLIENT, 1111, SERVER, 53, range);
        final int b = snat(CLIENT, 1111, SERVER + 7, 53, range);
        assertThat(t.tupleDst(b, Ct.DIR_REPLY)).isEqualTo(t.tupleDst(a, Ct.DIR_REPLY));
        assertThat(t.tupleDport(b, Ct.DIR_REPLY)).isEqualTo(t.tupleDport(a, Ct.DIR_REPLY));
    }

    @Test
    void dnatAndReplyTranslationInverts() {
        final int inside = 0xc0a8010a; // 192.168.1.10
        t.lookupOrCreate(udp(CLIENT, 40000, PUB, 53), r);
        final int h = r.handle;
        assertThat(nat.setupInfo(h, NatRange.addressesAndPorts(inside, inside, 5353, 5353), NatCore.MANIP_DST, NOW))
                .isTrue();
        assertThat(nat.translate(h, r.ctinfo, Ct.HOOK_PRE_ROUTING, rw)).isTrue();
        assertThat(rw.manip).isEqualTo(NatCore.MANIP_DST);
        assertThat(rw.addr).isEqualTo(inside);
        assertThat(rw.port).isEqualTo(5353);
        assertThat(nat.nullBinding(h, Ct.HOOK_POST_ROUTING, NOW)).isTrue();
        assertThat(t.status(h) & Ct.IPS_SRC_NAT).isZero();
        assertThat(t.confirm(h, NOW)).isTrue();
        assertThat(t.ctstate(h, Ct.CTINFO_NEW) & Ct.CTSTATE_DNAT).isNotZero();
        // reply from inside: source rewritten back to PUB:53 at POSTROUTING
        t.lookupOrCreate(udp(inside, 5353, CLIENT, 40000), r);
        assertThat(r.handle).isEqualTo(h);
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        assertThat(nat.translate(h, r.ctinfo, Ct.HOOK_PRE_ROUTING, rw)).isFalse();
        assertThat(nat.translate(h, r.ctinfo, Ct.HOOK_POST_ROUTING, rw)).isTrue();
        assertThat(rw.manip).isEqualTo(NatCore.MANIP_SRC);
        assertThat(rw.addr).isEqualTo(PUB);
        assertThat(rw.port).isEqualTo(53);
    }

    @Test
    void nullBindingRemapsAClashingLocalFlow() {
        // forwarded flow SNATed to PUB:40000 ...
        snat(CLIENT, 40000, SERVER, 53, NatRange.addresses(PUB, PUB));
        // ... then the host itself opens PUB:40000 -> SERVER:53: its reply tuple is taken
        t.lookupOrCreate(udp(PUB, 40000, SERVER, 53), r);
        final int h = r.handle;
        assertThat(nat.nullBinding(h, Ct.HOOK_LOCAL_OUT, NOW)).isTrue();
        assertThat(nat.nullBinding(h, Ct.HOOK_POST_ROUTING, NOW)).isTrue();
        assertThat(t.status(h) & Ct.IPS_SRC_NAT).isNotZero();
        assertThat(t.tupleDport(h, Ct.DIR_REPLY)).isNotEqualTo(40000);
        assertThat(t.confirm(h, NOW)).isTrue();
    }

    @Test
    void icmpEchoIdIsTheNatPort() {
        p.clear();
        p.proto = Ct.IPPROTO_ICMP;
        p.src = CLIENT;
        p.dst = SERVER;
        p.icmpType = 8;
        p.icmpId = 7;
        p.timeNanos = NOW;
        t.lookupOrCreate(p, r);
        final int h1 = r.handle;
        nat.setupInfo(h1, NatRange.addresses(PUB, PUB), NatCore.MANIP_SRC, NOW);
        t.confirm(h1, NOW);
        p.src = CLIENT + 1;
        t.lookupOrCreate(p, r);
        final int h2 = r.handle;
        nat.setupInfo(h2, NatRange.addresses(PUB, PUB), NatCore.MANIP_SRC, NOW);
        assertThat(t.confirm(h2, NOW)).isTrue();
        assertThat(t.tupleSport(h1, Ct.DIR_REPLY)).isEqualTo(7);
        assertThat(t.tupleSport(h2, Ct.DIR_REPLY)).isNotEqualTo(7);
        assertThat(nat.translate(h2, Ct.CTINFO_NEW, Ct.HOOK_POST_ROUTING, rw)).isTrue();
        assertThat(rw.port).isEqualTo(t.tupleSport(h2, Ct.DIR_REPLY));
    }

    @Test
    void icmpErrorTranslatedInOuterAndQuotedHeader() {
        final int h = snat(CLIENT, 40000, SERVER, 53, NatRange.addresses(PUB, PUB));
        // a router on the way reports time exceeded to PUB, quoting PUB:40000 -> SERVER:53
        p.clear();
        p.proto = Ct.IPPROTO_ICMP;
        p.src = 0x01020304;
        p.dst = PUB;
        p.icmpType = 11;
        p.innerSrc = PUB;
        p.innerDst = SERVER;
        p.innerProto = Ct.IPPROTO_UDP;
        p.innerSport = 40000;
        p.innerDport = 53;
        p.timeNanos = NOW;
        t.lookupOrCreate(p, r);
        assertThat(r.handle).isEqualTo(h);
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_RELATED_REPLY);
        assertThat(nat.icmpReplyTranslation(h, r.ctinfo, Ct.HOOK_PRE_ROUTING, 11, rw)).isEqualTo(NatCore.ICMP_REWRITE);
        assertThat(rw.manip).isEqualTo(NatCore.MANIP_DST);
        assertThat(rw.addr).isEqualTo(CLIENT);
        assertThat(rw.inner).isTrue();
        assertThat(rw.innerManip).isEqualTo(NatCore.MANIP_SRC);
        assertThat(rw.innerAddr).isEqualTo(CLIENT);
        assertThat(rw.innerPort).isEqualTo(40000);
        assertThat(nat.icmpReplyTranslation(h, r.ctinfo, Ct.HOOK_POST_ROUTING, 11, rw)).isEqualTo(NatCore.ICMP_UNCHANGED);
        assertThat(nat.icmpReplyTranslation(h, r.ctinfo, Ct.HOOK_PRE_ROUTING, 5, rw)).isEqualTo(NatCore.ICMP_DROP);
    }

    @Test
    void masqueradeRedirectNetmap() {
        t.lookupOrCreate(udp(CLIENT, 40000, SERVER, 53), r);
        final int h = r.handle;
        assertThat(nat.masquerade(h, new NatRange(), 0, 3, NOW)).isFalse();
        assertThat(nat.masquerade(h, new NatRange(), PUB, 3, NOW)).isTrue();
        assertThat(t.tupleDst(h, Ct.DIR_REPLY)).isEqualTo(PUB);
        assertThat(nat.oifChanged(h, Ct.CTINFO_ESTABLISHED, Ct.HOOK_POST_ROUTING, 3)).isFalse();
        assertThat(nat.oifChanged(h, Ct.CTINFO_ESTABLISHED, Ct.HOOK_POST_ROUTING, 4)).isTrue();
        assertThat(nat.oifChanged(h, Ct.CTINFO_ESTABLISHED_REPLY, Ct.HOOK_POST_ROUTING, 4)).isFalse();

        t.lookupOrCreate(udp(CLIENT, 40001, SERVER, 80), r);
        final int h2 = r.handle;
        assertThat(nat.redirect(h2, NatRange.addressesAndPorts(0, 0, 3128, 3128), Ct.HOOK_LOCAL_OUT, 0, NOW)).isTrue();
        assertThat(t.tupleSrc(h2, Ct.DIR_REPLY)).isEqualTo(0x7f000001);
        assertThat(t.tupleSport(h2, Ct.DIR_REPLY)).isEqualTo(3128);

        assertThat(NatCore.netmapAddress(0x0a010000, 0x0a01ffff, 0xc0a80507)).isEqualTo(0x0a010507);
        t.lookupOrCreate(udp(CLIENT, 40002, 0xc0a80507, 80), r);
        final int h3 = r.handle;
        assertThat(nat.netmap(h3, NatRange.addresses(0x0a010000, 0x0a01ffff), Ct.HOOK_PRE_ROUTING, CLIENT,
                0xc0a80507, NOW)).isTrue();
        assertThat(t.tupleSrc(h3, Ct.DIR_REPLY)).isEqualTo(0x0a010507);
    }

    @Test
    void timeWaitEntryIsEvictedForANewSynWhenPortsRunOut() {
        // one port only: the second connection can only get it by evicting the first in TIME_WAIT
        final NatRange one = NatRange.addressesAndPorts(PUB, PUB, 20000, 20000);
        final int h1 = tcpSnat(CLIENT, 1000, 100, one);
        // close h1 to TIME_WAIT
        tcp(SERVER, 80, PUB, 20000, Ct.TCP_SYN | Ct.TCP_ACK, 9000, 101);
        tcp(CLIENT, 1000, SERVER, 80, Ct.TCP_ACK, 101, 9001);
        tcp(CLIENT, 1000, SERVER, 80, Ct.TCP_FIN | Ct.TCP_ACK, 101, 9001);
        tcp(SERVER, 80, PUB, 20000, Ct.TCP_FIN | Ct.TCP_ACK, 9001, 102);
        tcp(CLIENT, 1000, SERVER, 80, Ct.TCP_ACK, 102, 9002);
        assertThat(t.tcpState(h1)).isEqualTo(io.nfeval.conntrack.TcpConntrack.TIME_WAIT);
        final int h2 = tcpSnat(CLIENT + 1, 1000, 5000, one);
        assertThat(t.isDying(h1)).isTrue();
        assertThat(t.tupleDport(h2, Ct.DIR_REPLY)).isEqualTo(20000);
        assertThat(t.isConfirmed(h2)).isTrue();
    }

    private CtResult tcp(int src, int sport, int dst, int dport, int flags, long seq, long ack) {
        return k.pass(k.tcp(src, sport, dst, dport, flags, seq, ack, 1000, 0));
    }

    private int tcpSnat(int src, int sport, long isn, NatRange range) {
        p.clear();
        p.proto = Ct.IPPROTO_TCP;
        p.src = src;
        p.sport = sport;
        p.dst = SERVER;
        p.dport = 80;
        p.tcpFlags = Ct.TCP_SYN;
        p.seq = isn;
        p.window = 1000;
        p.timeNanos = NOW;
        t.lookupOrCreate(p, r);
        final int h = r.handle;
        nat.nullBinding(h, Ct.HOOK_PRE_ROUTING, NOW);
        nat.setupInfo(h, range, NatCore.MANIP_SRC, NOW);
        assertThat(t.confirm(h, NOW)).isTrue();
        return h;
    }

    @Test
    void jhashMatchesKnownVector() {
        // lookup3 test vector: hashword of {} with initval 0 is 0xdeadbeef; of 4 zero words computed here
        assertThat(Jhash.jhash2(new int[0], 0, 0)).isEqualTo(0xdeadbeef);
        assertThat(Jhash.reciprocalScale(0x80000000, 4)).isEqualTo(2);
        assertThat(Jhash.reciprocalScale(-1, 0)).isZero();
    }

    /**
     * GRE without a master is not PPTP: nf_nat_l4proto_unique_tuple leaves its keys alone even when the range
     * names others; gre_manip_pkt writes the call id (the destination key) only for a destination manip, so
     * the un-SNAT of a reply carries one and the SNAT of the original direction does not.
     */
    @Test
    void greWithoutMasterKeepsItsKeysAndOnlyADestinationManipWritesTheCallId() {
        final CtPacket g = k.udp(CLIENT, 0x0101, SERVER, 0x0202);
        g.proto = Ct.IPPROTO_GRE;
        t.lookupOrCreate(g, r);
        final int h = r.handle;
        assertThat(nat.nullBinding(h, Ct.HOOK_PRE_ROUTING, NOW)).isTrue();
        assertThat(nat.setupInfo(h, NatRange.addressesAndPorts(PUB, PUB, 7, 7), NatCore.MANIP_SRC, NOW)).isTrue();
        assertThat(t.confirm(h, NOW)).isTrue();
        assertThat(t.tupleDst(h, Ct.DIR_REPLY)).isEqualTo(PUB);
        assertThat(t.tuplePorts(h, Ct.DIR_REPLY)).isEqualTo(0x0202 << 16 | 0x0101);

        assertThat(nat.translate(h, Ct.CTINFO_NEW, Ct.HOOK_POST_ROUTING, rw)).isTrue();
        assertThat(rw.manip).isEqualTo(NatCore.MANIP_SRC);
        assertThat(rw.addr).isEqualTo(PUB);
        assertThat(rw.hasPort).as("the source key is not in the packet").isFalse();

        assertThat(nat.translate(h, Ct.CTINFO_ESTABLISHED_REPLY, Ct.HOOK_PRE_ROUTING, rw)).isTrue();
        assertThat(rw.manip).isEqualTo(NatCore.MANIP_DST);
        assertThat(rw.addr).isEqualTo(CLIENT);
        assertThat(rw.hasPort).isTrue();
        assertThat(rw.port).as("the client's own call id").isEqualTo(0x0101);
    }
}
