package io.nfeval.nat;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.conntrack.ConntrackTable;
import io.nfeval.conntrack.Ct;
import io.nfeval.conntrack.CtPacket;
import io.nfeval.conntrack.CtResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** NAT bindings are unique (no two live entries share a tuple) and invertible (translation round-trips). */
class NatBindingProperties {
    static final int PUB = 0xc0000201;
    static final int SERVER = 0x08080800;

    @Property(tries = 300)
    void bindingsAreUniqueAndInvertible(
            @ForAll @Size(max = 80) List<@IntRange(min = 0, max = 4095) Integer> flows,
            @ForAll @IntRange(min = 1, max = 3) int addresses,
            @ForAll boolean portRange,
            @ForAll boolean random,
            @ForAll boolean dnat) {
        final ConntrackTable t = new ConntrackTable(1024);
        final NatCore nat = new NatCore(t, 7);
        final CtPacket p = new CtPacket();
        final CtResult r = new CtResult();
        int flags = NatRange.MAP_IPS | (random ? NatRange.PROTO_RANDOM : 0);
        if (portRange) {
            flags |= NatRange.PROTO_SPECIFIED;
        }
        final NatRange snat = new NatRange(flags, PUB, PUB + addresses - 1, 1000, 1015);
        final NatRange dnatRange = NatRange.addressesAndPorts(0x0a0a0a0a, 0x0a0a0a0b, 80, 80);
        final List<Integer> live = new ArrayList<>();
        final long now = 1_000_000_000L;
        for (int f : flows) {
            p.clear();
            p.proto = (f & 1) == 0 ? Ct.IPPROTO_UDP : Ct.IPPROTO_ICMP;
            p.src = 0x0a000000 + ((f >> 1) & 7);
            p.sport = 1000 + ((f >> 4) & 3);
            p.dst = SERVER + ((f >> 6) & 1);
            p.dport = 53 + ((f >> 7) & 1);
            p.icmpType = 8;
            p.icmpId = (f >> 4) & 7;
            p.timeNanos = now;
            t.lookupOrCreate(p, r);
            if (!r.unconfirmed) {
                continue;
            }
            final int h = r.handle;
            if (dnat && (f & 2048) != 0) {
                nat.setupInfo(h, dnatRange, NatCore.MANIP_DST, now);
            } else {
                nat.nullBinding(h, Ct.HOOK_PRE_ROUTING, now);
            }
            nat.setupInfo(h, snat, NatCore.MANIP_SRC, now);
            final boolean ok = t.confirm(h, now);
            if (!portRange) {
                assertThat(ok).as("a unique tuple is always found without a tiny port range").isTrue();
            }
            if (ok) {
                live.add(h);
            }
        }
        final Set<List<Integer>> tuples = new HashSet<>();
        final NatRewrite rw = new NatRewrite();
        for (int h : live) {
            for (int dir = 0; dir < 2; dir++) {
                assertThat(tuples.add(List.of(t.tupleSrc(h, dir), t.tupleDst(h, dir), t.tuplePorts(h, dir),
                        t.proto(h)))).as("tuple unique").isTrue();
            }
            // a packet of either direction, through PREROUTING (DST manip) then POSTROUTING (SRC manip),
            // must come out as the inverse of the other direction's tuple
            for (int dir = 0; dir < 2; dir++) {
                int s = t.tupleSrc(h, dir);
                int d = t.tupleDst(h, dir);
                int sp = t.tupleSport(h, dir);
                int dp = t.tupleDport(h, dir);
                final int ctinfo = dir == 0 ? Ct.CTINFO_ESTABLISHED : Ct.CTINFO_ESTABLISHED_REPLY;
                final boolean icmp = t.proto(h) == Ct.IPPROTO_ICMP;
                if (nat.translate(h, ctinfo, Ct.HOOK_PRE_ROUTING, rw)) {
                    d = rw.addr;
                    if (icmp) {
                        sp = rw.port;
                    } else {
                        dp = rw.port;
                    }
                }
                if (nat.translate(h, ctinfo, Ct.HOOK_POST_ROUTING, rw)) {
                    s = rw.addr;
                    sp = rw.port;
                }
                final int o = 1 - dir;
                assertThat(s).isEqualTo(t.tupleDst(h, o));
                assertThat(d).isEqualTo(t.tupleSrc(h, o));
                if (icmp) {
                    assertThat(sp).isEqualTo(t.tupleSport(h, o));
                } else {
                    assertThat(sp).isEqualTo(t.tupleDport(h, o));
                    assertThat(dp).isEqualTo(t.tupleSport(h, o));
                }
            }
        }
    }
}
