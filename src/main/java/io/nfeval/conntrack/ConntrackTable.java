package io.nfeval.conntrack;

/**
 * The connection tracking table: a port of nf_conntrack_core.c's packet path (nf_conntrack_in,
 * resolve_normal_ct, init_conntrack, __nf_conntrack_confirm, early_drop, nf_ct_kill) with the per-protocol
 * trackers of nf_conntrack_proto_{tcp,udp,icmp,generic}.c.
 *
 * <h2>Layout</h2>
 * Struct-of-arrays: a connection is an {@code int} handle (slot index); its two tuples live at
 * {@code 2*handle + dir} in {@link #tSrc}/{@link #tDst}/{@link #tPorts}. The hash is one open-addressing
 * {@code int[]} (linear probing, backward-shift deletion, in the style of Agrona's Int2IntHashMap) holding
 * {@code (2*handle + dir) + 1} for each of the two tuples of every <em>confirmed</em> entry, exactly as the
 * kernel hashes both tuplehash[] entries. Nothing is allocated per packet.
 *
 * <p>Tuple ports: TCP/UDP {@code sport << 16 | dport}; ICMP {@code id << 16 | type << 8 | code}
 * (the kernel's src.u.icmp.id and dst.u.icmp.{type,code}); other protocols 0.
 *
 * <h2>Time</h2>
 * Time is the packet's timestamp. As in the kernel ({@code nf_ct_is_expired}: timeout - now &lt;= 0), an
 * expired entry is invisible to lookups and reaped when met ({@code nf_ct_gc_expired}); {@link #sweep}
 * is the bounded stand-in for gc_worker.
 *
 * <h2>Lifecycle</h2>
 * {@link #lookupOrCreate} attaches an entry to the packet; a new one is unconfirmed (not hashed) until
 * {@link #confirm} at the end of POSTROUTING / LOCAL_IN, or vanishes with {@link #discardUnconfirmed} when
 * the packet is dropped first. Killed entries (RST without reply, TIME_WAIT reopen, early drop) leave the
 * hash at once but their slot is reused only after {@value #DEFER_SLOTS} later kills, so a handle held by a
 * packet still in flight stays readable (the kernel's refcount).
 *
 * <p>Single-threaded: one worker owns a table.
 */
public final class ConntrackTable {
    static final int DEFER_SLOTS = 32;
    /** How many hash slots early_drop inspects (kernel: NF_CT_EVICTION_RANGE = 8 buckets). */
    static final int EVICTION_SLOTS = 64;

    private final int max;
    final CtTimeouts cfg;

    // per tuple (2*e + dir)
    final int[] tSrc;
    final int[] tDst;
    final int[] tPorts;
    final long[] packets;
    final long[] bytes;
    // per entry
    final int[] proto;
    final int[] zone;
    final int[] status;
    final int[] mark;
    final long[] timeout;
    final long[] udpStreamTs;
    private final int[] masqIndex;
    final int[] master;
    private Expectations expectations;
    final byte[] used;
    private final int[] nextFree;
    private int freeHead;
    private int count;

    // hash index
    private final int[] index;
    private final int indexMask;

    // NAT by-source chains (nf_nat_bysource), keyed on the original tuple's source
    private final int[] bsHead;
    private final int[] bsNext;
    private final int[] bsPrev;
    private final int bsMask;

    private final int[] deferRing = new int[DEFER_SLOTS];
    private int deferPos;
    private int sweepCursor;

    final TcpConntrack tcp;

    /** Table for at most {@code max} connections (nf_conntrack_max), kernel default timeouts. */
    public ConntrackTable(int max) {
        this(max, new CtTimeouts());
    }

