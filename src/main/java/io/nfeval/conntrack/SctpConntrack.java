package io.nfeval.conntrack;

import java.nio.ByteBuffer;

/**
 * The SCTP tracker, a port of net/netfilter/nf_conntrack_proto_sctp.c: the per-chunk state machine
 * ({@code sctp_conntracks}), the chunk checks ({@code do_basic_checks}), which packets may create an
 * entry ({@code sctp_new}), the verification-tag checks of RFC 9260 8.5 and the per-state timeouts.
 *
 * <p>Its state lives in the entry's protocol area (the words TCP uses for its own): the state, the
 * heartbeat flag, the direction of the failed heartbeat and the two INIT bits in one word, then the
 * verification tags of both directions. Allocation-free; single-threaded like the table.
 */
final class SctpConntrack {
    // enum sctp_conntrack
    static final int NONE = 0;
    static final int CLOSED = 1;
    static final int COOKIE_WAIT = 2;
    static final int COOKIE_ECHOED = 3;
    static final int ESTABLISHED = 4;
    static final int SHUTDOWN_SENT = 5;
    static final int SHUTDOWN_RECD = 6;
    static final int SHUTDOWN_ACK_SENT = 7;
    static final int HEARTBEAT_SENT = 8;
    /** SCTP_CONNTRACK_MAX: the invalid transition. */
    static final int MAX = 9;

    // chunk ids (include/linux/sctp.h)
    static final int CID_DATA = 0;
    static final int CID_INIT = 1;
    static final int CID_INIT_ACK = 2;
    static final int CID_HEARTBEAT = 4;
    static final int CID_HEARTBEAT_ACK = 5;
    static final int CID_ABORT = 6;
    static final int CID_SHUTDOWN = 7;
    static final int CID_SHUTDOWN_ACK = 8;
    static final int CID_ERROR = 9;
    static final int CID_COOKIE_ECHO = 10;
    static final int CID_COOKIE_ACK = 11;
    static final int CID_SHUTDOWN_COMPLETE = 14;

    private static final int FLAG_T = 0x01;

    private static final int sNO = NONE;
    private static final int sCL = CLOSED;
    private static final int sCW = COOKIE_WAIT;
    private static final int sCE = COOKIE_ECHOED;
    private static final int sES = ESTABLISHED;
    private static final int sSS = SHUTDOWN_SENT;
    private static final int sSR = SHUTDOWN_RECD;
    private static final int sSA = SHUTDOWN_ACK_SENT;
    private static final int sHS = HEARTBEAT_SENT;
    private static final int sIV = MAX;

