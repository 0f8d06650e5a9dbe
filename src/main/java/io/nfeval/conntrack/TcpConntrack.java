package io.nfeval.conntrack;

/**
 * TCP connection tracking: a port of nf_conntrack_proto_tcp.c (Linux 6.x): the tcp_conntracks state table,
 * tcp_error's flag check, tcp_new (with nf_conntrack_tcp_loose pickup), tcp_in_window with its
 * ACCEPT / IGNORE / INVALID outcomes, the ignore/resync logic, RST validation, TIME_WAIT reopen, and the
 * timeout choice of nf_conntrack_tcp_packet. Per-connection state (ip_ct_tcp) is part of the connection's
 * record in {@link ConntrackTable}'s entry array, with the kernel's u8 fields packed into two words; see the
 * layout there. Sequence numbers are u32 held in ints;
 * before/after are the kernel's wrap-around comparisons.
 */
public final class TcpConntrack {
    // enum tcp_conntrack
    public static final int NONE = 0;
    public static final int SYN_SENT = 1;
    public static final int SYN_RECV = 2;
    public static final int ESTABLISHED = 3;
    public static final int FIN_WAIT = 4;
    public static final int CLOSE_WAIT = 5;
    public static final int LAST_ACK = 6;
    public static final int TIME_WAIT = 7;
    public static final int CLOSE = 8;
    public static final int SYN_SENT2 = 9;
    public static final int MAX = 10;
    public static final int IGNORE = 11;
    public static final int RETRANS = 12;
    public static final int UNACK = 13;
    public static final int TIMEOUT_MAX = 14;

    public static final String[] NAMES = {"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT",
        "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"};

    // enum tcp_bit_set
    static final int SYN_SET = 0;
    static final int SYNACK_SET = 1;
    static final int FIN_SET = 2;
    static final int ACK_SET = 3;
    static final int RST_SET = 4;
    static final int NONE_SET = 5;

    // ip_ct_tcp_state.flags
    static final int F_WINDOW_SCALE = 0x01;
    static final int F_SACK_PERM = 0x02;
    static final int F_CLOSE_INIT = 0x04;
    static final int F_BE_LIBERAL = 0x08;
    static final int F_DATA_UNACKNOWLEDGED = 0x10;
    static final int F_MAXACK_SET = 0x20;
    static final int F_EXP_CHALLENGE_ACK = 0x40;
    static final int F_SIMULTANEOUS_OPEN = 0x80;

    /** Result of {@link #packet}: accepted. */
    static final int ACCEPT = 0;
    /** Result of {@link #packet}: old entry killed, look up again (-NF_REPEAT). */
    static final int REPEAT = -1;

    // tcp_in_window outcomes
    private static final int W_IGNORE = 0;
    private static final int W_INVALID = 1;
    private static final int W_ACCEPT = 2;

    private static final int MAXACKWINCONST = 66000;
    private static final int TCP_MAX_WSCALE = 14;

    private static final int sNO = NONE;
    private static final int sSS = SYN_SENT;
    private static final int sSR = SYN_RECV;
    private static final int sES = ESTABLISHED;
    private static final int sFW = FIN_WAIT;
    private static final int sCW = CLOSE_WAIT;
    private static final int sLA = LAST_ACK;
    private static final int sTW = TIME_WAIT;
    private static final int sCL = CLOSE;
    private static final int sS2 = SYN_SENT2;
    private static final int sIV = MAX;
    private static final int sIG = IGNORE;