    public ConntrackTable(int max, CtTimeouts timeouts) {
        if (max < 1) {
            throw new IllegalArgumentException("nf_conntrack_max must be >= 1");
        }
        this.max = max;
        this.cfg = timeouts;
        final int slots = max + DEFER_SLOTS + 4;
        tSrc = new int[2 * slots];
        tDst = new int[2 * slots];
        tPorts = new int[2 * slots];
        packets = new long[2 * slots];
        bytes = new long[2 * slots];
        proto = new int[slots];
        zone = new int[slots];
        status = new int[slots];
        mark = new int[slots];
        timeout = new long[slots];
        udpStreamTs = new long[slots];
        masqIndex = new int[slots];
        master = new int[slots];
        used = new byte[slots];
        nextFree = new int[slots];
        for (int i = 0; i < slots; i++) {
            nextFree[i] = i + 1 < slots ? i + 1 : -1;
        }
        freeHead = 0;
        final int idx = Integer.highestOneBit(Math.max(16, 4 * max - 1)) << 1;
        index = new int[idx];
        indexMask = idx - 1;
        final int bs = Integer.highestOneBit(Math.max(16, max - 1)) << 1;
        bsHead = new int[bs];
        java.util.Arrays.fill(bsHead, -1);
        bsNext = new int[slots];
        bsPrev = new int[slots];
        java.util.Arrays.fill(bsPrev, -2);
        java.util.Arrays.fill(bsNext, -1);
        bsMask = bs - 1;
        java.util.Arrays.fill(deferRing, -1);
        tcp = new TcpConntrack(this, slots);
    }

    // ------------------------------------------------------------------ queries

    public int max() {
        return max;
    }

    /** Number of live entries (confirmed and unconfirmed), the kernel's nf_conntrack_count. */
    public int count() {
        return count;
    }

    public CtTimeouts timeouts() {
        return cfg;
    }

    public int status(int h) {
        return status[h];
    }

    public boolean isConfirmed(int h) {
        return (status[h] & Ct.IPS_CONFIRMED) != 0;
    }

    public boolean isDying(int h) {
        return (status[h] & Ct.IPS_DYING) != 0;
    }

    /** --ctstate bits for a packet of this entry with the given ctinfo. */
    public int ctstate(int h, int ctinfo) {
        return Ct.ctstateBits(ctinfo, h < 0 ? 0 : status[h]);
    }

    public int proto(int h) {
        return proto[h];
    }

    public int zone(int h) {
        return zone[h];
    }

    public int mark(int h) {
        return mark[h];
    }

    /** connmark (CONNMARK --set-mark and friends). */
    public void setMark(int h, int m) {
        mark[h] = m;
    }

    /** Absolute expiry time (packet-time nanoseconds). */
    public long expiresAt(int h) {
        return timeout[h];
    }

    public int tupleSrc(int h, int dir) {
        return tSrc[2 * h + dir];
    }

    public int tupleDst(int h, int dir) {
        return tDst[2 * h + dir];
    }

    /** Source port (TCP/UDP) or ICMP id of the tuple. */
    public int tupleSport(int h, int dir) {
        return tPorts[2 * h + dir] >>> 16;
    }

    /** Destination port (TCP/UDP) or ICMP type<<8|code of the tuple. */
    public int tupleDport(int h, int dir) {
        return tPorts[2 * h + dir] & 0xffff;
    }

    /** Packed ports word of the tuple ({@code sport << 16 | dport}). */
    public int tuplePorts(int h, int dir) {
        return tPorts[2 * h + dir];
    }

    /** TcpConntrack.* state of a TCP entry (NONE for other protocols). */
    public int tcpState(int h) {
        return tcp.state[h];
    }

    /** TCP td_end of seen[dir] (u32 in an int): the highest sequence end sent in that direction. */
    public int tcpTdEnd(int h, int dir) {
        return tcp.tdEnd[2 * h + dir];
    }

    public long packets(int h, int dir) {
        return packets[2 * h + dir];
    }

    public long bytes(int h, int dir) {
        return bytes[2 * h + dir];
    }

    /** nf_conn_nat.masq_index: output interface index recorded by MASQUERADE (0 = none). */
    public int masqIndex(int h) {
        return masqIndex[h];
    }

    public void setMasqIndex(int h, int ifindex) {
        masqIndex[h] = ifindex;
    }

    /**
     * The seam for helpers: consulted by init_conntrack for every new entry. A matching expectation makes
     * the entry EXPECTED (its packets RELATED until a reply is seen) with the master's connmark.
     */
    public void setExpectations(Expectations e) {
        this.expectations = e;
    }

    /** The master connection of an expected entry, or -1. */
    public int master(int h) {
        return master[h];
    }

    /** Sets status bits (IPS_*): NAT sets SRC_NAT/DST_NAT and *_NAT_DONE; helpers may set EXPECTED. */
    public void setStatusBits(int h, int bits) {
        status[h] |= bits;
    }

    // ------------------------------------------------------------------ packet path

