package io.nfeval.conntrack;

import static io.nfeval.conntrack.Pk.C;
import static io.nfeval.conntrack.Pk.S;
import static io.nfeval.conntrack.Pk.SEC;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ftp helper's parser and the expectation table against nf_conntrack_ftp.c / nf_conntrack_expect.c:
 * commands only at the start of a line the helper saw begin (so never in the first segment of a
 * direction), PORT/EPRT from the client, 227/229 from the server, a partial command drops the packet, and
 * expectations are replaced, refused, evicted, consumed and removed with their master as the kernel does.
 * The {@code ftp-helper} kernel scenario checks the whole against the kernel's counters.
 */
class FtpHelperTest {
    ConntrackTable t;
    ExpectationTable exp;
    FtpHelper ftp;
    Pk k;
    int h;
    final int[] seq = {1000, 5000};

    @BeforeEach
    void setUp() {
        t = new ConntrackTable(64);
        exp = new ExpectationTable(t, 16);
        t.enableHelpers(exp);
        ftp = new FtpHelper(t);
        k = new Pk(t);
        k.udp(C, 40021, S, 21); // the parser reads only the entry's tuples and helper state
        k.p.helper = Ct.HELPER_FTP;
        h = k.pass(k.p).handle;
    }

    /** Sends one segment of {@code text} in {@code dir}, advancing that direction's sequence number. */
    private int send(int dir, String text) {
        final byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        final ByteBuffer buf = ByteBuffer.allocate(b.length + 7);
        buf.position(7);
        buf.put(b);
        final int r = ftp.help(h, dir, buf, 7, b.length, seq[dir]);
        seq[dir] += b.length;
        return r;
    }

    @Test
    void theHelperIsTheTemplatesAndTheFirstLineOfEachDirectionIsNotParsed() {
        assertThat(t.helper(h)).isEqualTo(Ct.HELPER_FTP);
        assertThat(send(Ct.DIR_REPLY, "227 Entering Passive Mode (100,64,0,2,117,48)\r\n")).isEqualTo(FtpHelper.ACCEPT);
        assertThat(send(Ct.DIR_REPLY, "227 Entering Passive Mode (100,64,0,2,117,48)\r\n")).isEqualTo(FtpHelper.EXPECT);
        assertThat(ftp.type).isEqualTo(FtpHelper.FTP_PASV);
        assertThat(ftp.addr).isEqualTo(0x64400002);
        assertThat(ftp.port).isEqualTo(30000);
        assertThat(ftp.matchOff).isEqualTo(27);
        assertThat(ftp.matchLen).isEqualTo("100,64,0,2,117,48".length());
    }

    @Test
    void aSegmentThatDoesNotStartALineIsNotParsed() {
        send(Ct.DIR_ORIGINAL, "USER x\r\n");
        send(Ct.DIR_ORIGINAL, "NOOP"); // no newline: the next segment is mid-line
        assertThat(send(Ct.DIR_ORIGINAL, "PORT 10,1,0,2,156,64\r\n")).isEqualTo(FtpHelper.ACCEPT);
        // sent again at the same place: still not at a line start
        seq[Ct.DIR_ORIGINAL] -= "PORT 10,1,0,2,156,64\r\n".length();
        assertThat(send(Ct.DIR_ORIGINAL, "PORT 10,1,0,2,156,64\r\n")).isEqualTo(FtpHelper.ACCEPT);
        assertThat(send(Ct.DIR_ORIGINAL, "port 10,1,0,2,156,64\r\n")).isEqualTo(FtpHelper.EXPECT);
        assertThat(ftp.addr).isEqualTo(0x0a010002);
        assertThat(ftp.port).isEqualTo(40000);
        assertThat(ftp.matchOff).isEqualTo(5);
        assertThat(ftp.matchLen).isEqualTo(15);
    }

