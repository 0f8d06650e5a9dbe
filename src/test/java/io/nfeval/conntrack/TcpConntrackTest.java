package io.nfeval.conntrack;

import static io.nfeval.conntrack.Pk.C;
import static io.nfeval.conntrack.Pk.S;
import static io.nfeval.conntrack.Pk.SEC;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TcpConntrackTest {
    static final int A = Ct.TCP_ACK;
    static final int CP = 40000;
    static final int SP = 80;
    static final long CISN = 1000;
    static final long SISN = 5000;

    ConntrackTable t;
    Pk k;

    @BeforeEach
    void setUp() {
        t = new ConntrackTable(1024);
        k = new Pk(t);
    }

    /** Client SYN, server SYN/ACK, client ACK; returns the handle. */
    int handshake() {
        CtResult r = k.pass(k.syn(C, CP, S, SP, CISN, 64240, 7));
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_NEW);
        final int h = r.handle;
        k.syn(S, SP, C, CP, SISN, 65160, 7);
        k.p.tcpFlags = Ct.TCP_SYN | A;
        k.p.ack = CISN + 1;
        r = k.pass(k.p);
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.SYN_RECV);
        r = k.pass(k.tcp(C, CP, S, SP, A, CISN + 1, SISN + 1, 502, 0));
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED);
        assertThat(r.handle).isEqualTo(h);
        return h;
    }

    @Test
    void synIsNewAndUnconfirmedUntilConfirm() {
        t.lookupOrCreate(k.syn(C, CP, S, SP, CISN, 64240, 7), k.r);
        assertThat(k.r.ctinfo).isEqualTo(Ct.CTINFO_NEW);
        assertThat(k.r.unconfirmed).isTrue();
        assertThat(t.ctstate(k.r.handle, k.r.ctinfo)).isEqualTo(Ct.CTSTATE_NEW);
        assertThat(t.tcpState(k.r.handle)).isEqualTo(TcpConntrack.SYN_SENT);
        assertThat(t.expiresAt(k.r.handle) - k.now).isEqualTo(120 * SEC);
        final int h = k.r.handle;
        // dropped before confirm: the entry vanishes, a retransmission is NEW again
        t.discardUnconfirmed(h);
        assertThat(t.count()).isZero();
        t.lookupOrCreate(k.syn(C, CP, S, SP, CISN, 64240, 7), k.r);
        assertThat(k.r.unconfirmed).isTrue();
        assertThat(t.confirm(k.r.handle, k.now)).isTrue();
        assertThat(t.isConfirmed(k.r.handle)).isTrue();
        assertThat(t.count()).isEqualTo(1);
    }

    @Test
    void handshakeDataAndCloseToTimeWait() {
        final int h = handshake();
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.ESTABLISHED);
        assertThat(t.status(h) & Ct.IPS_ASSURED).isNotZero();
        assertThat(t.status(h) & Ct.IPS_SEEN_REPLY).isNotZero();
        // data client -> server, ack
        assertThat(k.pass(k.tcp(C, CP, S, SP, A | Ct.TCP_PSH, CISN + 1, SISN + 1, 502, 100)).ctinfo)
                .isEqualTo(Ct.CTINFO_ESTABLISHED);
        // unacknowledged data: UNACK timeout 300 s
        assertThat(t.expiresAt(h) - k.now).isEqualTo(300 * SEC);
        assertThat(k.pass(k.tcp(S, SP, C, CP, A, SISN + 1, CISN + 101, 509, 0)).ctinfo)
                .isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        assertThat(t.expiresAt(h) - k.now).isEqualTo(5L * 24 * 3600 * SEC);
        // client closes
        k.pass(k.tcp(C, CP, S, SP, Ct.TCP_FIN | A, CISN + 101, SISN + 1, 502, 0));
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.FIN_WAIT);
        k.pass(k.tcp(S, SP, C, CP, A, SISN + 1, CISN + 102, 509, 0));
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.CLOSE_WAIT);
        k.pass(k.tcp(S, SP, C, CP, Ct.TCP_FIN | A, SISN + 1, CISN + 102, 509, 0));
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.LAST_ACK);
        assertThat(t.expiresAt(h) - k.now).isEqualTo(30 * SEC);
        k.pass(k.tcp(C, CP, S, SP, A, CISN + 102, SISN + 2, 502, 0));
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.TIME_WAIT);
        assertThat(t.expiresAt(h) - k.now).isEqualTo(120 * SEC);
    }

    @Test
    void timeWaitReusedBySynGivesNewEntry() {
        final int h = handshake();
        k.pass(k.tcp(C, CP, S, SP, Ct.TCP_FIN | A, CISN + 1, SISN + 1, 502, 0));
        k.pass(k.tcp(S, SP, C, CP, Ct.TCP_FIN | A, SISN + 1, CISN + 2, 509, 0));
        k.pass(k.tcp(C, CP, S, SP, A, CISN + 2, SISN + 2, 502, 0));
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.TIME_WAIT);
        k.at(5);
        final CtResult r = k.lookup(k.syn(C, CP, S, SP, 900_000, 64240, 7));
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_NEW);
        assertThat(r.unconfirmed).isTrue();
        assertThat(t.isDying(h)).isTrue();
        assertThat(t.tcpState(r.handle)).isEqualTo(TcpConntrack.SYN_SENT);
        assertThat(t.confirm(r.handle, k.now)).isTrue();
        assertThat(t.count()).isEqualTo(1);
    }

    @Test
    void strayAckIsPickedUpAsNew() {
        final CtResult r = k.pass(k.tcp(C, CP, S, SP, A, 123456, 654321, 500, 0));
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_NEW);
        assertThat(t.tcpState(r.handle)).isEqualTo(TcpConntrack.ESTABLISHED);
        // no reply seen: ESTABLISHED timeout capped at UNACK
        assertThat(t.expiresAt(r.handle) - k.now).isEqualTo(300 * SEC);
        final int h = r.handle;
        // the answer makes it ESTABLISHED_REPLY, then ASSURED
        assertThat(k.pass(k.tcp(S, SP, C, CP, A, 654321, 123456, 500, 10)).ctinfo)
                .isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        assertThat(k.pass(k.tcp(C, CP, S, SP, A, 123456, 654331, 500, 0)).ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED);
        assertThat(t.status(h) & Ct.IPS_ASSURED).isNotZero();
    }

    @Test
    void strayAckWithoutLooseIsInvalid() {
        t.timeouts().tcpLoose = false;
        assertThat(k.lookup(k.tcp(C, CP, S, SP, A, 1, 2, 500, 0)).isInvalid()).isTrue();
        assertThat(t.count()).isZero();
    }

    @Test
    void badFlagCombinationsAreInvalid() {
        for (int f : new int[] {Ct.TCP_SYN | Ct.TCP_FIN, Ct.TCP_SYN | Ct.TCP_RST, 0, Ct.TCP_FIN,
            Ct.TCP_FIN | Ct.TCP_PSH | Ct.TCP_URG, Ct.TCP_SYN | Ct.TCP_FIN | A}) {
            final CtResult r = k.lookup(k.tcp(C, CP, S, SP, f, 1, 0, 500, 0));
            assertThat(r.isInvalid()).as("flags %x", f).isTrue();
            assertThat(r.invalidReason).isEqualTo(CtResult.REASON_TCP_FLAGS);
        }
        assertThat(t.count()).isZero();
    }

    @Test
    void synAckWithoutSynAndStrayRstAreInvalid() {
        assertThat(k.lookup(k.tcp(S, SP, C, CP, Ct.TCP_SYN | A, 1, 2, 500, 0)).isInvalid()).isTrue();
        assertThat(k.lookup(k.tcp(S, SP, C, CP, Ct.TCP_RST, 1, 0, 0, 0)).isInvalid()).isTrue();
        assertThat(k.lookup(k.tcp(S, SP, C, CP, Ct.TCP_RST | A, 1, 5, 0, 0)).isInvalid()).isTrue();
        assertThat(t.count()).isZero();
    }

    @Test
    void checksumCheckedOnlyInPrerouting() {
        k.syn(C, CP, S, SP, CISN, 64240, 7);
        k.p.l4ChecksumOk = false;
        assertThat(k.lookup(k.p).invalidReason).isEqualTo(CtResult.REASON_CHECKSUM);
        assertThat(t.count()).isZero();
        k.syn(C, CP, S, SP, CISN, 64240, 7);
        k.p.l4ChecksumOk = false;
        k.p.hook = Ct.HOOK_LOCAL_OUT;
        assertThat(k.lookup(k.p).ctinfo).isEqualTo(Ct.CTINFO_NEW);
    }

    @Test
    void retransmittedSynStaysNewAndDoesNotRenewTimeout() {
        final int h = k.pass(k.syn(C, CP, S, SP, CISN, 64240, 7)).handle;
        final long exp = t.expiresAt(h);
        k.at(1);
        final CtResult r = k.pass(k.syn(C, CP, S, SP, CISN, 64240, 7));
        assertThat(r.handle).isEqualTo(h);
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_NEW);
        assertThat(r.unconfirmed).isFalse();
        assertThat(t.expiresAt(h)).isEqualTo(exp);
        // after the SYN_SENT timeout the entry is gone: a new one is made
        k.at(121);
        final CtResult r2 = k.lookup(k.syn(C, CP, S, SP, CISN, 64240, 7));
        assertThat(r2.unconfirmed).isTrue();
    }

    @Test
    void rstFromClosedPortIsEstablishedReplyAndKillsEntry() {
        final int h = k.pass(k.syn(C, CP, S, SP, CISN, 64240, 7)).handle;
        final CtResult r = k.pass(k.tcp(S, SP, C, CP, Ct.TCP_RST | A, 0, CISN + 1, 0, 0));
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        assertThat(r.handle).isEqualTo(h);
        assertThat(t.isDying(h)).isTrue();
        assertThat(t.count()).isZero();
        // the next SYN of the same tuple is NEW
        assertThat(k.lookup(k.syn(C, CP, S, SP, CISN, 64240, 7)).unconfirmed).isTrue();
    }

    @Test
    void rstInEstablishedClosesAndRstBeforeMaxAckIsInvalid() {
        final int h = handshake();
        k.pass(k.tcp(S, SP, C, CP, A, SISN + 1, CISN + 1, 509, 50));
        k.pass(k.tcp(C, CP, S, SP, A, CISN + 1, SISN + 51, 502, 0));
        // RST from the server before the byte the client acknowledged: invalid
        assertThat(k.lookup(k.tcp(S, SP, C, CP, Ct.TCP_RST, SISN + 10, 0, 0, 0)).invalidReason)
                .isEqualTo(CtResult.REASON_TCP_RST);
        // in window but inexact: stays ESTABLISHED
        assertThat(k.lookup(k.tcp(S, SP, C, CP, Ct.TCP_RST, SISN + 60, 0, 0, 0)).ctinfo)
                .isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.ESTABLISHED);
        // exact: CLOSE, 10 s
        k.lookup(k.tcp(S, SP, C, CP, Ct.TCP_RST, SISN + 51, 0, 0, 0));
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.CLOSE);
        assertThat(t.expiresAt(h) - k.now).isEqualTo(10 * SEC);
    }

    @Test
    void dataFarBeyondWindowIsInvalidSmallOvershootIsNot() {
        final int h = handshake();
        // server window 65160 << 7 is huge; use a no-scaling connection instead
        k.at(1);
        final int cp = 40001;
        k.pass(k.tcp(C, cp, S, SP, Ct.TCP_SYN, CISN, 0, 1000, 0));
        k.pass(k.tcp(S, SP, C, cp, Ct.TCP_SYN | A, SISN, CISN + 1, 1000, 0));
        final CtResult est = k.pass(k.tcp(C, cp, S, SP, A, CISN + 1, SISN + 1, 1000, 0));
        final int h2 = est.handle;
        assertThat(h2).isNotEqualTo(h);
        // overshoot by less than a window: accepted (ignored), ESTABLISHED
        final CtResult over = k.lookup(k.tcp(C, cp, S, SP, A, CISN + 1 + 1000, SISN + 1, 1000, 500));
        assertThat(over.ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED);
        // several windows beyond: INVALID
        final CtResult far = k.lookup(k.tcp(C, cp, S, SP, A, CISN + 1 + 100_000, SISN + 1, 1000, 100));
        assertThat(far.isInvalid()).isTrue();
        assertThat(far.invalidReason).isEqualTo(CtResult.REASON_TCP_WINDOW);
        // ACK of never-sent data: INVALID
        final CtResult ackFar = k.lookup(k.tcp(C, cp, S, SP, A, CISN + 1, SISN + 50_000, 1000, 0));
        assertThat(ackFar.isInvalid()).isTrue();
        // old data far before: ignored, stays ESTABLISHED
        final CtResult old = k.lookup(k.tcp(C, cp, S, SP, A, CISN - 200_000, SISN + 1, 1000, 10));
        assertThat(old.ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED);
        assertThat(t.tcpState(h2)).isEqualTo(TcpConntrack.ESTABLISHED);
    }

    @Test
    void duplicateSynInSynRecvIsIgnoredNotInvalid() {
        final int h = k.pass(k.syn(C, CP, S, SP, CISN, 64240, 7)).handle;
        k.syn(S, SP, C, CP, SISN, 65160, 7);
        k.p.tcpFlags = Ct.TCP_SYN | A;
        k.p.ack = CISN + 1;
        k.pass(k.p);
        final CtResult r = k.lookup(k.syn(C, CP, S, SP, CISN, 64240, 7));
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED);
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.SYN_RECV);
    }

    @Test
    void idleConnectionPastTimeoutIsPickedUpAgain() {
        final int h = handshake();
        k.at(5L * 24 * 3600 + 10);
        final CtResult r = k.lookup(k.tcp(C, CP, S, SP, A, CISN + 1, SISN + 1, 502, 0));
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_NEW);
        assertThat(r.unconfirmed).isTrue();
        assertThat(r.handle).isNotEqualTo(-1);
        assertThat(t.isDying(h)).isTrue();
    }

    @Test
    void retransmissionsShortenTheTimeout() {
        final int h = handshake();
        for (int i = 0; i < 4; i++) {
            k.pass(k.tcp(C, CP, S, SP, A, CISN + 1, SISN + 1, 502, 100));
        }
        assertThat(t.expiresAt(h) - k.now).isEqualTo(300 * SEC);
        assertThat(t.tcp.retrans(h)).isGreaterThanOrEqualTo(3);
    }

    @Test
    void retransCounterIsAnU8AsInTheKernel() {
        // ip_ct_tcp.retrans is u_int8_t: the 256th retransmission of the same ACK wraps it to 0
        final int h = handshake();
        for (int i = 0; i < 257; i++) {
            k.pass(k.tcp(C, CP, S, SP, A, CISN + 1, SISN + 1, 502, 100));
        }
        assertThat(t.tcp.retrans(h)).isZero();
        k.pass(k.tcp(C, CP, S, SP, A, CISN + 1, SISN + 1, 502, 100));
        assertThat(t.tcp.retrans(h)).isEqualTo(1);
    }

    @Test
    void simultaneousOpenReachesEstablished() {
        final int h = k.pass(k.tcp(C, CP, S, SP, Ct.TCP_SYN, CISN, 0, 1000, 0)).handle;
        assertThat(k.pass(k.tcp(S, SP, C, CP, Ct.TCP_SYN, SISN, 0, 1000, 0)).ctinfo)
                .isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.SYN_SENT2);
        k.pass(k.tcp(C, CP, S, SP, Ct.TCP_SYN | A, CISN, SISN + 1, 1000, 0));
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.SYN_RECV);
        k.pass(k.tcp(S, SP, C, CP, A, SISN + 1, CISN + 1, 1000, 0));
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.ESTABLISHED);
        assertThat(t.status(h) & Ct.IPS_ASSURED).isNotZero();
    }

    @Test
    void synAckAnsweringAnIgnoredSynResyncs() {
        final int h = handshake();
        // client lost its state and opens anew with another ISN: SYN in ESTABLISHED is ignored
        final CtResult r = k.lookup(k.syn(C, CP, S, SP, 777_777, 64240, 7));
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED);
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.ESTABLISHED);
        // the server answers it with a SYN/ACK: conntrack resyncs to SYN_RECV
        k.syn(S, SP, C, CP, 999_999, 65160, 7);
        k.p.tcpFlags = Ct.TCP_SYN | A;
        k.p.ack = 777_778;
        assertThat(k.lookup(k.p).ctinfo).isEqualTo(Ct.CTINFO_ESTABLISHED_REPLY);
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.SYN_RECV);
        assertThat(k.lookup(k.tcp(C, CP, S, SP, A, 777_778, 1_000_000, 502, 0)).ctinfo)
                .isEqualTo(Ct.CTINFO_ESTABLISHED);
        assertThat(t.tcpState(h)).isEqualTo(TcpConntrack.ESTABLISHED);
    }
}