    /**
     * nf_conntrack_in for one packet at PRE_ROUTING or LOCAL_OUT: attach an entry (creating an unconfirmed
     * one when none matches) and run the protocol tracker. The engine handles packets that already carry
     * an entry (loopback, NOTRACK): it must not call this for them.
     */
    public void lookupOrCreate(CtPacket p, CtResult r) {
        r.reset();
        if (p.l3 != 4) {
            r.invalid(CtResult.REASON_NOT_IPV4);
            return;
        }
        if (p.isFragment) {
            r.invalid(CtResult.REASON_FRAGMENT);
            return;
        }
        final long now = p.timeNanos;
        if (p.proto == Ct.IPPROTO_ICMP) {
            // nf_conntrack_icmpv4_error runs before the tuple lookup
            if (p.l4Truncated) {
                r.invalid(CtResult.REASON_TRUNCATED);
                return;
            }
            if (cfg.checksum && p.hook == Ct.HOOK_PRE_ROUTING && !p.l4ChecksumOk) {
                r.invalid(CtResult.REASON_CHECKSUM);
                return;
            }
            if (p.icmpType > IcmpTuple.NR_ICMP_TYPES) {
                r.invalid(CtResult.REASON_ICMP_TYPE);
                return;
            }
            if (IcmpTuple.isError(p.icmpType)) {
                icmpError(p, r);
                return;
            }
        }
        if (p.l4Truncated) {
            r.invalid(CtResult.REASON_TRUNCATED);
            return;
        }
        final int ports = packetPorts(p);
        for (int attempt = 0; attempt < 3; attempt++) {
            // resolve_normal_ct
            final int ref = find(p.src, p.dst, ports, p.proto, p.zone, now);
            int e;
            int dir;
            int ctinfo;
            boolean fresh = false;
            if (ref < 0) {
                if (!invertible(p.proto, ports)) {
                    r.invalid(CtResult.REASON_NOT_INVERTIBLE);
                    return;
                }
                e = initConntrack(p.src, p.dst, ports, p.proto, p.zone, now);
                if (e < 0) {
                    r.invalid(CtResult.REASON_NONE);
                    r.drop = true;
                    return;
                }
                dir = Ct.DIR_ORIGINAL;
                ctinfo = (status[e] & Ct.IPS_EXPECTED) != 0 ? Ct.CTINFO_RELATED : Ct.CTINFO_NEW;
                fresh = true;
            } else {
                e = ref >> 1;
                dir = ref & 1;
                if (dir == Ct.DIR_REPLY) {
                    ctinfo = Ct.CTINFO_ESTABLISHED_REPLY;
                } else if ((status[e] & Ct.IPS_SEEN_REPLY) != 0) {
                    ctinfo = Ct.CTINFO_ESTABLISHED;
                } else if ((status[e] & Ct.IPS_EXPECTED) != 0) {
                    ctinfo = Ct.CTINFO_RELATED;
                } else {
                    ctinfo = Ct.CTINFO_NEW;
                }
            }
            // nf_conntrack_handle_packet
            final int ret = handlePacket(e, p, dir, now);
            if (ret == TcpConntrack.REPEAT) {
                continue; // old entry killed: look up again and create a fresh one
            }
            if (ret != 0) {
                if (fresh) {
                    free(e);
                }
                r.invalid(ret);
                return;
            }
            if (ctinfo == Ct.CTINFO_ESTABLISHED_REPLY) {
                status[e] |= Ct.IPS_SEEN_REPLY;
            }
            r.handle = e;
            r.ctinfo = ctinfo;
            r.dir = dir;
            r.unconfirmed = fresh;
            return;
        }
        r.invalid(CtResult.REASON_TCP_STATE);
    }

    private int handlePacket(int e, CtPacket p, int dir, long now) {
        switch (p.proto) {
            case Ct.IPPROTO_TCP:
                return tcp.packet(e, p, dir, now);
            case Ct.IPPROTO_UDP:
            case Ct.IPPROTO_UDPLITE:
                return udpPacket(e, p, dir, now);
            case Ct.IPPROTO_ICMP:
                return icmpPacket(e, p, dir, now);
            case Ct.IPPROTO_GRE:
                if (cfg.greTracker) {
                    return grePacket(e, p, dir, now);
                }
                refreshAcct(e, dir, p.ipLen, now, cfg.generic);
                return 0;
            default:
                refreshAcct(e, dir, p.ipLen, now, cfg.generic);
                return 0;
        }
    }