    /** tcp_conntracks[dir][index][old state], verbatim from the kernel. */
    private static final int[][][] TABLE = {
        {
            /* ORIGINAL  sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2 */
            /* syn    */ {sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2},
            /* synack */ {sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR},
            /* fin    */ {sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV},
            /* ack    */ {sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV},
            /* rst    */ {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
            /* none   */ {sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV},
        },
        {
            /* REPLY     sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2 */
            /* syn    */ {sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2},
            /* synack */ {sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR},
            /* fin    */ {sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV},
            /* ack    */ {sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG},
            /* rst    */ {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
            /* none   */ {sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV},
        },
    };

    /** tcp_valid_flags: valid combinations of FIN/SYN/RST/ACK/URG (PSH, ECE, CWR always allowed). */
    private static final boolean[] VALID_FLAGS = new boolean[64];

    static {
        final int fin = Ct.TCP_FIN;
        final int syn = Ct.TCP_SYN;
        final int rst = Ct.TCP_RST;
        final int ack = Ct.TCP_ACK;
        final int urg = Ct.TCP_URG;
        for (int f : new int[] {syn, syn | urg, syn | ack, rst, rst | ack, fin | ack, fin | ack | urg, ack, ack | urg}) {
            VALID_FLAGS[f] = true;
        }
    }

    private final ConntrackTable ct;
    /** The table's entry array: this tracker's state is part of each entry (see ConntrackTable's layout). */
    private final int[] c;

    // seen[dir] words, from ConntrackTable.O_TCP_SEEN + 4*dir
    private static final int END = 0;
    private static final int MAXEND = 1;
    private static final int MAXWIN = 2;
    private static final int MAXACK = 3;

    TcpConntrack(ConntrackTable ct) {
        this.ct = ct;
        this.c = ct.conn;
    }

    // ---- packed fields of an entry at base b (the kernel's u8 fields of ip_ct_tcp)

    private int state(int b) {
        return c[b + ConntrackTable.O_PZ] >>> ConntrackTable.PZ_TCP_STATE_SHIFT;
    }

    private void setState(int b, int st) {
        final int o = b + ConntrackTable.O_PZ;
        c[o] = c[o] & ~(0xf << ConntrackTable.PZ_TCP_STATE_SHIFT) | st << ConntrackTable.PZ_TCP_STATE_SHIFT;
    }

    private int lastDir(int b) {
        return c[b + ConntrackTable.O_TCP_LAST] & 1;
    }

    private int lastIndex(int b) {
        return (c[b + ConntrackTable.O_TCP_LAST] >>> 1) & 0x7;
    }

    /** last_index and last_dir together, as the kernel updates them. */
    private void setLast(int b, int index, int dir) {
        final int o = b + ConntrackTable.O_TCP_LAST;
        c[o] = c[o] & ~0xf | index << 1 | dir;
    }

    private void setLastIndex(int b, int index) {
        final int o = b + ConntrackTable.O_TCP_LAST;
        c[o] = c[o] & ~0xe | index << 1;
    }

    private int lastWscale(int b) {
        return (c[b + ConntrackTable.O_TCP_LAST] >>> 4) & 0xf;
    }

    private void setLastWscale(int b, int v) {
        final int o = b + ConntrackTable.O_TCP_LAST;
        c[o] = c[o] & ~0xf0 | v << 4;
    }

    /** retrans: u8 in the kernel, and it wraps there too. */
    int retrans(int h) {
        return retransAt(h * ConntrackTable.STRIDE);
    }

    private int retransAt(int b) {
        return (c[b + ConntrackTable.O_TCP_LAST] >>> 8) & 0xff;
    }

    private void setRetrans(int b, int v) {
        final int o = b + ConntrackTable.O_TCP_LAST;
        c[o] = c[o] & ~0xff00 | (v & 0xff) << 8;
    }

    /** last_win: u16. */
    private int lastWin(int b) {
        return c[b + ConntrackTable.O_TCP_LAST] >>> 16;
    }

    private void setLastWin(int b, int v) {
        final int o = b + ConntrackTable.O_TCP_LAST;
        c[o] = c[o] & 0xffff | v << 16;
    }

    /** seen[dir].flags (u8). */
    private int flags(int b, int dir) {
        return (c[b + ConntrackTable.O_TCP_SEEN_BITS] >>> (12 * dir + 4)) & 0xff;
    }

    private void setFlags(int b, int dir, int v) {
        final int o = b + ConntrackTable.O_TCP_SEEN_BITS;
        final int sh = 12 * dir + 4;
        c[o] = c[o] & ~(0xff << sh) | (v & 0xff) << sh;
    }

    /** seen[dir].td_scale (at most TCP_MAX_WSCALE: 4 bits). */
    private int scale(int b, int dir) {
        return (c[b + ConntrackTable.O_TCP_SEEN_BITS] >>> (12 * dir)) & 0xf;
    }

    private void setScale(int b, int dir, int v) {
        final int o = b + ConntrackTable.O_TCP_SEEN_BITS;
        final int sh = 12 * dir;
        c[o] = c[o] & ~(0xf << sh) | v << sh;
    }

    private int lastFlags(int b) {
        return c[b + ConntrackTable.O_TCP_SEEN_BITS] >>> 24;
    }

    private void setLastFlags(int b, int v) {
        final int o = b + ConntrackTable.O_TCP_SEEN_BITS;
        c[o] = c[o] & 0xffffff | v << 24;
    }

    private static int seen(int b, int dir) {
        return b + ConntrackTable.O_TCP_SEEN + 4 * dir;
    }

    /** memset(&ct->proto.tcp, 0). */
    void clear(int e) {
        final int b = e * ConntrackTable.STRIDE;
        setState(b, NONE);
        c[b + ConntrackTable.O_TCP_LAST] = 0;
        c[b + ConntrackTable.O_TCP_SEEN_BITS] = 0;
        java.util.Arrays.fill(c, b + ConntrackTable.O_TCP_SEEN, b + ConntrackTable.O_LAST_END + 1, 0);
    }

    /** nf_ct_tcp_state_reset: keeps only BE_LIBERAL. */
    private void resetSeen(int b, int dir) {
        final int s = seen(b, dir);
        c[s + END] = c[s + MAXEND] = c[s + MAXWIN] = c[s + MAXACK] = 0;
        setScale(b, dir, 0);
        setFlags(b, dir, flags(b, dir) & F_BE_LIBERAL);
    }

    static boolean before(int a, int b) {
        return a - b < 0;
    }

    static boolean after(int a, int b) {
        return b - a < 0;
    }

    static int conntrackIndex(int f) {
        if ((f & Ct.TCP_RST) != 0) {
            return RST_SET;
        }
        if ((f & Ct.TCP_SYN) != 0) {
            return (f & Ct.TCP_ACK) != 0 ? SYNACK_SET : SYN_SET;
        }
        if ((f & Ct.TCP_FIN) != 0) {
            return FIN_SET;
        }
        if ((f & Ct.TCP_ACK) != 0) {
            return ACK_SET;
        }
        return NONE_SET;
    }

    /** segment_seq_plus_len. */
    private static int segEnd(CtPacket p) {
        return (int) p.seq + p.datalen + ((p.tcpFlags & Ct.TCP_SYN) != 0 ? 1 : 0)
                + ((p.tcpFlags & Ct.TCP_FIN) != 0 ? 1 : 0);
    }

    /** tcp_options: only when the header carries options (doff > 5). */
    private void tcpOptions(int b, int dir, CtPacket p) {
        if (p.tcpHdrLen <= 20) {
            return;
        }
        int scale = 0;
        int fl = flags(b, dir) & F_BE_LIBERAL;
        if (p.sackPerm) {
            fl |= F_SACK_PERM;
        }
        if (p.wscale >= 0) {
            scale = Math.min(p.wscale, TCP_MAX_WSCALE);
            fl |= F_WINDOW_SCALE;
        }
        setScale(b, dir, scale);
        setFlags(b, dir, fl);
    }

    /** tcp_new: may this packet open an entry? Initialises seen[0]. */
    private boolean tcpNew(int e, CtPacket p) {
        final int newState = TABLE[0][conntrackIndex(p.tcpFlags)][NONE];
        if (newState >= MAX) {
            return false;
        }
        final int b = e * ConntrackTable.STRIDE;
        final int s = seen(b, 0);
        if (newState == SYN_SENT) {
            clear(e);
            c[s + END] = segEnd(p);
            c[s + MAXWIN] = p.window == 0 ? 1 : p.window;
            c[s + MAXEND] = c[s + END];
            tcpOptions(b, 0, p);
        } else if (!ct.cfg.tcpLoose) {
            return false;
        } else {
            clear(e);
            c[s + END] = segEnd(p);
            c[s + MAXWIN] = p.window == 0 ? 1 : p.window;
            c[s + MAXEND] = c[s + END] + c[s + MAXWIN];
            setFlags(b, 0, F_SACK_PERM | F_BE_LIBERAL);
            setFlags(b, 1, F_SACK_PERM | F_BE_LIBERAL);
        }
        setLastIndex(b, NONE_SET);
        return true;
    }

    private boolean established(int b) {
        return state(b) == ESTABLISHED && (c[b + ConntrackTable.O_STATUS] & Ct.IPS_ASSURED) != 0;
    }

    private static boolean canEarlyDrop(int st) {
        return st == FIN_WAIT || st == LAST_ACK || st == TIME_WAIT || st == CLOSE || st == CLOSE_WAIT;
    }

    /**
     * nf_conntrack_tcp_packet. Returns {@link #ACCEPT}, {@link #REPEAT}, or a positive CtResult.REASON_*
     * when the packet is INVALID (-NF_ACCEPT).
     */
    int packet(int e, CtPacket p, int dir, long now) {
        // tcp_error
        if (p.tcpHdrLen < 20) {
            return CtResult.REASON_TRUNCATED;
        }
        if (ct.cfg.checksum && p.hook == Ct.HOOK_PRE_ROUTING && !p.l4ChecksumOk) {
            return CtResult.REASON_CHECKSUM;
        }
        final int f = p.tcpFlags & 0xff;
        if (!VALID_FLAGS[f & ~(Ct.TCP_ECE | Ct.TCP_CWR | Ct.TCP_PSH) & 0x3f]) {
            return CtResult.REASON_TCP_FLAGS;
        }
        final int b = e * ConntrackTable.STRIDE;
        if ((c[b + ConntrackTable.O_STATUS] & Ct.IPS_CONFIRMED) == 0 && !tcpNew(e, p)) {
            return CtResult.REASON_TCP_NEW;
        }
        int oldState = state(b);
        final int index = conntrackIndex(f);
        int newState = TABLE[dir][index][oldState];
        final int seq = (int) p.seq;
        final int ackSeq = (int) p.ack;
        final int rdir = 1 - dir;
        boolean skipWindow = false;

        if (newState == SYN_SENT && oldState >= TIME_WAIT) {
            // RFC 1122 reopen from TIME_WAIT/CLOSE, or the client aborted and starts anew
            if (((flags(b, dir) | flags(b, rdir)) & F_CLOSE_INIT) != 0
                    || (lastDir(b) == dir && lastIndex(b) == RST_SET)) {
                ct.kill(e);
                return REPEAT;
            }
            newState = IGNORE;
        }
        switch (newState) {
            case SYN_SENT:
                break;
            case IGNORE: {
                if (index == SYNACK_SET && lastIndex(b) == SYN_SET && lastDir(b) != dir
                        && ackSeq == c[b + ConntrackTable.O_LAST_END]) {
                    // b) SYN/ACK acknowledging a SYN we ignored: resync from the annotated values
                    oldState = SYN_SENT;
                    newState = SYN_RECV;
                    final int ldir = lastDir(b);
                    final int ld = seen(b, ldir);
                    final int lastEnd = c[b + ConntrackTable.O_LAST_END];
                    c[ld + END] = lastEnd;
                    c[ld + MAXEND] = lastEnd;
                    c[ld + MAXWIN] = lastWin(b) == 0 ? 1 : lastWin(b);
                    setScale(b, ldir, lastWscale(b));
                    setLastFlags(b, lastFlags(b) & ~F_EXP_CHALLENGE_ACK);
                    setFlags(b, ldir, lastFlags(b));
                    resetSeen(b, dir);
                    break;
                }
                setLast(b, index, dir);
                c[b + ConntrackTable.O_LAST_SEQ] = seq;
                c[b + ConntrackTable.O_LAST_END] = segEnd(p);
                setLastWin(b, p.window);
                if (index == SYN_SET && dir == Ct.DIR_ORIGINAL) {
                    // a) SYN in ORIGINAL: annotate its options
                    int lf = 0;
                    int lw = 0;
                    if (p.tcpHdrLen > 20 && p.wscale >= 0) {
                        lf |= F_WINDOW_SCALE;
                        lw = Math.min(p.wscale, TCP_MAX_WSCALE);
                    }
                    if (p.tcpHdrLen > 20 && p.sackPerm) {
                        lf |= F_SACK_PERM;
                    }
                    if (oldState == LAST_ACK) {
                        lf |= F_EXP_CHALLENGE_ACK;
                    }
                    setLastFlags(b, lf);
                    setLastWscale(b, lw);
                }
                if (oldState == SYN_SENT && index == ACK_SET && dir == Ct.DIR_REPLY) {
                    c[b + ConntrackTable.O_LAST_ACK] = ackSeq; // possible challenge ACK reply to a SYN
                }
                return ACCEPT; // ignored: accepted without touching the state or timeout
            }
            case MAX:
                return CtResult.REASON_TCP_STATE;
            case TIME_WAIT:
                if (oldState == LAST_ACK && index == ACK_SET && lastDir(b) != dir && lastIndex(b) == SYN_SET
                        && (lastFlags(b) & F_EXP_CHALLENGE_ACK) != 0) {
                    // RFC 5961 challenge ACK: not the last ACK of the close
                    setLastFlags(b, lastFlags(b) & ~F_EXP_CHALLENGE_ACK);
                    return ACCEPT;
                }
                break;
            case SYN_SENT2:
                setLastFlags(b, lastFlags(b) | F_SIMULTANEOUS_OPEN);
                break;
            case SYN_RECV:
                if (dir == Ct.DIR_REPLY && index == ACK_SET && (lastFlags(b) & F_SIMULTANEOUS_OPEN) != 0) {
                    newState = ESTABLISHED;
                }
                break;
            case CLOSE: {
                if (index != RST_SET) {
                    break;
                }
                if (canEarlyDrop(state(b))) {
                    skipWindow = true;
                    break;
                }
                final int lastEnd = c[b + ConntrackTable.O_LAST_END];
                rstChecks:
                {
                    if ((flags(b, rdir) & F_MAXACK_SET) != 0 && lastIndex(b) != SYN_SET) {
                        final int rMaxack = c[seen(b, rdir) + MAXACK];
                        if (seq == 0 && !established(b)) {
                            break rstChecks; // C: break out of the switch, window check follows
                        }
                        if (before(seq, rMaxack) && !ct.cfg.tcpIgnoreInvalidRst) {
                            return CtResult.REASON_TCP_RST;
                        }
                        if (!established(b) || seq == rMaxack) {
                            break rstChecks;
                        }
                        if (lastIndex(b) == ACK_SET && lastDir(b) == dir && seq == lastEnd) {
                            break rstChecks;
                        }
                        // RST sequence not exact: keep the state to allow a challenge ACK
                        newState = oldState;
                    }
                    final int st = c[b + ConntrackTable.O_STATUS];
                    // a RST answering the SYN we let through comes from the other side (last_dir != dir)
                    if ((((st & Ct.IPS_SEEN_REPLY) != 0 && lastIndex(b) == SYN_SET && lastDir(b) != dir)
                            || ((st & Ct.IPS_ASSURED) == 0 && lastIndex(b) == ACK_SET))
                            && ackSeq == lastEnd) {
                        skipWindow = true; // RST to a SYN or ACK we let through: no window check
                    } else if (oldState == SYN_SENT && lastIndex(b) == ACK_SET && lastDir(b) == Ct.DIR_REPLY
                            && seq == c[b + ConntrackTable.O_LAST_ACK]) {
                        skipWindow = true; // reset answering a challenge ACK we let through
                    }
                }
                break;
            }
            default:
                break;
        }

        if (!skipWindow) {
            final int res = inWindow(b, dir, index, p);
            if (res == W_IGNORE) {
                return ACCEPT;
            }
            if (res == W_INVALID) {
                handleInvalid(b, dir, index, now);
                return CtResult.REASON_TCP_WINDOW;
            }
        }
        // in_window:
        setLast(b, index, dir);
        setState(b, newState);
        if (oldState != newState && newState == FIN_WAIT) {
            setFlags(b, dir, flags(b, dir) | F_CLOSE_INIT);
        }
        final long[] t = ct.cfg.tcp;
        long to;
        if (retransAt(b) >= ct.cfg.tcpMaxRetrans && t[newState] > t[RETRANS]) {
            to = t[RETRANS];
        } else if (index == RST_SET) {
            to = t[CLOSE];
        } else if (((flags(b, 0) | flags(b, 1)) & F_DATA_UNACKNOWLEDGED) != 0 && t[newState] > t[UNACK]) {
            to = t[UNACK];
        } else if (lastWin(b) == 0 && t[newState] > t[RETRANS]) {
            to = t[RETRANS];
        } else {
            to = t[newState];
        }
        final int st = c[b + ConntrackTable.O_STATUS];
        if ((st & Ct.IPS_SEEN_REPLY) == 0) {
            if ((f & Ct.TCP_RST) != 0) {
                // only reply is a RST: not a connection, delete it now
                ct.killAcct(e, dir, p.ipLen);
                return ACCEPT;
            }
            if (index == SYN_SET && oldState == SYN_SENT) {
                return ACCEPT; // SYN retransmit does not renew the timeout
            }
            if (newState == ESTABLISHED && to > t[UNACK]) {
                to = t[UNACK]; // mid-stream pickup without reply
            }
        } else if ((st & Ct.IPS_ASSURED) == 0 && (oldState == SYN_RECV || oldState == ESTABLISHED)
                && newState == ESTABLISHED) {
            c[b + ConntrackTable.O_STATUS] |= Ct.IPS_ASSURED;
        }
        ct.refreshAcct(e, dir, p.ipLen, now, to);
        return ACCEPT;
    }

    /** tcp_init_sender. */
    private void initSender(int b, int dir, CtPacket p, int end, int win) {
        final int s = seen(b, dir);
        c[s + END] = c[s + MAXEND] = end;
        c[s + MAXWIN] = win == 0 ? 1 : win;
        tcpOptions(b, dir, p);
        if (dir == Ct.DIR_REPLY
                && !((flags(b, dir) & F_WINDOW_SCALE) != 0 && (flags(b, 1 - dir) & F_WINDOW_SCALE) != 0)) {
            setScale(b, dir, 0);
            setScale(b, 1 - dir, 0);
        }
    }

    private int logInvalid(int b, int dir, int ret) {
        if ((flags(b, dir) & F_BE_LIBERAL) != 0 || ct.cfg.tcpBeLiberal) {
            return W_ACCEPT;
        }
        return ret;
    }

    private static int maxAckWindow(int maxwin) {
        return Integer.compareUnsigned(maxwin, MAXACKWINCONST) > 0 ? maxwin : MAXACKWINCONST;
    }

    /** tcp_in_window. */
    private int inWindow(int b, int dir, int index, CtPacket p) {
        final int[] c = this.c;
        final int rdir = 1 - dir;
        final int s = seen(b, dir);
        final int r = seen(b, rdir);
        final boolean syn = (p.tcpFlags & Ct.TCP_SYN) != 0;
        final boolean ackFlag = (p.tcpFlags & Ct.TCP_ACK) != 0;
        final boolean rst = (p.tcpFlags & Ct.TCP_RST) != 0;
        int seq = (int) p.seq;
        int ack = (int) p.ack;
        int sack = ack;
        final int winRaw = p.window & 0xffff;
        int win = winRaw;
        int end = segEnd(p);

        if ((flags(b, rdir) & F_SACK_PERM) != 0 && p.hasSack && after((int) p.sackHighest, sack)) {
            sack = (int) p.sackHighest;
        }

        // Take into account NAT sequence number mangling (a helper changed the other direction's lengths)
        final int receiverOffset = ct.seqOffset(b / ConntrackTable.STRIDE, rdir, ack - 1);
        ack -= receiverOffset;
        sack -= receiverOffset;

        if (c[s + MAXWIN] == 0) {
            if (syn) {
                initSender(b, dir, p, end, win);
                if (!ackFlag) {
                    return W_ACCEPT; // simultaneous open
                }
            } else {
                // mid-connection: history lost, take the data from the packet
                c[s + END] = end;
                final int swin = win << scale(b, dir);
                c[s + MAXWIN] = swin == 0 ? 1 : swin;
                c[s + MAXEND] = end + c[s + MAXWIN];
                if (c[r + MAXWIN] == 0) {
                    c[r + END] = c[r + MAXEND] = sack;
                } else if (sack == c[r + END] + 1) {
                    c[r + END]++; // likely a reply to a keepalive
                }
            }
        } else if (syn && after(end, c[s + END]) && (state(b) == SYN_SENT || state(b) == SYN_RECV)) {
            // RFC 793: reinitialised TCP, use the new sequence numbers
            initSender(b, dir, p, end, win);
            if (dir == Ct.DIR_REPLY && !ackFlag) {
                return W_ACCEPT;
            }
        }

        if (!ackFlag) {
            ack = sack = c[r + END];
        } else if (rst && ack == 0) {
            ack = sack = c[r + END]; // broken stacks: RST+ACK with zero ack
        }

        if (rst && seq == 0 && state(b) == SYN_SENT) {
            seq = end = c[s + END]; // RST answering a SYN
        }

        final boolean seqOk = before(seq, c[s + MAXEND] + 1);
        if (!seqOk) {
            final int overshot = end - c[s + MAXEND] + 1;
            final boolean ackOk = after(sack, c[r + END] - maxAckWindow(c[s + MAXWIN]) - 1);
            final boolean inRecvWin = c[r + MAXWIN] != 0 && after(end, c[s + END] - c[r + MAXWIN] - 1);
            if (inRecvWin && ackOk && Integer.compareUnsigned(overshot, c[r + MAXWIN]) <= 0
                    && before(sack, c[r + END] + 1)) {
                // more bytes than the window allows: remember them, ignore the packet
                c[s + END] = end;
                setFlags(b, dir, flags(b, dir) | F_DATA_UNACKNOWLEDGED);
                return logInvalid(b, dir, W_IGNORE);
            }
            return logInvalid(b, dir, W_INVALID); // SEQ over the upper bound
        }
        if (!before(sack, c[r + END] + 1)) {
            return logInvalid(b, dir, W_INVALID); // ACK over the upper bound (ACKed data not seen yet)
        }
        final boolean inRecvWin = c[r + MAXWIN] == 0 || after(end, c[s + END] - c[r + MAXWIN] - 1);
        if (!inRecvWin) {
            return logInvalid(b, dir, W_IGNORE); // SEQ under the lower bound (old data)
        }
        if (!after(sack, c[r + END] - maxAckWindow(c[s + MAXWIN]) - 1)) {
            return logInvalid(b, dir, W_IGNORE); // ACK under the lower bound (overly delayed)
        }

        if (!syn) {
            win <<= scale(b, dir);
        }
        final int swin = win + (sack - ack);
        if (Integer.compareUnsigned(c[s + MAXWIN], swin) < 0) {
            c[s + MAXWIN] = swin;
        }
        int sflags = flags(b, dir);
        if (after(end, c[s + END])) {
            c[s + END] = end;
            sflags |= F_DATA_UNACKNOWLEDGED;
        }
        if (ackFlag) {
            if ((sflags & F_MAXACK_SET) == 0) {
                c[s + MAXACK] = ack;
                sflags |= F_MAXACK_SET;
            } else if (after(ack, c[s + MAXACK])) {
                c[s + MAXACK] = ack;
            }
        }
        setFlags(b, dir, sflags);
        if (c[r + MAXWIN] != 0 && after(end, c[s + MAXEND])) {
            c[r + MAXWIN] += end - c[s + MAXEND];
        }
        if (after(sack + win, c[r + MAXEND] - 1)) {
            c[r + MAXEND] = sack + win;
            if (win == 0) {
                c[r + MAXEND]++;
            }
        }
        if (ack == c[r + END]) {
            setFlags(b, rdir, flags(b, rdir) & ~F_DATA_UNACKNOWLEDGED);
        }
        if (index == ACK_SET) {
            if (lastDir(b) == dir && c[b + ConntrackTable.O_LAST_SEQ] == seq
                    && c[b + ConntrackTable.O_LAST_ACK] == ack && c[b + ConntrackTable.O_LAST_END] == end
                    && lastWin(b) == winRaw) {
                setRetrans(b, retransAt(b) + 1);
            } else {
                final int o = b + ConntrackTable.O_TCP_LAST;
                // last_dir = dir, last_win = win, retrans = 0; last_index and last_wscale kept
                c[o] = c[o] & 0xfe | dir | winRaw << 16;
                c[b + ConntrackTable.O_LAST_SEQ] = seq;
                c[b + ConntrackTable.O_LAST_ACK] = ack;
                c[b + ConntrackTable.O_LAST_END] = end;
            }
        }
        return W_ACCEPT;
    }

    /**
     * nf_conntrack_tcp_set_closing, called by nf_send_reset (REJECT --reject-with tcp-reset) for the
     * rejected packet's confirmed entry once its reset is routed: the entry moves to CLOSE and, unless it
     * was already there or has a fixed timeout, expires after the CLOSE timeout (10 s by default). A
     * later packet of that flow is then a new connection, judged by the nat table again.
     */
    void setClosing(int b, long now) {
        final int old = state(b);
        setState(b, CLOSE);
        if (old == CLOSE || (c[b + ConntrackTable.O_STATUS] & Ct.IPS_FIXED_TIMEOUT) != 0) {
            return;
        }
        ct.setTimeout(b, ct.deadline(now, ct.cfg.tcp[CLOSE]));
    }

    /** nf_tcp_handle_invalid: shorten an ASSURED entry's timeout after out-of-window FIN/RST exchanges. */
    private void handleInvalid(int b, int dir, int index, long now) {
        final int st = c[b + ConntrackTable.O_STATUS];
        if ((st & Ct.IPS_ASSURED) == 0 || (st & Ct.IPS_FIXED_TIMEOUT) != 0) {
            return;
        }
        if (index != RST_SET && index != FIN_SET) {
            return;
        }
        if (lastDir(b) != dir && (lastIndex(b) == FIN_SET || lastIndex(b) == RST_SET)) {
            final long expires = ct.timeout(b) - now;
            if (expires < ct.span(Ct.secs(120))) {
                return;
            }
            final long unack = ct.span(ct.cfg.tcp[UNACK]);
            if (expires > unack) {
                ct.setTimeout(b, now + unack);
            }
        } else {
            setLast(b, index, dir);
        }
    }
}
