package io.nfeval.conntrack;

import java.nio.ByteBuffer;

/**
 * The ftp conntrack helper's parser (nf_conntrack_ftp.c, help()): finds PORT / EPRT commands in the
 * original direction and 227 / 229 replies in the reply direction of a control connection, at the start of
 * a line only. Which sequence numbers follow a newline is the helper's per-connection state
 * (nf_ct_ftp_master.seq_aft_nl, two remembered per direction), kept in the table's helper words, so the
 * first line in each direction is never parsed, as in the kernel.
 *
 * <p>{@link #help} leaves what it found in this object's fields; the caller (the engine, which also plays
 * nf_nat_ftp) builds the expectation. Nothing is allocated.
 */
public final class FtpHelper {
    /** help()'s outcomes. */
    public static final int ACCEPT = 0;
    public static final int DROP = 1;
    public static final int EXPECT = 2;

    /** enum nf_ct_ftp_type. */
    public static final int FTP_PORT = 0;
    public static final int FTP_PASV = 1;
    public static final int FTP_EPRT = 2;
    public static final int FTP_EPSV = 3;

    /** ftp's expect policy: max_expected 1, timeout 5 minutes. */
    public static final int MAX_EXPECTED = 1;
    public static final long EXPECT_TIMEOUT_NANOS = 300L * 1_000_000_000L;

    /** Ints of helper state per connection: seq_aft_nl_num[2], seq_aft_nl[2][2]. */
    static final int WORDS = 6;
    private static final int NUM_SEQ_TO_REMEMBER = 2;

    private final ConntrackTable ct;

    /** What the last {@link #help} returning {@link #EXPECT} found. */
    public int type;
    /** Offset of the numbers in the payload and their length (matchoff, matchlen). */
    public int matchOff;
    public int matchLen;
    /** The address in the command (cmd.u3; for EPSV the sender's address) and the port. */
    public int addr;
    public int port;
    /** The pattern that matched partially when {@link #help} returned {@link #DROP}. */
    public String partial;

    public FtpHelper(ConntrackTable ct) {
        this.ct = ct;
    }

    /**
     * help() for one packet of a control connection in direction {@code dir} whose TCP payload is
     * {@code len} bytes at {@code off} in {@code buf}, with sequence number {@code seq}. The caller calls it
     * only for ESTABLISHED packets of either direction with data.
     */
    public int help(int h, int dir, ByteBuffer buf, int off, int len, int seq) {
        final int[] st = ct.helpData;
        final int b = h * WORDS;
        final boolean endsInNl = buf.get(off + len - 1) == '\n';
        final int nextSeq = seq + len;
        int ret = ACCEPT;
        if (findNlSeq(st, b, dir, seq)) {
            // cmd.u3 starts as the sender's address: EPSV replies do not carry one
            addr = ct.tupleSrc(h, dir);
            int found = 0;
            if (dir == Ct.DIR_ORIGINAL) {
                found = findPattern(buf, off, len, "PORT", ' ', '\r', FTP_PORT);
                if (found == 0) {
                    found = findPattern(buf, off, len, "EPRT", ' ', '\r', FTP_EPRT);
                }
            } else {
                found = findPattern(buf, off, len, "227 ", (char) 0, (char) 0, FTP_PASV);
                if (found == 0) {
                    found = findPattern(buf, off, len, "229 ", '(', ')', FTP_EPSV);
                }
            }
            if (found < 0) {
                return DROP; // "partial matching of `%s'": dropped, nl state not updated
            }
            if (found > 0) {
                ret = EXPECT;
            }
        }
        if (endsInNl) {
            updateNlSeq(st, b, dir, nextSeq);
        }
        return ret;
    }

    private static boolean findNlSeq(int[] st, int b, int dir, int seq) {
        final int n = st[b + dir];
        for (int i = 0; i < n; i++) {
            if (st[b + 2 + 2 * dir + i] == seq) {
                return true;
            }
        }
        return false;
    }

    /** update_nl_seq: remember the sequence number after a newline, replacing the older of two. */
    private static void updateNlSeq(int[] st, int b, int dir, int nlSeq) {
        final int n = st[b + dir];
        final int s = b + 2 + 2 * dir;
        for (int i = 0; i < n; i++) {
            if (st[s + i] == nlSeq) {
                return;
            }
        }
        if (n < NUM_SEQ_TO_REMEMBER) {
            st[s + n] = nlSeq;
            st[b + dir] = n + 1;
        } else {
            final int oldest = st[s] - st[s + 1] < 0 ? 0 : 1; // before(seq[0], seq[1])
            if (nlSeq - st[s + oldest] > 0) {
                st[s + oldest] = nlSeq;
            }
        }
    }

    /** find_pattern: 1 match, 0 none, -1 partial (the caller drops the packet). */
    private int findPattern(ByteBuffer buf, int off, int dlen, String pattern, char skip, char term, int ftptype) {
        final int plen = pattern.length();
        if (dlen <= plen) {
            // short packet: a partial pattern drops it
            if (startsWithIgnoreCase(buf, off, pattern, dlen)) {
                partial = pattern;
                return -1;
            }
            return 0;
        }
        if (!startsWithIgnoreCase(buf, off, pattern, plen)) {
            return 0;
        }
        int i = plen;
        if (skip != 0) {
            for (i = plen; buf.get(off + i) != skip; i++) {
                if (i == dlen - 1) {
                    partial = pattern;
                    return -1;
                }
            }
            i++;
        }
        matchOff = i;
        final int numLen;
        switch (ftptype) {
            case FTP_PORT:
                numLen = tryRfc959(buf, off + i, dlen - i, term);
                break;
            case FTP_PASV:
                numLen = tryRfc1123(buf, off + i, dlen - i);
                break;
            case FTP_EPRT:
                numLen = tryEprt(buf, off + i, dlen - i);
                break;
            default:
                numLen = tryEpsv(buf, off + i, dlen - i);
        }
        if (numLen == 0) {
            partial = pattern;
            return -1;
        }
        matchLen = numLen;
        type = ftptype;
        return 1;
    }