    /** nf_conntrack_udp_packet: the 2 s stream_ts rule and ASSURED on a still-active replied flow. */
    private int udpPacket(int e, CtPacket p, int dir, long now) {
        if (cfg.checksum && p.hook == Ct.HOOK_PRE_ROUTING && !p.l4ChecksumOk) {
            return CtResult.REASON_CHECKSUM;
        }
        final int st = status[e];
        if ((st & Ct.IPS_CONFIRMED) == 0) {
            udpStreamTs[e] = now + Ct.secs(2);
        }
        if ((st & Ct.IPS_SEEN_REPLY) != 0) {
            long extra = cfg.udpUnreplied;
            boolean stream = false;
            if (now - udpStreamTs[e] > 0) { // time_after(jiffies, stream_ts)
                extra = cfg.udpReplied;
                stream = (st & Ct.IPS_ASSURED) == 0;
            }
            refreshAcct(e, dir, p.ipLen, now, extra);
            if (stream) {
                status[e] |= Ct.IPS_ASSURED;
            }
        } else {
            refreshAcct(e, dir, p.ipLen, now, cfg.udpUnreplied);
        }
        return 0;
    }

    /**
     * nf_conntrack_gre_packet for plain GRE (no PPTP keymap: keys are 0, as gre_pkt_to_tuple does for
     * anything but an enhanced GREv1 header): unreplied timeout, then stream timeout and ASSURED.
     */
    private int grePacket(int e, CtPacket p, int dir, long now) {
        if ((status[e] & Ct.IPS_SEEN_REPLY) != 0) {
            refreshAcct(e, dir, p.ipLen, now, cfg.greReplied);
            status[e] |= Ct.IPS_ASSURED;
        } else {
            refreshAcct(e, dir, p.ipLen, now, cfg.greUnreplied);
        }
        return 0;
    }

    /** nf_conntrack_icmp_packet: only echo/timestamp/info/address-mask requests may create an entry. */
    private int icmpPacket(int e, CtPacket p, int dir, long now) {
        final int origType = (tPorts[2 * e] >>> 8) & 0xff;
        if (!IcmpTuple.validNew(origType)) {
            return CtResult.REASON_ICMP_TYPE;
        }
        refreshAcct(e, dir, p.ipLen, now, cfg.icmp);
        return 0;
    }

    /**
     * nf_conntrack_inet_error: an ICMP error is RELATED to the entry its quoted (inverted) tuple finds, if
     * the outer destination is that entry's destination in the found direction; otherwise INVALID.
     */
    private void icmpError(CtPacket p, CtResult r) {
        if (p.innerIncomplete) {
            r.invalid(CtResult.REASON_TRUNCATED);
            return;
        }
        final int innerPorts;
        switch (p.innerProto) {
            case Ct.IPPROTO_TCP:
            case Ct.IPPROTO_UDP:
            case Ct.IPPROTO_UDPLITE:
                innerPorts = (p.innerSport & 0xffff) << 16 | (p.innerDport & 0xffff);
                break;
            case Ct.IPPROTO_ICMP:
                innerPorts = IcmpTuple.ports(p.innerIcmpId, p.innerIcmpType, p.innerIcmpCode);
                break;
            default:
                innerPorts = 0;
        }
        if (!invertible(p.innerProto, innerPorts)) {
            r.invalid(CtResult.REASON_ICMP_ERROR_UNKNOWN);
            return;
        }
        final int invPorts = invertPorts(p.innerProto, innerPorts);
        final int ref = find(p.innerDst, p.innerSrc, invPorts, p.innerProto, p.zone, p.timeNanos);
        if (ref < 0) {
            r.invalid(CtResult.REASON_ICMP_ERROR_UNKNOWN);
            return;
        }
        final int e = ref >> 1;
        final int dir = ref & 1;
        if (tDst[ref] != p.dst) {
            r.invalid(CtResult.REASON_ICMP_ERROR_UNKNOWN);
            return;
        }
        r.handle = e;
        r.dir = dir;
        r.ctinfo = dir == Ct.DIR_REPLY ? Ct.CTINFO_RELATED_REPLY : Ct.CTINFO_RELATED;
    }

