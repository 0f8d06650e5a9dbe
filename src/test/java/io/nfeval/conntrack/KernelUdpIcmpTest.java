package io.nfeval.conntrack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The UDP/ICMP sequence of resources io/nfeval/conntrack/kernel/udp-icmp.txt (recorded on Linux 6.18),
 * replayed with the same timing; expected values transcribed from that file.
 */
class KernelUdpIcmpTest {
    static final int C = 0x0a090002;
    static final int S = 0x0a080002;
    static final long MS = 1_000_000L;

    final ConntrackTable t = new ConntrackTable(64);
    final Pk k = new Pk(t);
    final CtPacket p = k.p;
    final CtResult r = k.r;
    final long t0 = 10_000 * 1000 * MS;

    /** The packet built last, at {@code atMs} after t0, through conntrack (confirmed if new). */
    String send(long atMs) {
        p.timeNanos = t0 + atMs * MS;
        return KernelGoldenTest.ctstateName(k.pass(p).ctinfo);
    }

    CtPacket udp(int src, int sport, int dst, int dport) {
        return k.udp(src, sport, dst, dport);
    }

    CtPacket icmp(int src, int dst, int type, int code, int id) {
        return k.icmp(src, dst, type, code, id);
    }

    long remainingSecs(int h, long atMs) {
        return (t.expiresAt(h) - (t0 + atMs * MS)) / 1_000_000_000L;
    }

    @Test
    void matchesKernel() {
        udp(C, 5000, S, 53);
        assertThat(send(0)).isEqualTo("NEW");
        final int h = r.handle;
        udp(S, 53, C, 5000);
        assertThat(send(500)).isEqualTo("ESTABLISHED");
        assertThat(remainingSecs(h, 550)).isEqualTo(29);
        udp(C, 5000, S, 53);
        assertThat(send(1000)).isEqualTo("ESTABLISHED");
        assertThat(t.status(h) & Ct.IPS_ASSURED).isZero();
        udp(C, 5000, S, 53);
        assertThat(send(2600)).isEqualTo("ESTABLISHED");
        assertThat(remainingSecs(h, 2650)).isEqualTo(119);
        assertThat(t.status(h) & Ct.IPS_ASSURED).isNotZero();
        udp(C, 5001, S, 53);
        assertThat(send(2700)).isEqualTo("NEW");
        udp(C, 5001, S, 53);
        assertThat(send(2800)).isEqualTo("NEW");
        icmp(C, S, 8, 0, 7);
        assertThat(send(2900)).isEqualTo("NEW");
        icmp(C, S, 8, 0, 7);
        assertThat(send(3000)).isEqualTo("NEW");
        icmp(S, C, 0, 0, 7);
        assertThat(send(3100)).isEqualTo("ESTABLISHED");
        icmp(C, S, 8, 0, 7);
        assertThat(send(3200)).isEqualTo("ESTABLISHED");
        icmp(S, C, 0, 0, 9);
        assertThat(send(3300)).isEqualTo("INVALID");
        icmp(S, C, 3, 3, 0);
        p.innerSrc = C;
        p.innerDst = S;
        p.innerProto = Ct.IPPROTO_UDP;
        p.innerSport = 5000;
        p.innerDport = 53;
        assertThat(send(3400)).isEqualTo("RELATED");
        p.innerSport = 5999;
        assertThat(send(3500)).isEqualTo("INVALID");
        icmp(0x0a080007, 0x0a090009, 11, 0, 0);
        p.innerSrc = C;
        p.innerDst = S;
        p.innerProto = Ct.IPPROTO_UDP;
        p.innerSport = 5000;
        p.innerDport = 53;
        assertThat(send(3600)).isEqualTo("INVALID");
        icmp(0x0a080007, C, 11, 0, 0);
        p.innerSrc = C;
        p.innerDst = S;
        p.innerProto = Ct.IPPROTO_ICMP;
        p.innerIcmpType = 8;
        p.innerIcmpId = 7;
        assertThat(send(3700)).isEqualTo("RELATED");
        assertThat(t.count()).isEqualTo(3);
    }
}
