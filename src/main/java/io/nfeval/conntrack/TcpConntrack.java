package io.nfeval.conntrack;

/**
 * TCP connection tracking: a port of nf_conntrack_proto_tcp.c (Linux 6.x): the tcp_conntracks state table,
 * tcp_error's flag check, tcp_new (with nf_conntrack_tcp_loose pickup), tcp_in_window with its
 * ACCEPT / IGNORE / INVALID outcomes, the ignore/resync logic, RST validation, TIME_WAIT reopen, and the
 * timeout choice of nf_conntrack_tcp_packet. Per-connection state is kept in primitive arrays indexed by the
 * conntrack handle ({@code seen[dir]} at {@code 2*handle + dir}). Sequence numbers are u32 held in ints;
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

    final byte[] state;
    // seen[2] per entry, at 2*e + dir
    final int[] tdEnd;
    final int[] tdMaxend;
    final int[] tdMaxwin;
    final int[] tdMaxack;
    final int[] tdScale;
    final int[] flags;
    // per entry
    final byte[] lastDir;
    final byte[] lastIndex;
    final int[] lastSeq;
    final int[] lastAck;
    final int[] lastEnd;
    final int[] lastWin;
    final byte[] lastWscale;
    final int[] lastFlags;
    final int[] retrans;

    TcpConntrack(ConntrackTable ct, int slots) {
        this.ct = ct;
        state = new byte[slots];
        tdEnd = new int[2 * slots];
        tdMaxend = new int[2 * slots];
        tdMaxwin = new int[2 * slots];
        tdMaxack = new int[2 * slots];
        tdScale = new int[2 * slots];
        flags = new int[2 * slots];
        lastDir = new byte[slots];
        lastIndex = new byte[slots];
        lastSeq = new int[slots];
        lastAck = new int[slots];
        lastEnd = new int[slots];
        lastWin = new int[slots];
        lastWscale = new byte[slots];
        lastFlags = new int[slots];
        retrans = new int[slots];
    }

    /** memset(&ct->proto.tcp, 0). */
    void clear(int e) {
        state[e] = NONE;
        resetSeen(2 * e);
        resetSeen(2 * e + 1);
        flags[2 * e] = flags[2 * e + 1] = 0;
        lastDir[e] = 0;
        lastIndex[e] = 0;
        lastSeq[e] = lastAck[e] = lastEnd[e] = lastWin[e] = 0;
        lastWscale[e] = 0;
        lastFlags[e] = 0;
        retrans[e] = 0;
    }

    /** nf_ct_tcp_state_reset: keeps only BE_LIBERAL. */
    private void resetSeen(int s) {
        tdEnd[s] = tdMaxend[s] = tdMaxwin[s] = tdMaxack[s] = tdScale[s] = 0;
        flags[s] &= F_BE_LIBERAL;
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
    private void tcpOptions(int s, CtPacket p) {
        if (p.tcpHdrLen <= 20) {
            return;
        }
        tdScale[s] = 0;
        flags[s] &= F_BE_LIBERAL;
        if (p.sackPerm) {
            flags[s] |= F_SACK_PERM;
        }
        if (p.wscale >= 0) {
            tdScale[s] = Math.min(p.wscale, TCP_MAX_WSCALE);
            flags[s] |= F_WINDOW_SCALE;
        }
    }

    /** tcp_new: may this packet open an entry? Initialises seen[0]. */
    private boolean tcpNew(int e, CtPacket p) {
        final int newState = TABLE[0][conntrackIndex(p.tcpFlags)][NONE];
        if (newState >= MAX) {
            return false;
        }
        final int s = 2 * e;
        if (newState == SYN_SENT) {
            clear(e);
            tdEnd[s] = segEnd(p);
            tdMaxwin[s] = p.window == 0 ? 1 : p.window;
            tdMaxend[s] = tdEnd[s];
            tcpOptions(s, p);
        } else if (!ct.cfg.tcpLoose) {
            return false;
        } else {
            clear(e);
            tdEnd[s] = segEnd(p);
            tdMaxwin[s] = p.window == 0 ? 1 : p.window;
            tdMaxend[s] = tdEnd[s] + tdMaxwin[s];
            flags[s] = flags[s + 1] = F_SACK_PERM | F_BE_LIBERAL;
        }
        lastIndex[e] = NONE_SET;
        return true;
    }

    private boolean established(int e) {
        return state[e] == ESTABLISHED && (ct.status[e] & Ct.IPS_ASSURED) != 0;
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
        if ((ct.status[e] & Ct.IPS_CONFIRMED) == 0 && !tcpNew(e, p)) {
            return CtResult.REASON_TCP_NEW;
        }
        int oldState = state[e];
        final int index = conntrackIndex(f);
        int newState = TABLE[dir][index][oldState];
        final int seq = (int) p.seq;
        final int ackSeq = (int) p.ack;
        final int s = 2 * e + dir;
        final int r = 2 * e + (1 - dir);
        boolean skipWindow = false;

        if (newState == SYN_SENT && oldState >= TIME_WAIT) {
            // RFC 1122 reopen from TIME_WAIT/CLOSE, or the client aborted and starts anew
            if (((flags[s] | flags[r]) & F_CLOSE_INIT) != 0 || (lastDir[e] == dir && lastIndex[e] == RST_SET)) {
                ct.kill(e);
                return REPEAT;
            }
            newState = IGNORE;
        }
        switch (newState) {
            case SYN_SENT:
                break;
            case IGNORE: {
                if (index == SYNACK_SET && lastIndex[e] == SYN_SET && lastDir[e] != dir && ackSeq == lastEnd[e]) {
                    // b) SYN/ACK acknowledging a SYN we ignored: resync from the annotated values
                    oldState = SYN_SENT;
                    newState = SYN_RECV;
                    final int ld = 2 * e + lastDir[e];
                    tdEnd[ld] = lastEnd[e];
                    tdMaxend[ld] = lastEnd[e];
                    tdMaxwin[ld] = lastWin[e] == 0 ? 1 : lastWin[e];
                    tdScale[ld] = lastWscale[e];
                    lastFlags[e] &= ~F_EXP_CHALLENGE_ACK;
                    flags[ld] = lastFlags[e];
                    resetSeen(s);
                    break;
                }
                lastIndex[e] = (byte) index;
                lastDir[e] = (byte) dir;
                lastSeq[e] = seq;
                lastEnd[e] = segEnd(p);
                lastWin[e] = p.window;
                if (index == SYN_SET && dir == Ct.DIR_ORIGINAL) {
                    // a) SYN in ORIGINAL: annotate its options
                    lastFlags[e] = 0;
                    lastWscale[e] = 0;
                    if (p.tcpHdrLen > 20 && p.wscale >= 0) {
                        lastFlags[e] |= F_WINDOW_SCALE;
                        lastWscale[e] = (byte) Math.min(p.wscale, TCP_MAX_WSCALE);
                    }
                    if (p.tcpHdrLen > 20 && p.sackPerm) {
                        lastFlags[e] |= F_SACK_PERM;
                    }
                    if (oldState == LAST_ACK) {
                        lastFlags[e] |= F_EXP_CHALLENGE_ACK;
                    }
                }
                if (oldState == SYN_SENT && index == ACK_SET && dir == Ct.DIR_REPLY) {
                    lastAck[e] = ackSeq; // possible challenge ACK reply to a SYN
                }
                return ACCEPT; // ignored: accepted without touching the state or timeout
            }
            case MAX:
                return CtResult.REASON_TCP_STATE;
            case TIME_WAIT:
                if (oldState == LAST_ACK && index == ACK_SET && lastDir[e] != dir && lastIndex[e] == SYN_SET
                        && (lastFlags[e] & F_EXP_CHALLENGE_ACK) != 0) {
                    // RFC 5961 challenge ACK: not the last ACK of the close
                    lastFlags[e] &= ~F_EXP_CHALLENGE_ACK;
                    return ACCEPT;
                }
                break;
            case SYN_SENT2:
                lastFlags[e] |= F_SIMULTANEOUS_OPEN;
                break;
            case SYN_RECV:
                if (dir == Ct.DIR_REPLY && index == ACK_SET && (lastFlags[e] & F_SIMULTANEOUS_OPEN) != 0) {
                    newState = ESTABLISHED;
                }
                break;
            case CLOSE: {
                if (index != RST_SET) {
                    break;
                }
                if (canEarlyDrop(state[e])) {
                    skipWindow = true;
                    break;
                }
                rstChecks:
                {
                    if ((flags[r] & F_MAXACK_SET) != 0 && lastIndex[e] != SYN_SET) {
                        if (seq == 0 && !established(e)) {
                            break rstChecks; // C: break out of the switch, window check follows
                        }
                        if (before(seq, tdMaxack[r]) && !ct.cfg.tcpIgnoreInvalidRst) {
                            return CtResult.REASON_TCP_RST;
                        }
                        if (!established(e) || seq == tdMaxack[r]) {
                            break rstChecks;
                        }
                        if (lastIndex[e] == ACK_SET && lastDir[e] == dir && seq == lastEnd[e]) {
                            break rstChecks;
                        }
                        // RST sequence not exact: keep the state to allow a challenge ACK
                        newState = oldState;
                    }
                    final int st = ct.status[e];
                    if ((((st & Ct.IPS_SEEN_REPLY) != 0 && lastIndex[e] == SYN_SET)
                            || ((st & Ct.IPS_ASSURED) == 0 && lastIndex[e] == ACK_SET))
                            && ackSeq == lastEnd[e]) {
                        skipWindow = true; // RST to a SYN/ACK we let through: no window check
                    } else if (oldState == SYN_SENT && lastIndex[e] == ACK_SET && lastDir[e] == Ct.DIR_REPLY
                            && seq == lastAck[e]) {
                        skipWindow = true; // reset answering a challenge ACK we let through
                    }
                }
                break;
            }
            default:
                break;
        }

        if (!skipWindow) {
            final int res = inWindow(e, dir, index, p);
            if (res == W_IGNORE) {
                return ACCEPT;
            }
            if (res == W_INVALID) {
                handleInvalid(e, dir, index, now);
                return CtResult.REASON_TCP_WINDOW;
            }
        }
        // in_window:
        lastIndex[e] = (byte) index;
        lastDir[e] = (byte) dir;
        state[e] = (byte) newState;
        if (oldState != newState && newState == FIN_WAIT) {
            flags[s] |= F_CLOSE_INIT;
        }
        final long[] t = ct.cfg.tcp;
        long to;
        if (retrans[e] >= ct.cfg.tcpMaxRetrans && t[newState] > t[RETRANS]) {
            to = t[RETRANS];
        } else if (index == RST_SET) {
            to = t[CLOSE];
        } else if (((flags[2 * e] | flags[2 * e + 1]) & F_DATA_UNACKNOWLEDGED) != 0 && t[newState] > t[UNACK]) {
            to = t[UNACK];
        } else if (lastWin[e] == 0 && t[newState] > t[RETRANS]) {
            to = t[RETRANS];
        } else {
            to = t[newState];
        }
        final int st = ct.status[e];
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
            ct.status[e] |= Ct.IPS_ASSURED;
        }
        ct.refreshAcct(e, dir, p.ipLen, now, to);
        return ACCEPT;
    }

    /** tcp_init_sender. */
    private void initSender(int s, int r, CtPacket p, int end, int win, int dir) {
        tdEnd[s] = tdMaxend[s] = end;
        tdMaxwin[s] = win == 0 ? 1 : win;
        tcpOptions(s, p);
        if (dir == Ct.DIR_REPLY && !((flags[s] & F_WINDOW_SCALE) != 0 && (flags[r] & F_WINDOW_SCALE) != 0)) {
            tdScale[s] = 0;
            tdScale[r] = 0;
        }
    }

    private int logInvalid(int s, int ret) {
        if ((flags[s] & F_BE_LIBERAL) != 0 || ct.cfg.tcpBeLiberal) {
            return W_ACCEPT;
        }
        return ret;
    }

    private int maxAckWindow(int s) {
        return Integer.compareUnsigned(tdMaxwin[s], MAXACKWINCONST) > 0 ? tdMaxwin[s] : MAXACKWINCONST;
    }

    /** tcp_in_window (no NAT sequence adjustment: helpers are not modelled). */
    private int inWindow(int e, int dir, int index, CtPacket p) {
        final int s = 2 * e + dir;
        final int r = 2 * e + (1 - dir);
        final boolean syn = (p.tcpFlags & Ct.TCP_SYN) != 0;
        final boolean ackFlag = (p.tcpFlags & Ct.TCP_ACK) != 0;
        final boolean rst = (p.tcpFlags & Ct.TCP_RST) != 0;
        int seq = (int) p.seq;
        int ack = (int) p.ack;
        int sack = ack;
        final int winRaw = p.window & 0xffff;
        int win = winRaw;
        int end = segEnd(p);

        if ((flags[r] & F_SACK_PERM) != 0 && p.hasSack && after((int) p.sackHighest, sack)) {
            sack = (int) p.sackHighest;
        }

        if (tdMaxwin[s] == 0) {
            if (syn) {
                initSender(s, r, p, end, win, dir);
                if (!ackFlag) {
                    return W_ACCEPT; // simultaneous open
                }
            } else {
                // mid-connection: history lost, take the data from the packet
                tdEnd[s] = end;
                final int swin = win << tdScale[s];
                tdMaxwin[s] = swin == 0 ? 1 : swin;
                tdMaxend[s] = end + tdMaxwin[s];
                if (tdMaxwin[r] == 0) {
                    tdEnd[r] = tdMaxend[r] = sack;
                } else if (sack == tdEnd[r] + 1) {
                    tdEnd[r]++; // likely a reply to a keepalive
                }
            }
        } else if (syn && after(end, tdEnd[s]) && (state[e] == SYN_SENT || state[e] == SYN_RECV)) {
            // RFC 793: reinitialised TCP, use the new sequence numbers
            initSender(s, r, p, end, win, dir);
            if (dir == Ct.DIR_REPLY && !ackFlag) {
                return W_ACCEPT;
            }
        }

        if (!ackFlag) {
            ack = sack = tdEnd[r];
        } else if (rst && ack == 0) {
            ack = sack = tdEnd[r]; // broken stacks: RST+ACK with zero ack
        }

        if (rst && seq == 0 && state[e] == SYN_SENT) {
            seq = end = tdEnd[s]; // RST answering a SYN
        }

        final boolean seqOk = before(seq, tdMaxend[s] + 1);
        if (!seqOk) {
            final int overshot = end - tdMaxend[s] + 1;
            final boolean ackOk = after(sack, tdEnd[r] - maxAckWindow(s) - 1);
            final boolean inRecvWin = tdMaxwin[r] != 0 && after(end, tdEnd[s] - tdMaxwin[r] - 1);
            if (inRecvWin && ackOk && Integer.compareUnsigned(overshot, tdMaxwin[r]) <= 0
                    && before(sack, tdEnd[r] + 1)) {
                // more bytes than the window allows: remember them, ignore the packet
                tdEnd[s] = end;
                flags[s] |= F_DATA_UNACKNOWLEDGED;
                return logInvalid(s, W_IGNORE);
            }
            return logInvalid(s, W_INVALID); // SEQ over the upper bound
        }
        if (!before(sack, tdEnd[r] + 1)) {
            return logInvalid(s, W_INVALID); // ACK over the upper bound (ACKed data not seen yet)
        }
        final boolean inRecvWin = tdMaxwin[r] == 0 || after(end, tdEnd[s] - tdMaxwin[r] - 1);
        if (!inRecvWin) {
            return logInvalid(s, W_IGNORE); // SEQ under the lower bound (old data)
        }
        if (!after(sack, tdEnd[r] - maxAckWindow(s) - 1)) {
            return logInvalid(s, W_IGNORE); // ACK under the lower bound (overly delayed)
        }

        if (!syn) {
            win <<= tdScale[s];
        }
        final int swin = win + (sack - ack);
        if (Integer.compareUnsigned(tdMaxwin[s], swin) < 0) {
            tdMaxwin[s] = swin;
        }
        if (after(end, tdEnd[s])) {
            tdEnd[s] = end;
            flags[s] |= F_DATA_UNACKNOWLEDGED;
        }
        if (ackFlag) {
            if ((flags[s] & F_MAXACK_SET) == 0) {
                tdMaxack[s] = ack;
                flags[s] |= F_MAXACK_SET;
            } else if (after(ack, tdMaxack[s])) {
                tdMaxack[s] = ack;
            }
        }
        if (tdMaxwin[r] != 0 && after(end, tdMaxend[s])) {
            tdMaxwin[r] += end - tdMaxend[s];
        }
        if (after(sack + win, tdMaxend[r] - 1)) {
            tdMaxend[r] = sack + win;
            if (win == 0) {
                tdMaxend[r]++;
            }
        }
        if (ack == tdEnd[r]) {
            flags[r] &= ~F_DATA_UNACKNOWLEDGED;
        }
        if (index == ACK_SET) {
            if (lastDir[e] == dir && lastSeq[e] == seq && lastAck[e] == ack && lastEnd[e] == end
                    && lastWin[e] == winRaw) {
                retrans[e]++;
            } else {
                lastDir[e] = (byte) dir;
                lastSeq[e] = seq;
                lastAck[e] = ack;
                lastEnd[e] = end;
                lastWin[e] = winRaw;
                retrans[e] = 0;
            }
        }
        return W_ACCEPT;
    }

    /** nf_tcp_handle_invalid: shorten an ASSURED entry's timeout after out-of-window FIN/RST exchanges. */
    private void handleInvalid(int e, int dir, int index, long now) {
        final int st = ct.status[e];
        if ((st & Ct.IPS_ASSURED) == 0 || (st & Ct.IPS_FIXED_TIMEOUT) != 0) {
            return;
        }
        if (index != RST_SET && index != FIN_SET) {
            return;
        }
        if (lastDir[e] != dir && (lastIndex[e] == FIN_SET || lastIndex[e] == RST_SET)) {
            final long expires = ct.timeout[e] - now;
            if (expires < Ct.secs(120)) {
                return;
            }
            final long unack = ct.cfg.tcp[UNACK];
            if (expires > unack) {
                ct.timeout[e] = now + unack;
            }
        } else {
            lastIndex[e] = (byte) index;
            lastDir[e] = (byte) dir;
        }
    }
}