    /**
     * __nf_conntrack_confirm: hash both tuples of a new entry. Returns false when the packet must be dropped
     * (the entry is dying, or another entry took one of its tuples meanwhile: the kernel's insert_failed;
     * nf_ct_resolve_clash's UDP clash merging is not modelled). An already confirmed entry returns true.
     * On false the entry is freed.
     */
    public boolean confirm(int h, long nowNanos) {
        if ((status[h] & Ct.IPS_CONFIRMED) != 0) {
            return true;
        }
        if ((status[h] & Ct.IPS_DYING) != 0
                || find(tSrc[2 * h], tDst[2 * h], tPorts[2 * h], proto[h], zone[h], nowNanos) >= 0
                || find(tSrc[2 * h + 1], tDst[2 * h + 1], tPorts[2 * h + 1], proto[h], zone[h], nowNanos) >= 0) {
            free(h);
            return false;
        }
        status[h] |= Ct.IPS_CONFIRMED;
        hashInsert(2 * h);
        hashInsert(2 * h + 1);
        return true;
    }

    /** The packet that created this unconfirmed entry was dropped: the entry vanishes (nf_ct_put). */
    public void discardUnconfirmed(int h) {
        if (h >= 0 && used[h] != 0 && (status[h] & Ct.IPS_CONFIRMED) == 0) {
            free(h);
        }
    }

    /** nf_ct_kill / nf_ct_delete: unhash now, free the slot later. */
    public void kill(int h) {
        if (used[h] == 0 || (status[h] & Ct.IPS_DYING) != 0) {
            return;
        }
        if ((status[h] & Ct.IPS_CONFIRMED) != 0) {
            hashRemove(2 * h);
            hashRemove(2 * h + 1);
        }
        bySourceUnlink(h);
        status[h] |= Ct.IPS_DYING;
        count--;
        final int old = deferRing[deferPos];
        deferRing[deferPos] = h;
        deferPos = (deferPos + 1) % DEFER_SLOTS;
        if (old >= 0) {
            release(old);
        }
    }

    /**
     * Bounded garbage collection (gc_worker): inspects at most {@code maxSlots} slots from a rotating cursor
     * and kills confirmed entries expired at {@code nowNanos}. Returns how many were reaped.
     */
    public int sweep(long nowNanos, int maxSlots) {
        int reaped = 0;
        final int n = used.length;
        for (int i = 0; i < maxSlots && i < n; i++) {
            final int e = sweepCursor;
            sweepCursor = (sweepCursor + 1) % n;
            if (used[e] != 0 && (status[e] & (Ct.IPS_CONFIRMED | Ct.IPS_DYING)) == Ct.IPS_CONFIRMED
                    && timeout[e] - nowNanos <= 0) {
                kill(e);
                reaped++;
            }
        }
        return reaped;
    }

    /**
     * Looks up a tuple among confirmed, unexpired entries; returns {@code 2*handle + dir} or -1.
     * Expired matches are reaped on the way (nf_ct_gc_expired).
     */
    public int find(int src, int dst, int ports, int pr, int zn, long nowNanos) {
        int i = hash(src, dst, ports, pr, zn) & indexMask;
        while (true) {
            final int v = index[i];
            if (v == 0) {
                return -1;
            }
            final int t = v - 1;
            final int e = t >> 1;
            if (tSrc[t] == src && tDst[t] == dst && tPorts[t] == ports && proto[e] == pr && zone[e] == zn) {
                if (timeout[e] - nowNanos <= 0) {
                    kill(e);
                    return -1;
                }
                return t;
            }
            i = (i + 1) & indexMask;
        }
    }

    /**
     * nf_conntrack_tuple_taken: is this tuple (either direction of some live confirmed entry other than
     * {@code ignored}) in use?
     */
    public boolean tupleTaken(int src, int dst, int ports, int pr, int zn, int ignored, long nowNanos) {
        final int t = find(src, dst, ports, pr, zn, nowNanos);
        return t >= 0 && (t >> 1) != ignored;
    }

    // ------------------------------------------------------------------ NAT support

    /**
     * nf_conntrack_alter_reply: NAT rewrote the reply tuple of an unconfirmed entry.
     */
    public void alterReply(int h, int src, int dst, int ports) {
        if ((status[h] & Ct.IPS_CONFIRMED) != 0) {
            throw new IllegalStateException("alter reply of a confirmed entry");
        }
        tSrc[2 * h + 1] = src;
        tDst[2 * h + 1] = dst;
        tPorts[2 * h + 1] = ports;
    }

