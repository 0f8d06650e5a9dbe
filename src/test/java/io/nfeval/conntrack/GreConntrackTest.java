package io.nfeval.conntrack;

import static io.nfeval.conntrack.Pk.C;
import static io.nfeval.conntrack.Pk.S;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GRE tuples with keys (gre_pkt_to_tuple, gre_invert_tuple) and the PPTP keymap. The engine puts an enhanced
 * GRE packet's call id in {@code dport} and the keymap's source key in {@code sport}; kernel scenarios
 * gre-keys and pptp-helper check the same against the kernel end to end.
 */
class GreConntrackTest {
    ConntrackTable t;
    Pk k;

    @BeforeEach
    void setUp() {
        t = new ConntrackTable(64);
        k = new Pk(t);
    }

    private CtPacket gre(int src, int dst, int srcKey, int callId) {
        final CtPacket p = k.udp(src, srcKey, dst, callId);
        p.proto = Ct.IPPROTO_GRE;
        return p;
    }

    @Test
    void thetwoDirectionsOfACallWithoutKeymapAreTwoConnections() {
        final int a = k.pass(gre(C, S, 0, 0x1111)).handle;
        final CtResult r = k.pass(gre(S, C, 0, 0x2222));
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_NEW);
        assertThat(r.handle).isNotEqualTo(a);
        assertThat(t.tuplePorts(a, Ct.DIR_ORIGINAL)).isEqualTo(0x1111);
        assertThat(t.tuplePorts(a, Ct.DIR_REPLY)).isEqualTo(0x1111 << 16); // gre_invert_tuple swaps the keys
    }

    @Test
    void keysFromTheKeymapMakeTheOtherDirectionAReply() {
        final GreKeymap km = t.greKeymap();
        assertThat(km.add(7, C, S, 0x1111, 0x2222, S, C, 0x2222, 0x1111)).isTrue();
        final int srcKey = t.greSourceKey(C, S, 0x2222);
        assertThat(srcKey).isEqualTo(0x1111);
        final int a = k.pass(gre(C, S, srcKey, 0x2222)).handle;
        final CtResult r = k.pass(gre(S, C, t.greSourceKey(S, C, 0x1111), 0x1111));
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        assertThat(r.handle).isEqualTo(a);
    }

    @Test
    void plainGreKeepsKeysZeroAndFindsItsReply() {
        final int a = k.pass(gre(C, S, 0, 0)).handle;
        final CtResult r = k.pass(gre(S, C, 0, 0));
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        assertThat(r.handle).isEqualTo(a);
    }

    @Test
    void versionOneWithAnotherProtocolIsInvalid() {
        final CtPacket p = gre(C, S, 0, 0x1111);
        p.greUntrackable = true;
        final CtResult r = k.pass(p);
        assertThat(r.isInvalid()).isTrue();
        assertThat(r.invalidReason).isEqualTo(CtResult.REASON_GRE_PROTO);
        assertThat(t.count()).isZero();
    }

    @Test
    void keymapFollowsOneCallPerMasterAndFirstMatchWins() {
        final GreKeymap km = new GreKeymap();
        assertThat(km.add(1, C, S, 0x0101, 0x0202, S, C, 0x0202, 0x0101)).isTrue();
        // a retransmitted reply: the same entries (NF_CT_GRE_KM_DUP)
        assertThat(km.add(1, C, S, 0x0101, 0x0202, S, C, 0x0202, 0x0101)).isTrue();
        // a second call on the same control connection: refused (NF_CT_GRE_KM_BAD)
        assertThat(km.add(1, C, S, 0x0103, 0x0204, S, C, 0x0204, 0x0103)).isFalse();
        assertThat(km.size()).isEqualTo(2);
        // another master with the same addresses and call id: the older entry answers
        assertThat(km.add(2, C, S, 0x0999, 0x0202, S, C, 0x0202, 0x0999)).isTrue();
        assertThat(km.lookup(C, S, 0x0202)).isEqualTo(0x0101);
        km.destroy(1);
        assertThat(km.lookup(C, S, 0x0202)).isEqualTo(0x0999);
        assertThat(km.lookup(S, C, 0x0101)).isZero();
        km.destroy(2);
        assertThat(km.size()).isZero();
        assertThat(km.lookup(C, S, 0x0202)).isZero();
    }
}
