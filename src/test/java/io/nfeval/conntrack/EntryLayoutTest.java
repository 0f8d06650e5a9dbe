package io.nfeval.conntrack;

import static io.nfeval.conntrack.Pk.C;
import static io.nfeval.conntrack.Pk.S;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The packed entry record: fields sharing a word stay independent; the by-source chain keeps its order. */
class EntryLayoutTest {
    private final ConntrackTable t = accounting(new ConntrackTable(64));
    private final Pk k = new Pk(t);

    private static ConntrackTable accounting(ConntrackTable t) {
        t.enableAccounting();
        return t;
    }

    @Test
    void packedFieldsDoNotDisturbEachOther() {
        final int h = k.pass(k.udp(C, 1000, S, 53)).handle;
        t.setMark(h, -1);
        t.setMasqIndex(h, Integer.MAX_VALUE);
        t.setStatusBits(h, Ct.IPS_SRC_NAT | Ct.IPS_SRC_NAT_DONE);
        t.bySourceAdd(h);
        assertThat(t.proto(h)).isEqualTo(Ct.IPPROTO_UDP);
        assertThat(t.zone(h)).isZero();
        assertThat(t.mark(h)).isEqualTo(-1);
        assertThat(t.masqIndex(h)).isEqualTo(Integer.MAX_VALUE);
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.NONE);
        // UDP's stream_ts shares the words of TCP's seen[]: a UDP entry still reports td_end 0
        assertThat(t.tcpTdEnd(h, 0)).isZero();
        assertThat(t.tupleSport(h, 0)).isEqualTo(1000);
        assertThat(t.tupleDport(h, 1)).isEqualTo(1000);
        assertThat(t.packets(h, 0)).isEqualTo(1);
        assertThat(t.bytes(h, 0)).isEqualTo(k.p.ipLen);
        assertThat(t.isConfirmed(h)).isTrue();
    }

    @Test
    void accountingIsKeptOnlyWhenEnabledAndOnlyForLaterConnections() {
        final ConntrackTable off = new ConntrackTable(64);
        final Pk p = new Pk(off);
        final int before = p.pass(p.udp(C, 1000, S, 53)).handle;
        assertThat(off.accounting()).isFalse();
        assertThat(off.packets(before, 0)).isZero();
        assertThat(off.accountingBytesPerConnection()).isZero();
        off.enableAccounting();
        p.pass(p.udp(C, 1000, S, 53));
        assertThat(off.packets(before, 0)).as("no acct extension: created before").isZero();
        final int after = p.pass(p.udp(C, 1001, S, 53)).handle;
        p.pass(p.udp(C, 1001, S, 53));
        assertThat(off.packets(after, 0)).isEqualTo(2);
        assertThat(off.accountingBytesPerConnection()).isPositive();
    }

    @Test
    void zonesAndProtocolsSeparateEntries() {
        k.udp(C, 1000, S, 53);
        k.p.zone = 65535;
        final int a = k.pass(k.p).handle;
        k.udp(C, 1000, S, 53);
        final int b = k.pass(k.p).handle;
        assertThat(b).isNotEqualTo(a);
        assertThat(t.zone(a)).isEqualTo(65535);
        assertThat(t.zone(b)).isZero();
        k.udp(C, 1000, S, 53);
        k.p.zone = 65535;
        assertThat(k.lookup(k.p).handle).isEqualTo(a);
    }

    @Test
    void bySourceChainKeepsInsertionOrderAcrossUnlinks() {
        final int[] h = new int[4];
        for (int i = 0; i < 4; i++) {
            h[i] = k.pass(k.udp(C, 1000, S + i, 53)).handle;
            t.bySourceAdd(h[i]);
        }
        assertThat(chain()).containsExactly(h[3], h[2], h[1], h[0]);
        t.kill(h[2]);
        assertThat(chain()).containsExactly(h[3], h[1], h[0]);
        t.kill(h[3]);
        assertThat(chain()).containsExactly(h[1], h[0]);
        t.kill(h[0]);
        assertThat(chain()).containsExactly(h[1]);
        t.bySourceAdd(h[1]); // already linked: no change
        assertThat(chain()).containsExactly(h[1]);
    }

    private List<Integer> chain() {
        final List<Integer> out = new ArrayList<>();
        for (int e = t.bySourceFirst(C, 1000, Ct.IPPROTO_UDP, 0); e >= 0; e = t.bySourceNext(e)) {
            if (t.tupleSrc(e, 0) == C && t.tupleSport(e, 0) == 1000) {
                out.add(e);
            }
        }
        return out;
    }
}