    /** Adds the entry to the by-source chain (nf_nat_setup_info with SRC manip). */
    public void bySourceAdd(int h) {
        if (bsPrev[h] != -2) {
            return; // already linked
        }
        final int b = bySourceBucket(tSrc[2 * h], tPorts[2 * h] >>> 16, proto[h], zone[h]);
        bsNext[h] = bsHead[b];
        bsPrev[h] = -1 - b; // negative: head of bucket b
        if (bsHead[b] >= 0) {
            bsPrev[bsHead[b]] = h;
        }
        bsHead[b] = h;
    }

    /** First entry of the by-source chain that may hold source (src, sport, proto, zone), or -1. */
    public int bySourceFirst(int src, int sport, int pr, int zn) {
        return bsHead[bySourceBucket(src, sport, pr, zn)];
    }

    public int bySourceNext(int h) {
        return bsNext[h];
    }

    private int bySourceBucket(int src, int sport, int pr, int zn) {
        return mix(src * 31 + sport * 7 + pr * 131 + zn) & bsMask;
    }

    private void bySourceUnlink(int h) {
        final int prev = bsPrev[h];
        if (prev == -2) {
            return;
        }
        final int next = bsNext[h];
        if (prev < 0) {
            bsHead[-1 - prev] = next;
            if (next >= 0) {
                bsPrev[next] = prev;
            }
        } else {
            bsNext[prev] = next;
            if (next >= 0) {
                bsPrev[next] = prev;
            }
        }
        bsPrev[h] = -2;
        bsNext[h] = -1;
    }

    // ------------------------------------------------------------------ internals

    static int packetPorts(CtPacket p) {
        switch (p.proto) {
            case Ct.IPPROTO_TCP:
            case Ct.IPPROTO_UDP:
            case Ct.IPPROTO_UDPLITE:
                return (p.sport & 0xffff) << 16 | (p.dport & 0xffff);
            case Ct.IPPROTO_ICMP:
                return IcmpTuple.ports(p.icmpId, p.icmpType, p.icmpCode);
            default:
                return 0;
        }
    }

    static boolean invertible(int pr, int ports) {
        return pr != Ct.IPPROTO_ICMP || IcmpTuple.invertType((ports >>> 8) & 0xff) >= 0;
    }

    /** nf_ct_invert_tuple's protocol part (the caller swaps the addresses). */
    public static int invertPorts(int pr, int ports) {
        switch (pr) {
            case Ct.IPPROTO_TCP:
            case Ct.IPPROTO_UDP:
            case Ct.IPPROTO_UDPLITE:
                return (ports << 16) | (ports >>> 16);
            case Ct.IPPROTO_ICMP:
                return (ports & 0xffff0000) | IcmpTuple.invertType((ports >>> 8) & 0xff) << 8 | (ports & 0xff);
            default:
                return ports;
        }
    }

    /** init_conntrack: allocate (with early drop when full) and fill both tuples. Returns -1 when full. */
    private int initConntrack(int src, int dst, int ports, int pr, int zn, long now) {
        if (count + 1 > max && !earlyDrop(hash(src, dst, ports, pr, zn) & indexMask, now)) {
            return -1;
        }
        final int e = freeHead;
        freeHead = nextFree[e];
        used[e] = 1;
        count++;
        tSrc[2 * e] = src;
        tDst[2 * e] = dst;
        tPorts[2 * e] = ports;
        tSrc[2 * e + 1] = dst;
        tDst[2 * e + 1] = src;
        tPorts[2 * e + 1] = invertPorts(pr, ports);
        packets[2 * e] = packets[2 * e + 1] = 0;
        bytes[2 * e] = bytes[2 * e + 1] = 0;
        proto[e] = pr;
        zone[e] = zn;
        status[e] = 0;
        mark[e] = 0;
        timeout[e] = now;
        udpStreamTs[e] = 0;
        masqIndex[e] = 0;
        master[e] = -1;
        bsPrev[e] = -2;
        bsNext[e] = -1;
        tcp.clear(e);
        if (expectations != null) {
            final int m = expectations.find(src, dst, ports, pr, zn, now);
            if (m >= 0) {
                // init_conntrack with an expectation: IPS_EXPECTED, master, inherited connmark
                status[e] |= Ct.IPS_EXPECTED;
                master[e] = m;
                mark[e] = mark[m];
            }
        }
        return e;
    }