    @Test
    void extendedCommands() {
        send(Ct.DIR_ORIGINAL, "USER x\r\n");
        assertThat(send(Ct.DIR_ORIGINAL, "EPRT |1|10.1.0.2|6275|\r\n")).isEqualTo(FtpHelper.EXPECT);
        assertThat(ftp.type).isEqualTo(FtpHelper.FTP_EPRT);
        assertThat(ftp.addr).isEqualTo(0x0a010002);
        assertThat(ftp.port).isEqualTo(6275);
        assertThat(ftp.matchLen).isEqualTo("|1|10.1.0.2|6275|".length());
        send(Ct.DIR_REPLY, "220 ready\r\n");
        assertThat(send(Ct.DIR_REPLY, "229 Entering Extended Passive Mode (|||6446|)\r\n")).isEqualTo(FtpHelper.EXPECT);
        assertThat(ftp.type).isEqualTo(FtpHelper.FTP_EPSV);
        assertThat(ftp.addr).isEqualTo(S); // EPSV names no address: the sender's
        assertThat(ftp.port).isEqualTo(6446);
        assertThat(ftp.matchLen).isEqualTo(8);
        // an IPv6 EPRT on an IPv4 connection is no command
        assertThat(send(Ct.DIR_ORIGINAL, "EPRT |2|::1|6275|\r\n")).isEqualTo(FtpHelper.DROP);
    }

    @Test
    void aPartialCommandDropsThePacket() {
        send(Ct.DIR_ORIGINAL, "USER x\r\n");
        assertThat(send(Ct.DIR_ORIGINAL, "POR")).isEqualTo(FtpHelper.DROP);
        assertThat(ftp.partial).isEqualTo("PORT");
        seq[Ct.DIR_ORIGINAL] -= 3; // dropped: the client sends it again
        assertThat(send(Ct.DIR_ORIGINAL, "PORT 10,1,0,2\r\n")).isEqualTo(FtpHelper.DROP); // four numbers
        seq[Ct.DIR_ORIGINAL] -= "PORT 10,1,0,2\r\n".length();
        assertThat(send(Ct.DIR_ORIGINAL, "PORTX")).isEqualTo(FtpHelper.DROP); // no space up to the end
        seq[Ct.DIR_ORIGINAL] -= 5;
        assertThat(send(Ct.DIR_ORIGINAL, "NOOP\r\n")).isEqualTo(FtpHelper.ACCEPT);
    }

    @Test
    void formattedLengthsOfTheRewrittenCommand() {
        assertThat(FtpHelper.formattedLength(FtpHelper.FTP_PORT, 0x64400001, 40000))
            .isEqualTo("100,64,0,1,156,64".length());
        assertThat(FtpHelper.formattedLength(FtpHelper.FTP_EPRT, 0x64400001, 40000))
            .isEqualTo("|1|100.64.0.1|40000|".length());
        assertThat(FtpHelper.formattedLength(FtpHelper.FTP_EPSV, 0, 21)).isEqualTo("|||21|".length());
    }

    @Test
    void expectationsAreReplacedRefusedEvictedConsumedAndRemovedWithTheirMaster() {
        final long now = k.now;
        final long tmo = FtpHelper.EXPECT_TIMEOUT_NANOS;
        assertThat(exp.related(h, C, false, -1, S, 30000, Ct.IPPROTO_TCP, 0, 30000, false, tmo, 1, now))
            .isEqualTo(ExpectationTable.OK);
        // the same again replaces it
        assertThat(exp.related(h, C, false, -1, S, 30000, Ct.IPPROTO_TCP, 0, 30000, false, tmo, 1, now))
            .isEqualTo(ExpectationTable.OK);
        assertThat(exp.count()).isEqualTo(1);
        // another master: the identical one is EALREADY, an overlapping one (any source) EBUSY
        final int other = k.pass(k.udp(C, 40031, S, 2121)).handle;
        assertThat(exp.related(other, C, false, -1, S, 30000, Ct.IPPROTO_TCP, 0, 30000, false, tmo, 1, now))
            .isEqualTo(ExpectationTable.EALREADY);
        assertThat(exp.related(other, 0, true, -1, S, 30000, Ct.IPPROTO_TCP, 0, 30000, false, tmo, 1, now))
            .isEqualTo(ExpectationTable.EBUSY);
        // max_expected 1: a second one of the same master evicts the first
        assertThat(exp.related(h, C, false, -1, S, 30001, Ct.IPPROTO_TCP, 0, 30001, false, tmo, 1, now))
            .isEqualTo(ExpectationTable.OK);
        assertThat(exp.count()).isEqualTo(1);
        assertThat(exp.find(C, S, (40022 << 16) | 30000, Ct.IPPROTO_TCP, 0, now)).isEqualTo(-1);
        // the admitted connection consumes it
        assertThat(exp.find(C, S, (40022 << 16) | 30001, Ct.IPPROTO_TCP, 0, now)).isEqualTo(h);
        assertThat(exp.count()).isZero();
        // expiry after five minutes
        exp.related(h, C, false, -1, S, 30002, Ct.IPPROTO_TCP, 0, 30002, false, tmo, 1, now);
        assertThat(exp.find(C, S, (40022 << 16) | 30002, Ct.IPPROTO_TCP, 0, now + 300 * SEC)).isEqualTo(-1);
        // the master's end removes what it expected
        exp.related(h, C, false, -1, S, 30003, Ct.IPPROTO_TCP, 0, 30003, false, tmo, 1, now);
        t.kill(h);
        assertThat(exp.count()).isZero();
    }

