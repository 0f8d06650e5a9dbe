package io.nfeval.nat;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.conntrack.ConntrackTable;
import io.nfeval.conntrack.Ct;
import io.nfeval.conntrack.CtPacket;
import io.nfeval.conntrack.CtResult;
import org.junit.jupiter.api.Test;

/**
 * Address choice from an SNAT range against values observed on Linux 6.18: netns router with
 * {@code iptables -t nat -A POSTROUTING -o vO -j SNAT --to-source 10.8.0.10-10.8.0.20 [--persistent]},
 * UDP from 10.9.0.2 to 10.8.0.d:53 (a distinct source port per flow, so find_appropriate_src does not apply; or one
 * source port for all, when every flow reuses the first mapping), read back with {@code conntrack -L}.
 */
class FindBestIpsKernelTest {
    static int ip(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    static final int[][] OBSERVED = {
        {2, 18}, {3, 20}, {30, 16}, {31, 15}, {32, 15}, {33, 20}, {4, 10}, {5, 10}, {6, 12}, {7, 16}, {8, 16}, {9, 17},
    };

    int chosen(int dstLast, int sport, boolean persistent) {
        final ConntrackTable t = new ConntrackTable(64);
        final NatCore nat = new NatCore(t, 1);
        final CtPacket p = new CtPacket();
        final CtResult r = new CtResult();
        p.proto = Ct.IPPROTO_UDP;
        p.src = ip(10, 9, 0, 2);
        p.sport = sport;
        p.dst = ip(10, 8, 0, dstLast);
        p.dport = 53;
        p.timeNanos = 1;
        t.lookupOrCreate(p, r);
        final NatRange range = new NatRange(NatRange.MAP_IPS | (persistent ? NatRange.PERSISTENT : 0),
                ip(10, 8, 0, 10), ip(10, 8, 0, 20), 0, 0);
        nat.setupInfo(r.handle, range, NatCore.MANIP_SRC, 1);
        return t.tupleDst(r.handle, Ct.DIR_REPLY) & 0xff;
    }

    @Test
    void matchesKernelChoice() {
        for (int[] o : OBSERVED) {
            assertThat(chosen(o[0], 4000 + o[0], false)).as("dst 10.8.0.%d", o[0]).isEqualTo(o[1]);
        }
    }

    @Test
    void persistentIgnoresDestination() {
        for (int[] o : OBSERVED) {
            assertThat(chosen(o[0], 4000 + o[0], true)).isEqualTo(13);
        }
    }

    /** Same source 10.9.0.2:4000 to all destinations: the kernel mapped every flow like the first (.18). */
    @Test
    void sameSourceFollowsTheFirstMappingAsInTheKernel() {
        final ConntrackTable t = new ConntrackTable(64);
        final NatCore nat = new NatCore(t, 1);
        final CtPacket p = new CtPacket();
        final CtResult r = new CtResult();
        final NatRange range = NatRange.addresses(ip(10, 8, 0, 10), ip(10, 8, 0, 20));
        for (int[] o : OBSERVED) {
            p.clear();
            p.proto = Ct.IPPROTO_UDP;
            p.src = ip(10, 9, 0, 2);
            p.sport = 4000;
            p.dst = ip(10, 8, 0, o[0]);
            p.dport = 53;
            p.timeNanos = 1;
            t.lookupOrCreate(p, r);
            nat.setupInfo(r.handle, range, NatCore.MANIP_SRC, 1);
            t.confirm(r.handle, 1);
            assertThat(t.tupleDst(r.handle, Ct.DIR_REPLY) & 0xff).isEqualTo(18);
            assertThat(t.tupleDport(r.handle, Ct.DIR_REPLY)).isEqualTo(4000);
        }
    }
}