    /**
     * early_drop: when the table is full, evict one entry near the new tuple's hash position. The kernel
     * scans 8 buckets of a randomly seeded hash for a confirmed, non-ASSURED, non-dying entry, so which entry
     * goes is not reproducible; we scan {@value #EVICTION_SLOTS} slots of our index from the new tuple's home
     * slot. Expired entries met on the way are reaped first (the kernel's gc would have removed them).
     */
    private boolean earlyDrop(int home, long now) {
        for (int i = 0; i < EVICTION_SLOTS; i++) {
            final int v = index[(home + i) & indexMask];
            if (v != 0 && timeout[(v - 1) >> 1] - now <= 0) {
                kill((v - 1) >> 1);
                return true;
            }
        }
        for (int i = 0; i < EVICTION_SLOTS; i++) {
            final int v = index[(home + i) & indexMask];
            if (v == 0) {
                continue;
            }
            final int e = (v - 1) >> 1;
            if ((status[e] & (Ct.IPS_ASSURED | Ct.IPS_DYING)) == 0 && (status[e] & Ct.IPS_CONFIRMED) != 0) {
                kill(e);
                return true;
            }
        }
        return false;
    }

    /** nf_ct_refresh_acct: new timeout from now (unless fixed) and per-direction accounting. */
    void refreshAcct(int e, int dir, int len, long now, long extra) {
        if ((status[e] & Ct.IPS_FIXED_TIMEOUT) == 0) {
            timeout[e] = now + extra;
        }
        packets[2 * e + dir]++;
        bytes[2 * e + dir] += len;
    }

    /** nf_ct_kill_acct. */
    void killAcct(int e, int dir, int len) {
        packets[2 * e + dir]++;
        bytes[2 * e + dir] += len;
        kill(e);
    }

    private void free(int e) {
        if ((status[e] & Ct.IPS_CONFIRMED) != 0 && (status[e] & Ct.IPS_DYING) == 0) {
            hashRemove(2 * e);
            hashRemove(2 * e + 1);
        }
        bySourceUnlink(e);
        if ((status[e] & Ct.IPS_DYING) == 0) {
            count--;
        } else {
            // remove from the defer ring
            for (int i = 0; i < DEFER_SLOTS; i++) {
                if (deferRing[i] == e) {
                    deferRing[i] = -1;
                }
            }
        }
        release(e);
    }

    private void release(int e) {
        used[e] = 0;
        status[e] = 0;
        nextFree[e] = freeHead;
        freeHead = e;
    }

    private void hashInsert(int t) {
        final int e = t >> 1;
        int i = hash(tSrc[t], tDst[t], tPorts[t], proto[e], zone[e]) & indexMask;
        while (index[i] != 0) {
            i = (i + 1) & indexMask;
        }
        index[i] = t + 1;
    }

    private void hashRemove(int t) {
        final int e = t >> 1;
        int i = hash(tSrc[t], tDst[t], tPorts[t], proto[e], zone[e]) & indexMask;
        while (index[i] != t + 1) {
            if (index[i] == 0) {
                return;
            }
            i = (i + 1) & indexMask;
        }
        // backward-shift deletion
        int j = i;
        while (true) {
            j = (j + 1) & indexMask;
            final int v = index[j];
            if (v == 0) {
                break;
            }
            final int u = v - 1;
            final int k = hash(tSrc[u], tDst[u], tPorts[u], proto[u >> 1], zone[u >> 1]) & indexMask;
            if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
                index[i] = v;
                i = j;
            }
        }
        index[i] = 0;
    }

    static int hash(int src, int dst, int ports, int pr, int zn) {
        int h = src * 0x9E3779B1;
        h = (h ^ dst) * 0x85EBCA77;
        h = (h ^ ports) * 0xC2B2AE3D;
        h = (h ^ (pr << 16 | (zn & 0xffff))) * 0x27D4EB2F;
        return mix(h);
    }

    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x7feb352d;
        h ^= h >>> 15;
        h *= 0x846ca68b;
        h ^= h >>> 16;
        return h;
    }
}