    @Test
    void anExpectedConnectionIsRelatedWithTheMastersMarkAndHelperAndNoHelperOfItsOwn() {
        t.setMark(h, 0x21);
        exp.related(h, C, false, -1, S, 30000, Ct.IPPROTO_TCP, 0, 30000, false, FtpHelper.EXPECT_TIMEOUT_NANOS, 1,
            k.now);
        k.syn(C, 40022, S, 30000, 1, 64240, 7);
        k.p.helper = Ct.HELPER_FTP; // the template's helper is not given to an expected connection
        final CtResult r = k.lookup(k.p);
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_RELATED);
        assertThat(t.status(r.handle) & Ct.IPS_EXPECTED).isNotZero();
        assertThat(t.master(r.handle)).isEqualTo(h);
        assertThat(t.mark(r.handle)).isEqualTo(0x21);
        assertThat(t.helper(r.handle)).isZero();
        assertThat(t.masterHelper(r.handle)).isEqualTo(Ct.HELPER_FTP);
    }

    @Test
    void sequenceAdjustment() {
        assertThat(t.seqOffset(h, Ct.DIR_ORIGINAL, 5000)).isZero();
        t.seqAdjSet(h, Ct.DIR_ORIGINAL, 1000, 2);
        assertThat(t.status(h) & Ct.IPS_SEQ_ADJUST).isNotZero();
        assertThat(t.seqOffset(h, Ct.DIR_ORIGINAL, 1000)).isZero();
        assertThat(t.seqOffset(h, Ct.DIR_ORIGINAL, 1001)).isEqualTo(2);
        assertThat(t.seqOffset(h, Ct.DIR_REPLY, 1001)).isZero();
        t.seqAdjSet(h, Ct.DIR_ORIGINAL, 2000, -1);
        assertThat(t.seqOffset(h, Ct.DIR_ORIGINAL, 1500)).isEqualTo(2);
        assertThat(t.seqOffset(h, Ct.DIR_ORIGINAL, 2500)).isEqualTo(1);
        t.seqAdjSet(h, Ct.DIR_ORIGINAL, 1500, 5); // an older position does not move the correction
        assertThat(t.seqOffset(h, Ct.DIR_ORIGINAL, 2500)).isEqualTo(1);
    }

    @Test
    void aPermanentExpectationWithASubnetMaskAdmitsEveryAnswerUntilItExpires() {
        // nf_conntrack_broadcast_help: answers from any host of 10.0.0.0/24, port 137, to the query's port
        final int net = 0x0a000000;
        assertThat(exp.related(h, net | 0xff, 0xffffff00, 137, C, 41137, Ct.IPPROTO_UDP, Ct.DIR_REPLY, 0, false, true,
            3 * SEC, 1, k.now)).isEqualTo(ExpectationTable.OK);
        assertThat(exp.find(net | 2, C, (137 << 16) | 41137, Ct.IPPROTO_UDP, 0, k.now)).isEqualTo(h);
        assertThat(exp.find(net | 3, C, (137 << 16) | 41137, Ct.IPPROTO_UDP, 0, k.now)).isEqualTo(h);
        assertThat(exp.count()).isEqualTo(1); // permanent: not consumed
        assertThat(exp.find(net | 3, C, (138 << 16) | 41137, Ct.IPPROTO_UDP, 0, k.now)).isEqualTo(-1);
        assertThat(exp.find(0x0a000102, C, (137 << 16) | 41137, Ct.IPPROTO_UDP, 0, k.now)).isEqualTo(-1);
        assertThat(exp.find(net | 4, C, (137 << 16) | 41137, Ct.IPPROTO_UDP, 0, k.now + 3 * SEC)).isEqualTo(-1);
    }
}