    private static boolean startsWithIgnoreCase(ByteBuffer buf, int off, String pattern, int n) {
        for (int i = 0; i < n; i++) {
            if (Character.toLowerCase((char) (buf.get(off + i) & 0xff)) != Character.toLowerCase(pattern.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private final long[] nums = new long[6];

    /**
     * try_number: {@code n} numbers separated by {@code sep}, ended by {@code term} (or, with term 0, by any
     * other character); returns the length or 0.
     */
    private int tryNumber(ByteBuffer buf, int off, int dlen, int n, char sep, char term) {
        final long[] a = nums;
        java.util.Arrays.fill(a, 0);
        int i = 0;
        for (int len = 0; len < dlen && i < n; len++) {
            final int c = buf.get(off + len) & 0xff;
            if (c >= '0' && c <= '9') {
                a[i] = (a[i] * 10 + c - '0') & 0xffffffffL; // u32 arithmetic
            } else if (c == sep) {
                i++;
            } else {
                if ((c == term || term == 0) && i == n - 1) {
                    return len;
                }
                return 0;
            }
        }
        return 0;
    }

    /** try_rfc959: "h1,h2,h3,h4,p1,p2" (PORT and, after the first digit, 227 replies). */
    private int tryRfc959(ByteBuffer buf, int off, int dlen, char term) {
        final int length = tryNumber(buf, off, dlen, 6, ',', term);
        if (length == 0) {
            return 0;
        }
        final long[] a = nums;
        addr = (int) ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]);
        port = (int) (((a[4] << 8) | a[5]) & 0xffff);
        return length;
    }

    /** try_rfc1123: a 227 reply's numbers start at its first digit, with or without parentheses. */
    private int tryRfc1123(ByteBuffer buf, int off, int dlen) {
        int i = 0;
        while (i < dlen && !isDigit(buf.get(off + i))) {
            i++;
        }
        if (i == dlen) {
            return 0;
        }
        matchOff += i;
        return tryRfc959(buf, off + i, dlen - i, (char) 0);
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** get_port: digits up to the delimiter; the index after it, or 0. */
    private int getPort(ByteBuffer buf, int off, int start, int dlen, int delim) {
        int p = 0;
        for (int i = start; i < dlen; i++) {
            final int c = buf.get(off + i) & 0xff;
            if (c == delim) {
                if (p == 0) {
                    break;
                }
                port = p;
                return i + 1;
            } else if (c >= '0' && c <= '9') {
                p = (p * 10 + c - '0') & 0xffff; // u16 arithmetic
            } else {
                break;
            }
        }
        return 0;
    }

    /** try_eprt: "|1|a.b.c.d|port|" (only IPv4, family 1, for an IPv4 connection). */
    private int tryEprt(ByteBuffer buf, int off, int dlen) {
        if (dlen <= 3) {
            return 0;
        }
        final int delim = buf.get(off) & 0xff;
        if ((delim >= '0' && delim <= '9') || delim < 33 || delim > 126 || (buf.get(off + 2) & 0xff) != delim) {
            return 0;
        }
        if (buf.get(off + 1) != '1') {
            return 0;
        }
        final int length = tryNumber(buf, off + 3, dlen - 3, 4, '.', (char) delim);
        if (length == 0) {
            return 0;
        }
        final long[] a = nums;
        final int ip = (int) ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]);
        final int r = getPort(buf, off, 3 + length + 1, dlen, delim);
        if (r != 0) {
            addr = ip;
        }
        return r;
    }

    /** try_epsv_response: "|||port|". */
    private int tryEpsv(ByteBuffer buf, int off, int dlen) {
        if (dlen <= 3) {
            return 0;
        }
        final int delim = buf.get(off) & 0xff;
        if ((delim >= '0' && delim <= '9') || delim < 33 || delim > 126 || (buf.get(off + 1) & 0xff) != delim
                || (buf.get(off + 2) & 0xff) != delim) {
            return 0;
        }
        return getPort(buf, off, 3, dlen, delim);
    }

    /**
     * nf_nat_ftp_fmt_cmd's length: the text nf_nat_ftp writes in place of the matched numbers for the new
     * address and port ("%u,%u,%u,%u,%u,%u", "|1|%pI4|%u|", "|||%u|").
     */
    public static int formattedLength(int ftptype, int newAddr, int newPort) {
        switch (ftptype) {
            case FTP_PORT:
            case FTP_PASV:
                return digits(newAddr >>> 24) + digits((newAddr >>> 16) & 0xff) + digits((newAddr >>> 8) & 0xff)
                        + digits(newAddr & 0xff) + digits(newPort >>> 8) + digits(newPort & 0xff) + 5;
            case FTP_EPRT:
                return 3 + digits(newAddr >>> 24) + digits((newAddr >>> 16) & 0xff) + digits((newAddr >>> 8) & 0xff)
                        + digits(newAddr & 0xff) + 3 + 1 + digits(newPort) + 1;
            default:
                return 3 + digits(newPort) + 1;
        }
    }

    private static int digits(int v) {
        return v >= 10000 ? 5 : v >= 1000 ? 4 : v >= 100 ? 3 : v >= 10 ? 2 : 1;
    }
}