    /** sctp_conntracks[dir][chunk row][state], rows as sctp_new_state numbers them. */
    private static final int[][][] TRANSITIONS = {
        {
            // ORIGINAL     sNO  sCL  sCW  sCE  sES  sSS  sSR  sSA  sHS
            /* init      */ {sCL, sCL, sCW, sCE, sES, sCL, sCL, sSA, sCW},
            /* init_ack  */ {sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sCL},
            /* abort     */ {sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
            /* shutdown  */ {sCL, sCL, sCW, sCE, sSS, sSS, sSR, sSA, sCL},
            /* shut_ack  */ {sSA, sCL, sCW, sCE, sES, sSA, sSA, sSA, sSA},
            /* error     */ {sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sCL},
            /* cookie_e  */ {sCL, sCL, sCE, sCE, sES, sSS, sSR, sSA, sCL},
            /* cookie_a  */ {sCL, sCL, sCW, sES, sES, sSS, sSR, sSA, sCL},
            /* shut_comp */ {sCL, sCL, sCW, sCE, sES, sSS, sSR, sCL, sCL},
            /* heartbeat */ {sHS, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS},
            /* hb_ack    */ {sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS},
        },
        {
            // REPLY        sNO  sCL  sCW  sCE  sES  sSS  sSR  sSA  sHS
            /* init      */ {sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sIV},
            /* init_ack  */ {sIV, sCW, sCW, sCE, sES, sSS, sSR, sSA, sIV},
            /* abort     */ {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sIV},
            /* shutdown  */ {sIV, sCL, sCW, sCE, sSR, sSS, sSR, sSA, sIV},
            /* shut_ack  */ {sIV, sCL, sCW, sCE, sES, sSA, sSA, sSA, sIV},
            /* error     */ {sIV, sCL, sCW, sCL, sES, sSS, sSR, sSA, sIV},
            /* cookie_e  */ {sIV, sCL, sCE, sCE, sES, sSS, sSR, sSA, sIV},
            /* cookie_a  */ {sIV, sCL, sCW, sES, sES, sSS, sSR, sSA, sIV},
            /* shut_comp */ {sIV, sCL, sCW, sCE, sES, sSS, sSR, sCL, sIV},
            /* heartbeat */ {sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS},
            /* hb_ack    */ {sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sES},
        },
    };

    // the protocol word: state (4 bits), SCTP_FLAG_HEARTBEAT_VTAG_FAILED, last_dir, init[0], init[1]
    private static final int STATE_MASK = 0xf;
    private static final int HB_VTAG_FAILED = 1 << 4;
    private static final int LAST_DIR = 1 << 5;
    private static final int INIT0 = 1 << 6;

    private final ConntrackTable table;
    /** The chunk types of the packet (do_basic_checks' map): 256 bits. */
    private final long[] map = new long[4];

    SctpConntrack(ConntrackTable table) {
        this.table = table;
    }

    /** The entry's SCTP state (SctpConntrack.NONE..HEARTBEAT_SENT). */
    int state(int e) {
        return table.conn[e * ConntrackTable.STRIDE + ConntrackTable.O_TCP_LAST] & STATE_MASK;
    }

    private static int u8(ByteBuffer b, int off) {
        return b.get(off) & 0xff;
    }

    private static int u16(ByteBuffer b, int off) {
        return b.getShort(off) & 0xffff;
    }

    private boolean has(int type) {
        return (map[type >>> 6] & 1L << (type & 63)) != 0;
    }

    /**
     * for_each_sctp_chunk's next offset: chunks run while their offset is inside the datagram and a
     * chunk header can be read there (the kernel reads the whole skb; nfeval what was captured).
     */
    private static boolean chunkAt(CtPacket p, int off) {
        return off - p.sctpOff < p.sctpLen && off + 4 <= p.sctpEnd;
    }

    /**
     * The INIT/INIT_ACK chunk at {@code off} has its whole {@code struct sctp_inithdr} (tag, window,
     * streams, TSN: 16 bytes after the chunk header) in the datagram, as skb_header_pointer requires.
     */
    private static boolean initHeaderAt(CtPacket p, int off) {
        return off + 20 - p.sctpOff <= p.sctpLen && off + 20 <= p.sctpEnd;
    }

    private static int next(ByteBuffer b, int off) {
        return off + ((u16(b, off + 2) + 3) & ~3);
    }

    /**
     * do_basic_checks: COOKIE_ACK/COOKIE_ECHO only first, INIT/INIT_ACK/SHUTDOWN_COMPLETE alone, no
     * zero-length chunk, at least one chunk. Fills {@link #map}. False means invalid.
     */
    private boolean basicChecks(CtPacket p) {
        map[0] = map[1] = map[2] = map[3] = 0;
        final ByteBuffer b = p.sctpBuf;
        boolean flag = false;
        int count = 0;
        for (int off = p.sctpOff + 12; chunkAt(p, off); off = next(b, off), count++) {
            final int type = u8(b, off);
            if (type == CID_INIT || type == CID_INIT_ACK || type == CID_SHUTDOWN_COMPLETE) {
                flag = true;
            }
            if (((type == CID_COOKIE_ACK || type == CID_COOKIE_ECHO || flag) && count != 0)
                    || u16(b, off + 2) == 0) {
                return false;
            }
            map[type >>> 6] |= 1L << (type & 63);
        }
        return count != 0;
    }

    /** sctp_new_state: the chunk's row, or the state unchanged for DATA, SACK and the others. */
    private static int newState(int dir, int cur, int chunkType) {
        final int i;
        switch (chunkType) {
            case CID_INIT: i = 0; break;
            case CID_INIT_ACK: i = 1; break;
            case CID_ABORT: i = 2; break;
            case CID_SHUTDOWN: i = 3; break;
            case CID_SHUTDOWN_ACK: i = 4; break;
            case CID_ERROR: i = 5; break;
            case CID_COOKIE_ECHO: i = 6; break;
            case CID_COOKIE_ACK: i = 7; break;
            case CID_SHUTDOWN_COMPLETE: i = 8; break;
            case CID_HEARTBEAT: i = 9; break;
            case CID_HEARTBEAT_ACK: i = 10; break;
            default: return cur;
        }
        return TRANSITIONS[dir][i][cur];
    }

    /**
     * sctp_new on a fresh entry: every chunk must be able to start a connection from NONE; an INIT
     * (with a zero tag) gives the reply direction's tag, a HEARTBEAT the original's, an out-of-the-blue
     * SHUTDOWN_ACK the reply's.
     */
    private boolean sctpNew(int e, CtPacket p, int vtag) {
        final int[] c = table.conn;
        final int b = e * ConntrackTable.STRIDE;
        final ByteBuffer buf = p.sctpBuf;
        c[b + ConntrackTable.O_TCP_LAST] = 0; // memset(&ct->proto.sctp, 0)
        c[b + vtagSlot(0)] = 0;
        c[b + vtagSlot(1)] = 0;
        for (int off = p.sctpOff + 12; chunkAt(p, off); off = next(buf, off)) {
            final int type = u8(buf, off);
            final int ns = newState(Ct.DIR_ORIGINAL, NONE, type);
            if (ns == NONE || ns == MAX) {
                return false;
            }
            if (type == CID_INIT) {
                if (vtag != 0 || !initHeaderAt(p, off)) { // 8.5.1 (A); the init header must be there
                    return false;
                }
                c[b + vtagSlot(Ct.DIR_REPLY)] = buf.getInt(off + 4);
            } else if (type == CID_HEARTBEAT) {
                c[b + vtagSlot(Ct.DIR_ORIGINAL)] = vtag;
            } else if (type == CID_SHUTDOWN_ACK) {
                c[b + vtagSlot(Ct.DIR_REPLY)] = vtag;
            }
        }
        return true;
    }

    /** Word of the entry holding vtag[dir]. */
    private static int vtagSlot(int dir) {
        return ConntrackTable.O_TCP_SEEN_BITS + dir;
    }

    /**
     * nf_conntrack_sctp_packet. Returns 0 (accepted, entry refreshed or deliberately not) or a
     * CtResult reason for an invalid packet.
     */
    int packet(int e, CtPacket p, int dir, long now, boolean confirmed) {
        // sctp_error: short header, bad CRC (PRE_ROUTING, nf_conntrack_checksum)
        if (p.sctpBuf == null || p.sctpLen < 12 || p.sctpOff + 12 > p.sctpEnd) {
            return CtResult.REASON_TRUNCATED;
        }
        if (table.cfg.checksum && p.hook == Ct.HOOK_PRE_ROUTING && !p.l4ChecksumOk) {
            return CtResult.REASON_CHECKSUM;
        }
        final ByteBuffer buf = p.sctpBuf;
        final int vtag = buf.getInt(p.sctpOff + 4);
        if (!basicChecks(p)) {
            return CtResult.REASON_SCTP_STATE;
        }
        if (!confirmed) {
            // an out-of-the-blue packet with these chunks is discarded (8.4)
            if (has(CID_ABORT) || has(CID_SHUTDOWN_COMPLETE) || has(CID_COOKIE_ACK)) {
                return CtResult.REASON_SCTP_STATE;
            }
            if (!sctpNew(e, p, vtag)) {
                return CtResult.REASON_SCTP_STATE;
            }
        }
        final int[] c = table.conn;
        final int b = e * ConntrackTable.STRIDE;
        final int w = b + ConntrackTable.O_TCP_LAST;
        final int own = b + vtagSlot(dir);
        final int peer = b + vtagSlot(1 - dir);
        final int initOwn = INIT0 << dir;
        final int initPeer = INIT0 << (1 - dir);
        // the verification tag (8.5), except for the chunks with rules of their own
        if (!has(CID_INIT) && !has(CID_SHUTDOWN_COMPLETE) && !has(CID_COOKIE_ECHO) && !has(CID_ABORT)
                && !has(CID_SHUTDOWN_ACK) && !has(CID_HEARTBEAT) && !has(CID_HEARTBEAT_ACK)
                && vtag != c[own]) {
            return CtResult.REASON_SCTP_STATE;
        }
        int newState = NONE;
        boolean ignore = false;
        for (int off = p.sctpOff + 12; chunkAt(p, off); off = next(buf, off)) {
            final int type = u8(buf, off);
            final int flags = u8(buf, off + 1);
            if (type == CID_INIT) {
                if (vtag != 0) { // 8.5.1 (A)
                    return CtResult.REASON_SCTP_STATE;
                }
            } else if (type == CID_ABORT || type == CID_SHUTDOWN_COMPLETE) {
                // 8.5.1 (B), (C): own tag without the T flag, the peer's with it
                if (((flags & FLAG_T) == 0 && vtag != c[own]) || ((flags & FLAG_T) != 0 && vtag != c[peer])) {
                    return CtResult.REASON_SCTP_STATE;
                }
            } else if (type == CID_COOKIE_ECHO) {
                if (vtag != c[own]) { // 8.5.1 (D)
                    return CtResult.REASON_SCTP_STATE;
                }
            } else if (type == CID_COOKIE_ACK) {
                c[w] &= ~(INIT0 | INIT0 << 1);
            } else if (type == CID_HEARTBEAT) {
                if (c[own] == 0) {
                    c[own] = vtag;
                } else if (vtag != c[own]) {
                    if (has(CID_DATA) || ignore) {
                        return CtResult.REASON_SCTP_STATE;
                    }
                    c[w] = (c[w] | HB_VTAG_FAILED) & ~LAST_DIR | (dir == 1 ? LAST_DIR : 0);
                    ignore = true;
                    continue;
                } else if ((c[w] & HB_VTAG_FAILED) != 0) {
                    c[w] &= ~HB_VTAG_FAILED;
                }
            } else if (type == CID_HEARTBEAT_ACK) {
                if (c[own] == 0) {
                    c[own] = vtag;
                } else if (vtag != c[own]) {
                    if (has(CID_DATA) || ignore) {
                        return CtResult.REASON_SCTP_STATE;
                    }
                    final int lastDir = (c[w] & LAST_DIR) != 0 ? 1 : 0;
                    if ((c[w] & HB_VTAG_FAILED) == 0 || lastDir == dir) {
                        return CtResult.REASON_SCTP_STATE;
                    }
                    c[w] &= ~HB_VTAG_FAILED;
                    c[own] = vtag;
                    c[peer] = 0;
                } else if ((c[w] & HB_VTAG_FAILED) != 0) {
                    c[w] &= ~HB_VTAG_FAILED;
                }
            }
            final int oldState = c[w] & STATE_MASK;
            newState = newState(dir, oldState, type);
            if (newState == MAX) {
                return CtResult.REASON_SCTP_STATE;
            }
            if (type == CID_INIT) {
                if (!initHeaderAt(p, off)) {
                    return CtResult.REASON_SCTP_STATE;
                }
                final int initTag = buf.getInt(off + 4);
                // a stale or retransmitted INIT (the peer's tag again) is not recorded
                if (oldState == NONE || c[peer] != initTag) {
                    if ((c[w] & initOwn) != 0 && (c[w] & initPeer) != 0) {
                        c[w] &= ~initPeer;
                    }
                    c[w] |= initOwn;
                }
                c[peer] = initTag;
                // no refresh for an INIT retransmitted in CLOSED: port reuse cannot keep it alive
                if (newState == CLOSED && oldState == CLOSED && confirmed) {
                    ignore = true;
                }
            } else if (type == CID_INIT_ACK) {
                if (!initHeaderAt(p, off)) {
                    return CtResult.REASON_SCTP_STATE;
                }
                final int initTag = buf.getInt(off + 4);
                final int v = c[peer];
                if ((c[w] & initPeer) == 0 && v != 0 && v != initTag) {
                    return CtResult.REASON_SCTP_STATE;
                }
                if ((c[w] & initOwn) != 0 && (c[w] & initPeer) != 0 && v != initTag) { // collision
                    return CtResult.REASON_SCTP_STATE;
                }
                c[peer] = initTag;
            }
            c[w] = (c[w] & ~STATE_MASK) | newState;
            if (oldState != newState && newState == ESTABLISHED) {
                c[b + ConntrackTable.O_STATUS] |= Ct.IPS_ASSURED;
            }
        }
        if (ignore) {
            return 0; // accepted, timeout not refreshed
        }
        // timeouts[0], NONE's, is CLOSED's (nf_conntrack_sctp_init_net)
        table.refreshAcct(e, dir, p.ipLen, now, table.cfg.sctp[newState == NONE ? CLOSED : newState]);
        return 0;
    }
}
