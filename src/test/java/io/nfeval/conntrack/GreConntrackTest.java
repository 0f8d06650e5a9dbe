package io.nfeval.conntrack;

import static io.nfeval.conntrack.Pk.C;
import static io.nfeval.conntrack.Pk.S;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
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

    /**
     * nf_ct_delete_from_lists calls the helper's destroy first (pptp_destroy_siblings ends the call's GRE
     * connections there): on a timed-out master found by a lookup, and on one the gc sweep reaps, once, at
     * the table's time, before the master's expectations go.
     */
    @Test
    void aHelpersMasterThatDiesCallsItsDestroyOnceBeforeItsExpectationsGo() {
        final ExpectationTable exp = new ExpectationTable(t, 16);
        t.enableHelpers(exp);
        final List<long[]> calls = new ArrayList<>();
        final int[] sibling = {-1};
        t.onHelperDestroy(h -> {
            calls.add(new long[] {h, t.clockNanos(), exp.count()});
            t.kill(sibling[0]);
        });
        CtPacket m = k.udp(C, 40000, S, 1723);
        m.helper = Ct.HELPER_FTP;
        final int master = k.at(0).pass(m).handle;
        assertThat(exp.related(master, C, false, 0x0101, S, 0x0202, Ct.IPPROTO_GRE, Ct.DIR_ORIGINAL, 0, false,
            300 * Pk.SEC, 2, 1000 * Pk.SEC)).isEqualTo(ExpectationTable.OK);
        sibling[0] = k.pass(gre(C, S, 7, 7)).handle;
        assertThat(t.count()).isEqualTo(2);

        // the master's UDP entry has timed out (30 s); the next lookup of its tuple deletes it
        k.at(100).pass(k.udp(C, 40000, S, 1723));
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0)[0]).isEqualTo(master);
        assertThat(calls.get(0)[1]).isEqualTo(1100 * Pk.SEC);
        assertThat(calls.get(0)[2]).as("expectations still there when destroy runs").isEqualTo(1);
        assertThat(exp.count()).isZero();
        assertThat(t.count()).as("the new entry only: the sibling went with its master").isEqualTo(1);

        // the gc sweep reaping a dead helper connection calls it too
        calls.clear();
        m = k.udp(C, 40001, S, 1723);
        m.helper = Ct.HELPER_FTP;
        final int master2 = k.at(200).pass(m).handle;
        sibling[0] = k.pass(gre(C, S, 8, 8)).handle;
        t.sweep(2000 * Pk.SEC, 1 << 20);
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0)[0]).isEqualTo(master2);
        assertThat(calls.get(0)[1]).isEqualTo(2000 * Pk.SEC);
        assertThat(t.count()).isZero();
    }
}
