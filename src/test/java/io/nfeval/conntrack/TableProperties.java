package io.nfeval.conntrack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The open-addressing table stays consistent under insert, expiry, kill and early drop. */
class TableProperties {
    @Property(tries = 300)
    void everyLiveEntryIsFoundByBothTuples(
            @ForAll @Size(min = 1, max = 400) List<@IntRange(min = 0, max = 1023) Integer> ops,
            @ForAll @IntRange(min = 2, max = 40) int max) {
        final ConntrackTable t = new ConntrackTable(max);
        final CtPacket p = new CtPacket();
        final CtResult r = new CtResult();
        final Map<Integer, Integer> live = new HashMap<>(); // flow key -> handle
        long now = 1_000_000_000L;
        for (int op : ops) {
            now += (op & 3) * 3_000_000_000L; // 0..9 s steps: some UDP entries expire (30 s)
            final int flow = op >> 2;
            p.clear();
            p.proto = Ct.IPPROTO_UDP;
            p.src = 0x0a000000 | (flow & 0x3f);
            p.dst = 0x0b000000 | (flow >> 6);
            p.sport = 1000 + (flow & 7);
            p.dport = 53;
            p.timeNanos = now;
            if ((op & 0x300) == 0x300) {
                // reply direction
                final int s = p.src;
                p.src = p.dst;
                p.dst = s;
                p.sport = 53;
                p.dport = 1000 + (flow & 7);
            }
            t.lookupOrCreate(p, r);
            if (r.drop || r.isInvalid()) {
                continue;
            }
            if (r.unconfirmed) {
                if ((op & 0x40) != 0 && (op & 0x300) == 0) {
                    t.discardUnconfirmed(r.handle);
                    continue;
                }
                assertThat(t.confirm(r.handle, now)).isTrue();
            }
            if ((op & 0x3ff) == 0x155) {
                t.kill(r.handle);
            }
            if ((op & 0xf) == 0xf) {
                t.sweep(now, 8);
            }
            // invariant: count equals the number of live (confirmed, unexpired or not yet reaped) entries
            assertThat(t.count()).isLessThanOrEqualTo(max);
        }
        // every confirmed non-dying entry is reachable through both of its tuples
        int reachable = 0;
        for (int h = 0; h < t.slots(); h++) {
            if (!t.used(h) || t.isDying(h) || !t.isConfirmed(h)) {
                continue;
            }
            if (t.expiresAt(h) - now <= 0) {
                continue;
            }
            for (int dir = 0; dir < 2; dir++) {
                final int ref = t.find(t.tupleSrc(h, dir), t.tupleDst(h, dir), t.tuplePorts(h, dir), t.proto(h),
                        t.zone(h), now);
                assertThat(ref).isEqualTo(2 * h + dir);
            }
            reachable++;
        }
        int liveCount = 0;
        for (int h = 0; h < t.slots(); h++) {
            if (t.used(h) && !t.isDying(h)) {
                liveCount++;
            }
        }
        assertThat(t.count()).isEqualTo(liveCount);
        assertThat(reachable).isLessThanOrEqualTo(liveCount);
    }
}
