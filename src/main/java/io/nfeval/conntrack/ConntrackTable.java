package io.nfeval.conntrack;

/**
 * The connection tracking table: a port of nf_conntrack_core.c's packet path (nf_conntrack_in,
 * resolve_normal_ct, init_conntrack, __nf_conntrack_confirm, early_drop, nf_ct_kill) with the per-protocol
 * trackers of nf_conntrack_proto_{tcp,udp,icmp,generic}.c.
 *
 * <h2>Layout</h2>
 * Array-of-structs, so that one packet's conntrack work touches one or two adjacent cache lines of its
 * entry (the kernel's {@code struct nf_conn} is one object for the same reason). A connection is an
 * {@code int} handle (slot index); its fields live in {@link #conn} at {@code handle * STRIDE}:
 * <pre>
 *  word  field                                   kernel
 *   0-2  ORIGINAL tuple: src, dst, ports           tuplehash[ORIGINAL].tuple
 *   3-5  REPLY tuple: src, dst, ports              tuplehash[REPLY].tuple
 *   6    zone u16 | proto u8 &lt;&lt;16 | used &lt;&lt;24 |  zone.id, dst.protonum,
 *        by-source linked &lt;&lt;25 | zone dirs &lt;&lt;26 |   zone.dir,
 *        TCP state &lt;&lt;28                          proto.tcp.state
 *   7    status (IPS_*)                          status
 *   8-9  timeout (long: low, high word)          timeout
 *  10    connmark                                mark
 *  11    masq_index                              nf_conn_nat.masq_index
 *  12    last_dir:1 | last_index:3 &lt;&lt;1 |          proto.tcp.last_*, retrans
 *        last_wscale:4 &lt;&lt;4 | retrans u8 &lt;&lt;8 | last_win u16 &lt;&lt;16
 *  13    td_scale[0]:4 | td_flags[0]:8 &lt;&lt;4 |       proto.tcp.seen[].{td_scale,flags},
 *        td_scale[1]:4 &lt;&lt;12 | td_flags[1]:8 &lt;&lt;16 | last_flags &lt;&lt;24  last_flags
 *  14-17 seen[0]: td_end, td_maxend, td_maxwin, td_maxack
 *  18-21 seen[1]: the same
 *        (words 14-15 double as UDP's stream_ts: the kernel's nf_conn proto union)
 *  22-24 last_seq, last_ack, last_end
 *  25    next entry on the by-source chain (nf_nat_bysource), or the free-list link of a free slot
 * </pre>
 * Tuple references are {@code 2*handle + dir}. The hash is one open-addressing {@code int[]} (linear
 * probing, backward-shift deletion) holding, for each tuple of every <em>confirmed</em> entry (both
 * tuplehash[] entries, as the kernel hashes them), {@code tag << refBits | (2*handle + dir) + 1}: the tag is
 * the low bits of the tuple hash, so a probe that meets another tuple almost never touches its entry.
 * Per-direction accounting (nf_conn_acct: packets and bytes) lives apart in {@link #acct}, four longs per
 * slot, and only once {@link #enableAccounting} asked for it (the kernel keeps it only with
 * nf_conntrack_acct=1 or a connbytes rule): it is written on every packet but read only by connbytes. An expectation's
 * master (helpers) lives in an array allocated by {@link #setExpectations}. Nothing is allocated per packet;
 * {@link #bytesPerConnection} reports the footprint.
 *
 * <p>Tuple ports: TCP/UDP {@code sport << 16 | dport}; ICMP {@code id << 16 | type << 8 | code}
 * (the kernel's src.u.icmp.id and dst.u.icmp.{type,code}); other protocols 0. Zones are packed as
 * {@link Ct#zoneId} describes (id u16 and the directions it applies to); protocols u8. As in the kernel, each
 * tuple is hashed and compared with the zone id of its own direction, so a connection of {@code CT --zone-orig
 * 1} is found by its replies in the default zone.
 *
 * <h2>Time</h2>
 * Time is in packet-time nanoseconds. The kernel counts conntrack time in jiffies (nfct_time_stamp), so the
 * engine passes the start of the packet's tick as "now" and every timeout set here lands on a tick
 * ({@link #deadline} converts a timeout to whole ticks of {@link #countTicks}' rate): an entry then expires
 * in the same tick as in the kernel, not up to a tick later. As in the kernel ({@code nf_ct_is_expired}:
 * timeout - now &lt;= 0), an expired entry is invisible to lookups and reaped when met
 * ({@code nf_ct_gc_expired}); {@link #sweep} is the bounded stand-in for gc_worker.
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

    // ---- entry layout: word offsets within a slot of conn[] (see the class comment)
    static final int STRIDE = 26;
    static final int O_TUPLE = 0; // + 3*dir: src, dst, ports
    static final int O_PZ = 6;
    static final int O_STATUS = 7;
    static final int O_TIMEOUT = 8;
    static final int O_MARK = 10;
    static final int O_MASQ = 11;
    static final int O_TCP_LAST = 12;
    static final int O_TCP_SEEN_BITS = 13;
    static final int O_TCP_SEEN = 14; // + 4*dir: td_end, td_maxend, td_maxwin, td_maxack
    static final int O_UDP_STREAM_TS = 14; // union with seen[0].td_end/td_maxend
    static final int O_LAST_SEQ = 22;
    static final int O_LAST_ACK = 23;
    static final int O_LAST_END = 24;
    static final int O_BS_NEXT = 25;

    // ---- bits of the O_PZ word
    private static final int PZ_USED = 1 << 24;
    /** Protocol, zone id and zone directions: what {@link #find} compares. */
    private static final int PZ_KEY = 0xffffff | 3 << 26;
    private static final int PZ_BS_LINKED = 1 << 25;
    private static final int PZ_ZONE_DIRS_SHIFT = 26;
    static final int PZ_TCP_STATE_SHIFT = 28;

    private final int max;
    final CtTimeouts cfg;

    /** All entries, {@value #STRIDE} ints each. */
    final int[] conn;
    private final int slots;
    /** nf_conn_acct: {@code [4*handle + 2*dir]} packets, {@code [4*handle + 2*dir + 1]} bytes. */
    private long[] acct;
    /** Whether the entry in a slot was created with accounting on (it has the acct extension). */
    private boolean[] acctFrom;
    /** Masters of expected entries; null until {@link #setExpectations} installs a helper seam. */
    private int[] master;
    private Expectations expectations;
    /** Helpers (nf_conn_help), allocated by {@link #enableHelpers}: the entry's own helper (Ct.HELPER_*). */
    private byte[] helperOf;
    /** An expected entry's master's helper, kept past the master's end (the kernel holds a reference). */
    private byte[] masterHelper;
    /** nf_conn_seqadj: per direction correction_pos, offset_before, offset_after (6 ints per slot). */
    private int[] seqadj;
    /** The helper's private data per slot ({@link FtpHelper#WORDS} ints: nf_ct_ftp_master). */
    int[] helpData;
    private int freeHead;
    private int count;

    // hash index: tag << refBits | (tuple ref + 1); 0 = empty
    private final int[] index;
    private final int indexSize;
    private final int refBits;
    private final int refMask;

    // NAT by-source chain heads (nf_nat_bysource), keyed on the original tuple's source
    private final int[] bsHead;

    private final int[] deferRing = new int[DEFER_SLOTS];
    private int deferPos;
    private int sweepCursor;

    final TcpConntrack tcp;
    final SctpConntrack sctp;

    /** Table for at most {@code max} connections (nf_conntrack_max), kernel default timeouts. */
    public ConntrackTable(int max) {
        this(max, new CtTimeouts());
    }

    public ConntrackTable(int max, CtTimeouts timeouts) {
        if (max < 1) {
            throw new IllegalArgumentException("nf_conntrack_max must be >= 1");
        }
        final long n = (long) max + DEFER_SLOTS + 4;
        if (n * STRIDE > Integer.MAX_VALUE - 16 || 4 * n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("nf_conntrack_max too large for one table: " + max);
        }
        this.max = max;
        this.cfg = timeouts;
        slots = (int) n;
        conn = new int[slots * STRIDE];
        for (int i = 0; i < slots; i++) {
            conn[i * STRIDE + O_BS_NEXT] = i + 1 < slots ? i + 1 : -1;
        }
        freeHead = 0;
        // at most 2 tuples per entry in 4 slots per entry: the load factor stays at or below 1/2
        indexSize = Math.max(64, 4 * max);
        index = new int[indexSize];
        refBits = 32 - Integer.numberOfLeadingZeros(2 * slots);
        refMask = (int) ((1L << refBits) - 1);
        bsHead = new int[Math.max(16, max)];
        java.util.Arrays.fill(bsHead, -1);
        java.util.Arrays.fill(deferRing, -1);
        tcp = new TcpConntrack(this);
        sctp = new SctpConntrack(this);
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

    /**
     * Bytes of the table's arrays per connection of {@link #max}: entries (including the
     * {@value #DEFER_SLOTS} deferred-free slots), hash index, by-source heads, and expectation masters when
     * helpers are installed (4 more), rounded up. Accounting is reported apart by
     * {@link #accountingBytesPerConnection}.
     */
    public long bytesPerConnection() {
        long b = 4L * conn.length + 4L * index.length + 4L * bsHead.length + 4L * deferRing.length;
        if (master != null) {
            b += 4L * master.length;
        }
        return (b + max - 1) / max;
    }

    /**
     * Keeps per-direction packet/byte counters (nf_conn_acct) from now on, for connections created from
     * now on, as the kernel adds the acct extension only to new conntracks once nf_conntrack_acct is set
     * or a connbytes rule set it. Off, {@link #packets}/{@link #bytes} are 0 and a packet saves the
     * cache miss of a second array.
     */
    public void enableAccounting() {
        if (acct == null) {
            acct = new long[4 * slots];
            acctFrom = new boolean[slots];
        }
    }

    public boolean accounting() {
        return acct != null;
    }

    /** Bytes per connection of the per-direction packet/byte counters (nf_conn_acct), 0 when off. */
    public long accountingBytesPerConnection() {
        return acct == null ? 0 : (33L * slots + max - 1) / max; // 4 longs and a flag per slot
    }

    public int status(int h) {
        return conn[h * STRIDE + O_STATUS];
    }

    public boolean isConfirmed(int h) {
        return (conn[h * STRIDE + O_STATUS] & Ct.IPS_CONFIRMED) != 0;
    }

    public boolean isDying(int h) {
        return (conn[h * STRIDE + O_STATUS] & Ct.IPS_DYING) != 0;
    }

    /** --ctstate bits for a packet of this entry with the given ctinfo. */
    public int ctstate(int h, int ctinfo) {
        return Ct.ctstateBits(ctinfo, h < 0 ? 0 : status(h));
    }

    public int proto(int h) {
        return (conn[h * STRIDE + O_PZ] >>> 16) & 0xff;
    }

    /** The entry's zone, packed as {@link Ct#zoneId} reads it. */
    public int zone(int h) {
        return zoneOf(conn[h * STRIDE + O_PZ]);
    }

    private static int zoneOf(int pz) {
        return (pz & 0xffff) | ((pz >>> PZ_ZONE_DIRS_SHIFT) & 3) << 16;
    }

    /** A zone's id and directions as the O_PZ word keeps them ({@link #zoneOf} reads them back). */
    private static int zoneBits(int zn) {
        return (zn & 0xffff) | ((zn >>> 16) & 3) << PZ_ZONE_DIRS_SHIFT;
    }

    public int mark(int h) {
        return conn[h * STRIDE + O_MARK];
    }

    /** connmark (CONNMARK --set-mark and friends). */
    public void setMark(int h, int m) {
        conn[h * STRIDE + O_MARK] = m;
    }

    /** Absolute expiry time (packet-time nanoseconds). */
    public long expiresAt(int h) {
        return timeout(h * STRIDE);
    }

    public int tupleSrc(int h, int dir) {
        return conn[h * STRIDE + 3 * dir];
    }

    public int tupleDst(int h, int dir) {
        return conn[h * STRIDE + 3 * dir + 1];
    }

    /** Source port (TCP/UDP) or ICMP id of the tuple. */
    public int tupleSport(int h, int dir) {
        return conn[h * STRIDE + 3 * dir + 2] >>> 16;
    }

    /** Destination port (TCP/UDP) or ICMP type<<8|code of the tuple. */
    public int tupleDport(int h, int dir) {
        return conn[h * STRIDE + 3 * dir + 2] & 0xffff;
    }

    /** Packed ports word of the tuple ({@code sport << 16 | dport}). */
    public int tuplePorts(int h, int dir) {
        return conn[h * STRIDE + 3 * dir + 2];
    }

    /** TcpConntrack.* state of a TCP entry (NONE for other protocols). */
    public int tcpState(int h) {
        return conn[h * STRIDE + O_PZ] >>> PZ_TCP_STATE_SHIFT;
    }

    /** TCP td_end of seen[dir] (u32 in an int): the highest sequence end sent in that direction. */
    public int tcpTdEnd(int h, int dir) {
        final int b = h * STRIDE;
        // the seen[] words hold UDP's stream_ts for UDP entries (the proto union): 0 for anything but TCP
        return ((conn[b + O_PZ] >>> 16) & 0xff) == Ct.IPPROTO_TCP ? conn[b + O_TCP_SEEN + 4 * dir] : 0;
    }

    public long packets(int h, int dir) {
        return acct == null || !acctFrom[h] ? 0 : acct[4 * h + 2 * dir];
    }

    public long bytes(int h, int dir) {
        return acct == null || !acctFrom[h] ? 0 : acct[4 * h + 2 * dir + 1];
    }

    /** nf_conn_nat.masq_index: output interface index recorded by MASQUERADE (0 = none). */
    public int masqIndex(int h) {
        return conn[h * STRIDE + O_MASQ];
    }

    public void setMasqIndex(int h, int ifindex) {
        conn[h * STRIDE + O_MASQ] = ifindex;
    }

    /**
     * The seam for helpers: consulted by init_conntrack for every new entry. A matching expectation makes
     * the entry EXPECTED (its packets RELATED until a reply is seen) with the master's connmark.
     */
    public void setExpectations(Expectations e) {
        this.expectations = e;
        if (e != null && master == null) {
            master = new int[slots];
            java.util.Arrays.fill(master, -1);
        }
    }

    /**
     * Installs conntrack helpers: the expectation table, and per-slot helper, sequence-adjustment and helper
     * state. New entries get the helper of their CT template ({@link CtPacket#helper}).
     */
    public void enableHelpers(Expectations e) {
        setExpectations(e);
        if (helperOf == null) {
            helperOf = new byte[slots];
            masterHelper = new byte[slots];
            seqadj = new int[6 * slots];
            helpData = new int[FtpHelper.WORDS * slots];
        }
    }

    /** The entry's helper (Ct.HELPER_*; none 0). */
    public int helper(int h) {
        return helperOf == null ? 0 : helperOf[h];
    }

    /** Word {@code i} of the entry's helper's private data (nfct_help_data), 0 for a new entry. */
    public int helperWord(int h, int i) {
        return helpData[FtpHelper.WORDS * h + i];
    }

    public void setHelperWord(int h, int i, int value) {
        helpData[FtpHelper.WORDS * h + i] = value;
    }

    /** The helper of an expected entry's master (what {@code -m helper} compares), 0 when none. */
    public int masterHelper(int h) {
        return masterHelper == null || master[h] < 0 ? 0 : masterHelper[h];
    }

    /**
     * nf_ct_seq_offset: how far NAT's helper moved the sequence numbers of direction {@code dir} at
     * {@code seq} (0 without sequence adjustment).
     */
    public int seqOffset(int h, int dir, int seq) {
        if (seqadj == null) {
            return 0;
        }
        final int o = 6 * h + 3 * dir;
        return seq - seqadj[o] > 0 ? seqadj[o + 2] : seqadj[o + 1];
    }

    /**
     * nf_ct_seqadj_set: a helper changed the length of the payload at sequence {@code seq} of direction
     * {@code dir} by {@code off} bytes; later segments of that direction move by the sum.
     */
    public void seqAdjSet(int h, int dir, int seq, int off) {
        if (off == 0 || seqadj == null) {
            return;
        }
        conn[h * STRIDE + O_STATUS] |= Ct.IPS_SEQ_ADJUST;
        final int o = 6 * h + 3 * dir;
        if (seqadj[o + 1] == seqadj[o + 2] || seqadj[o] - seq < 0) {
            seqadj[o] = seq;
            seqadj[o + 1] = seqadj[o + 2];
            seqadj[o + 2] += off;
        }
    }

    /**
     * nf_ct_seqadj_init: from now on direction {@code dir}'s sequence numbers are {@code off} away from
     * the other side's (SYNPROXY: the server's ISN against the cookie the client was given); 0 changes
     * nothing, as in the kernel.
     */
    public void seqAdjInit(int h, int dir, int off) {
        if (off == 0 || seqadj == null) {
            return;
        }
        conn[h * STRIDE + O_STATUS] |= Ct.IPS_SEQ_ADJUST;
        final int o = 6 * h + 3 * dir;
        seqadj[o] = 0;
        seqadj[o + 1] = off;
        seqadj[o + 2] = off;
    }

    /** nf_ct_seqadj of direction {@code dir}: correction_pos (0), offset_before (1), offset_after (2). */
    public int seqAdjWord(int h, int dir, int word) {
        return seqadj == null ? 0 : seqadj[6 * h + 3 * dir + word];
    }

    public void setSeqAdjWord(int h, int dir, int word, int value) {
        seqadj[6 * h + 3 * dir + word] = value;
    }

    /**
     * nf_conn_synproxy per slot, allocated by {@link #enableSynproxy}: whether the entry has the
     * extension (made from SYNPROXY's template), then isn, its and tsoff.
     */
    private int[] synproxy;
    private static final int SYNPROXY_WORDS = 4;

    /** Entries may carry SYNPROXY's extension (a SYNPROXY rule is loaded); adds sequence adjustment. */
    public void enableSynproxy() {
        if (synproxy == null) {
            synproxy = new int[SYNPROXY_WORDS * slots];
        }
        if (seqadj == null) {
            seqadj = new int[6 * slots];
        }
    }

    /** Whether the entry was made from SYNPROXY's template (nfct_synproxy). */
    public boolean hasSynproxy(int h) {
        return synproxy != null && synproxy[SYNPROXY_WORDS * h] != 0;
    }

    /** nf_conn_synproxy's isn (0), its (1) or tsoff (2). */
    public int synproxyWord(int h, int word) {
        return synproxy[SYNPROXY_WORDS * h + 1 + word];
    }

    public void setSynproxyWord(int h, int word, int value) {
        synproxy[SYNPROXY_WORDS * h + 1 + word] = value;
    }

    /** TCP td_maxwin of seen[dir] (SYNPROXY announces the client's to the server). */
    public int tcpTdMaxwin(int h, int dir) {
        final int b = h * STRIDE;
        return ((conn[b + O_PZ] >>> 16) & 0xff) == Ct.IPPROTO_TCP ? conn[b + O_TCP_SEEN + 4 * dir + 2] : 0;
    }

    /** nf_conn_labels: 128 bits per slot (two longs), allocated by {@link #enableLabels}. */
    private long[] labels;

    /**
     * Keeps connection labels (nf_connlabels_get, when a connlabel rule is loaded) for connections created
     * from now on.
     */
    public void enableLabels() {
        if (labels == null) {
            labels = new long[2 * slots];
        }
    }

    /**
     * Label bit {@code bit} of the entry: -1 without labels, else 0 or 1; with {@code set} a clear bit is
     * set (test_and_set_bit) and 1 returned.
     */
    public int label(int h, int bit, boolean set) {
        if (labels == null) {
            return -1;
        }
        final int i = 2 * h + (bit >>> 6);
        final long m = 1L << (bit & 63);
        if ((labels[i] & m) != 0) {
            return 1;
        }
        if (set) {
            labels[i] |= m;
            return 1;
        }
        return 0;
    }

    /** nf_ct_refresh: the entry now expires {@code extraNanos} after {@code nowNanos} (a helper's timeout). */
    public void refresh(int h, long nowNanos, long extraNanos) {
        final int b = h * STRIDE;
        if ((conn[b + O_STATUS] & Ct.IPS_FIXED_TIMEOUT) == 0) {
            setTimeout(b, deadline(nowNanos, extraNanos));
        }
    }

    /**
     * nf_ct_set_closing: a reset sent for entry {@code h} (nf_send_reset) closes it. Only confirmed TCP
     * entries change; an entry the rejected packet created itself is still unconfirmed and is left alone.
     */
    public void setClosing(int h, long nowNanos) {
        if (h < 0 || !isConfirmed(h) || proto(h) != 6) {
            return;
        }
        tcp.setClosing(h * STRIDE, nowNanos);
    }

    /** The master connection of an expected entry, or -1. */
    public int master(int h) {
        return master == null ? -1 : master[h];
    }

    /** Sets status bits (IPS_*): NAT sets SRC_NAT/DST_NAT and *_NAT_DONE; helpers may set EXPECTED. */
    public void setStatusBits(int h, int bits) {
        conn[h * STRIDE + O_STATUS] |= bits;
    }

    /** Is the slot allocated (live, or killed and awaiting its deferred free)? */
    boolean used(int h) {
        return (conn[h * STRIDE + O_PZ] & PZ_USED) != 0;
    }

    /** Number of slots (max plus the deferred-free reserve): handles are below it. */
    public int slots() {
        return slots;
    }

    long timeout(int b) {
        return (long) conn[b + O_TIMEOUT + 1] << 32 | (conn[b + O_TIMEOUT] & 0xffffffffL);
    }

    void setTimeout(int b, long t) {
        conn[b + O_TIMEOUT] = (int) t;
        conn[b + O_TIMEOUT + 1] = (int) (t >>> 32);
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
        clockNanos = now;
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
        if (p.l4Truncated && readsL4Header(p.proto)) {
            r.invalid(CtResult.REASON_TRUNCATED);
            return;
        }
        if (p.greUntrackable) {
            r.invalid(CtResult.REASON_GRE_PROTO);
            return;
        }
        final int ports = packetPorts(p);
        for (int attempt = 0; attempt < 3; attempt++) {
            // resolve_normal_ct: the tuple under the zone's ORIGINAL id, then under its REPLY id
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
                e = initConntrack(p.src, p.dst, ports, p.proto, p.zone, p.helper, now);
                if (synproxy != null) {
                    // nf_ct_add_synproxy: an entry made from SYNPROXY's template gets its seqadj and
                    // synproxy extensions
                    java.util.Arrays.fill(synproxy, SYNPROXY_WORDS * e, SYNPROXY_WORDS * (e + 1), 0);
                    synproxy[SYNPROXY_WORDS * e] = p.synproxy ? 1 : 0;
                }
                if (e < 0) {
                    r.invalid(CtResult.REASON_NONE);
                    r.drop = true;
                    return;
                }
                dir = Ct.DIR_ORIGINAL;
                ctinfo = (conn[e * STRIDE + O_STATUS] & Ct.IPS_EXPECTED) != 0 ? Ct.CTINFO_RELATED : Ct.CTINFO_NEW;
                fresh = true;
            } else {
                e = ref >> 1;
                dir = ref & 1;
                final int st = conn[e * STRIDE + O_STATUS];
                if (dir == Ct.DIR_REPLY) {
                    ctinfo = Ct.CTINFO_ESTABLISHED_REPLY;
                } else if ((st & Ct.IPS_SEEN_REPLY) != 0) {
                    ctinfo = Ct.CTINFO_ESTABLISHED;
                } else if ((st & Ct.IPS_EXPECTED) != 0) {
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
                conn[e * STRIDE + O_STATUS] |= Ct.IPS_SEEN_REPLY;
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
            case Ct.IPPROTO_SCTP:
                return sctp.packet(e, p, dir, now, (conn[e * STRIDE + O_STATUS] & Ct.IPS_CONFIRMED) != 0);
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
        final int[] c = conn;
        final int b = e * STRIDE;
        final int st = c[b + O_STATUS];
        if ((st & Ct.IPS_CONFIRMED) == 0) {
            final long ts = deadline(now, Ct.secs(2)); // stream_ts = jiffies + 2 * HZ
            c[b + O_UDP_STREAM_TS] = (int) ts;
            c[b + O_UDP_STREAM_TS + 1] = (int) (ts >>> 32);
        }
        if ((st & Ct.IPS_SEEN_REPLY) != 0) {
            long extra = cfg.udpUnreplied;
            boolean stream = false;
            final long streamTs = (long) c[b + O_UDP_STREAM_TS + 1] << 32 | (c[b + O_UDP_STREAM_TS] & 0xffffffffL);
            if (now - streamTs > 0) { // time_after(jiffies, stream_ts)
                extra = cfg.udpReplied;
                stream = (st & Ct.IPS_ASSURED) == 0;
            }
            refreshAcct(e, dir, p.ipLen, now, extra);
            if (stream) {
                c[b + O_STATUS] |= Ct.IPS_ASSURED;
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
        if ((conn[e * STRIDE + O_STATUS] & Ct.IPS_SEEN_REPLY) != 0) {
            refreshAcct(e, dir, p.ipLen, now, cfg.greReplied);
            conn[e * STRIDE + O_STATUS] |= Ct.IPS_ASSURED;
        } else {
            refreshAcct(e, dir, p.ipLen, now, cfg.greUnreplied);
        }
        return 0;
    }

    /** nf_conntrack_icmp_packet: only echo/timestamp/info/address-mask requests may create an entry. */
    private int icmpPacket(int e, CtPacket p, int dir, long now) {
        final int origType = (conn[e * STRIDE + 2] >>> 8) & 0xff;
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
            case Ct.IPPROTO_SCTP:
                innerPorts = (p.innerSport & 0xffff) << 16 | (p.innerDport & 0xffff);
                break;
            case Ct.IPPROTO_ICMP:
                innerPorts = IcmpTuple.ports(p.innerIcmpId, p.innerIcmpType, p.innerIcmpCode);
                break;
            case Ct.IPPROTO_GRE:
                if (p.innerGreUntrackable) { // "icmp_error_message: failed to get tuple"
                    r.invalid(CtResult.REASON_ICMP_ERROR_UNKNOWN);
                    return;
                }
                innerPorts = (p.innerSport & 0xffff) << 16 | (p.innerDport & 0xffff);
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
        if (conn[e * STRIDE + 3 * dir + 1] != p.dst) {
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
        final int[] c = conn;
        final int b = h * STRIDE;
        final int st = c[b + O_STATUS];
        if ((st & Ct.IPS_CONFIRMED) != 0) {
            return true;
        }
        final int pr = proto(h);
        final int zn = zone(h);
        if ((st & Ct.IPS_DYING) != 0
                || findIn(c[b], c[b + 1], c[b + 2], pr, zn, Ct.zoneId(zn, Ct.DIR_ORIGINAL), nowNanos) >= 0
                || findIn(c[b + 3], c[b + 4], c[b + 5], pr, zn, Ct.zoneId(zn, Ct.DIR_REPLY), nowNanos) >= 0) {
            free(h);
            return false;
        }
        c[b + O_STATUS] |= Ct.IPS_CONFIRMED;
        // __nf_conntrack_hash_insert adds the ORIGINAL node, then the REPLY node, each at the head of its
        // chain: a tuple that is its own inverse (src == dst, sport == dport) is then found as the REPLY. The
        // REPLY tuple goes first so that it comes first on the probe path too.
        hashInsert(2 * h + 1);
        hashInsert(2 * h);
        return true;
    }

    /** The packet that created this unconfirmed entry was dropped: the entry vanishes (nf_ct_put). */
    public void discardUnconfirmed(int h) {
        if (h >= 0 && used(h) && (status(h) & Ct.IPS_CONFIRMED) == 0) {
            free(h);
        }
    }

    /**
     * A conntrack helper's destroy callback (nf_conntrack_helper.destroy), which nf_ct_delete_from_lists calls
     * before the entry is unhashed and its expectations removed: the pptp helper ends its call's GRE
     * connections there (pptp_destroy_siblings).
     */
    @FunctionalInterface
    public interface HelperDestroy {
        void destroy(int h);
    }

    private HelperDestroy helperDestroy;
    /** The time of the last packet looked up or sweep run: "now" for what a kill does on its own. */
    private long clockNanos;
    /** CONFIG_HZ and TICK_NSEC of the host whose ticks the table counts; see Time above. */
    private int hz = 250;
    private long tickNanos = 4_000_000L;
    /** TICK_NSEC * HZ == 1 s: a timeout of whole seconds is then whole ticks already. */
    private boolean evenTicks = true;

    /** The host's tick rate (CONFIG_HZ) and tick length (TICK_NSEC), 250 and 4 ms until told. */
    public void countTicks(int hz, long tickNanos) {
        this.hz = hz;
        this.tickNanos = tickNanos;
        this.evenTicks = tickNanos * hz == 1_000_000_000L;
    }

    /**
     * {@code now + extra} as the kernel's {@code nfct_time_stamp + timeout}: the timeout counted in whole
     * ticks (seconds * HZ), each TICK_NSEC long. For HZ=300 a second is 300 ticks of 3,333,333 ns, 100 ns
     * short of a second; for HZ dividing 10^9 it is plain addition.
     */
    long deadline(long now, long extra) {
        return now + span(extra);
    }

    /** A duration in whole ticks (rounded down), as nanoseconds on the tick grid. */
    long span(long extra) {
        if (evenTicks) {
            return extra;
        }
        final long ticks = extra / 1_000_000_000L * hz + extra % 1_000_000_000L * hz / 1_000_000_000L;
        return ticks * tickNanos;
    }

    /** The table's time: that of the last packet it tracked or of the last sweep. */
    public long clockNanos() {
        return clockNanos;
    }

    /** Registers the helpers' destroy callback (one per table; the engine's helpers). */
    public void onHelperDestroy(HelperDestroy d) {
        helperDestroy = d;
    }

    /** nf_ct_kill / nf_ct_delete: unhash now, free the slot later. */
    public void kill(int h) {
        final int b = h * STRIDE;
        if (!used(h) || (conn[b + O_STATUS] & Ct.IPS_DYING) != 0) {
            return;
        }
        if (helperDestroy != null && helper(h) != 0) {
            helperDestroy.destroy(h);
        }
        removeExpectations(h);
        if ((conn[b + O_STATUS] & Ct.IPS_CONFIRMED) != 0) {
            hashRemove(2 * h);
            hashRemove(2 * h + 1);
        }
        bySourceUnlink(h);
        conn[b + O_STATUS] |= Ct.IPS_DYING;
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
        clockNanos = nowNanos;
        int reaped = 0;
        final int n = slots;
        for (int i = 0; i < maxSlots && i < n; i++) {
            final int e = sweepCursor;
            sweepCursor = (sweepCursor + 1) % n;
            final int b = e * STRIDE;
            if (used(e) && (conn[b + O_STATUS] & (Ct.IPS_CONFIRMED | Ct.IPS_DYING)) == Ct.IPS_CONFIRMED
                    && timeout(b) - nowNanos <= 0) {
                kill(e);
                reaped++;
            }
        }
        return reaped;
    }

    /**
     * nf_conntrack_find_get (and resolve_normal_ct's lookup): looks up a tuple among confirmed, unexpired
     * entries in zone {@code zn}, hashed under the zone's ORIGINAL id, then, for a zone of one direction,
     * under its REPLY id; returns {@code 2*handle + dir} or -1. Expired matches are reaped on the way
     * (nf_ct_gc_expired).
     */
    public int find(int src, int dst, int ports, int pr, int zn, long nowNanos) {
        final int zoneId = Ct.zoneId(zn, Ct.DIR_ORIGINAL);
        final int ref = findIn(src, dst, ports, pr, zn, zoneId, nowNanos);
        if (ref >= 0 || (zn >>> 16) == 0) {
            return ref;
        }
        final int replyZoneId = Ct.zoneId(zn, Ct.DIR_REPLY);
        return replyZoneId == zoneId ? -1 : findIn(src, dst, ports, pr, zn, replyZoneId, nowNanos);
    }

    /**
     * One hash chain walk (the kernel's ____nf_conntrack_find with nf_ct_key_equal): the tuple hashed under
     * zone id {@code hashZone}, found in an entry whose zone id in the found tuple's direction is both that
     * and the lookup zone's id in that direction. Only index slots whose tag matches the tuple's hash are
     * compared against their entry.
     */
    private int findIn(int src, int dst, int ports, int pr, int zn, int hashZone, long nowNanos) {
        final int h = hash(src, dst, ports, pr, hashZone);
        final int tag = h << refBits;
        final int tagMask = ~refMask;
        // an entry in exactly the lookup's zone, when that zone applies to both directions, matches at once
        final int key = (pr & 0xff) << 16 | zoneBits(zn);
        final boolean bothWays = (zn >>> 16) == 0;
        final int[] idx = index;
        final int[] c = conn;
        int i = home(h);
        while (true) {
            final int v = idx[i];
            if (v == 0) {
                return -1;
            }
            if (((v ^ tag) & tagMask) == 0) {
                final int t = (v & refMask) - 1;
                final int b = (t >> 1) * STRIDE;
                final int tb = b + 3 * (t & 1);
                final int pz = c[b + O_PZ];
                if (c[tb] == src && c[tb + 1] == dst && c[tb + 2] == ports
                        && ((pz & PZ_KEY) == key && bothWays || zoneMatches(pz, pr, zn, t & 1, hashZone))) {
                    if (timeout(b) - nowNanos <= 0) {
                        kill(t >> 1);
                        return -1;
                    }
                    return t;
                }
            }
            i = i + 1 == indexSize ? 0 : i + 1;
        }
    }

    /** nf_ct_key_equal's protocol and zone part for a tuple of direction {@code dir} hashed under {@code hashZone}. */
    private static boolean zoneMatches(int pz, int pr, int zn, int dir, int hashZone) {
        return ((pz >>> 16) & 0xff) == pr && Ct.zoneId(zoneOf(pz), dir) == hashZone && Ct.zoneId(zn, dir) == hashZone;
    }

    /**
     * The index slot where a lookup of this tuple starts ({@link #find}); -1 never. A pure function of
     * the tuple and the table's size, so another thread may compute it ahead (see {@link #touch}).
     */
    public int homeSlot(int src, int dst, int ports, int pr, int zn) {
        return home(hash(src, dst, ports, pr, Ct.zoneId(zn, Ct.DIR_ORIGINAL)));
    }

    /**
     * The tuple reference ({@code 2*handle + dir}) held by index slot {@code slot}, or -1: with
     * {@link #touchEntry}, a prefetch. Java has no prefetch instruction, but a load whose result nothing
     * waits for overlaps with the work in progress (out-of-order execution), which is what a replay
     * that knows its next packets can use: a lookup about to come then finds slot and entry in cache.
     */
    public int refAt(int slot) {
        final int v = index[slot];
        return v == 0 ? -1 : (v & refMask) - 1;
    }

    /**
     * Reads a word of every cache line the entry of {@code ref} spans (a prefetch, see {@link #refAt}):
     * an entry is {@link #STRIDE} ints, on up to three lines of 16, and TCP window tracking reads its
     * far end.
     */
    public int touchEntry(int ref) {
        final int base = (ref >> 1) * STRIDE;
        return conn[base] + conn[base + 13] + conn[base + STRIDE - 1];
    }

    /**
     * nf_conntrack_tuple_taken: is this tuple (either direction of some live confirmed entry other than
     * {@code ignored}) in use? The kernel hashes it under the zone's REPLY id: it is a reply tuple.
     */
    public boolean tupleTaken(int src, int dst, int ports, int pr, int zn, int ignored, long nowNanos) {
        final int t = findIn(src, dst, ports, pr, zn, Ct.zoneId(zn, Ct.DIR_REPLY), nowNanos);
        return t >= 0 && (t >> 1) != ignored;
    }

    // ------------------------------------------------------------------ NAT support

    /**
     * nf_conntrack_alter_reply: NAT rewrote the reply tuple of an unconfirmed entry.
     */
    public void alterReply(int h, int src, int dst, int ports) {
        final int b = h * STRIDE;
        if ((conn[b + O_STATUS] & Ct.IPS_CONFIRMED) != 0) {
            throw new IllegalStateException("alter reply of a confirmed entry");
        }
        conn[b + 3] = src;
        conn[b + 4] = dst;
        conn[b + 5] = ports;
    }

    /**
     * Adds the entry to the by-source chain (nf_nat_setup_info with SRC manip), at its head. Chains are
     * singly linked: unlinking walks the entry's own bucket, which holds about one entry.
     */
    public void bySourceAdd(int h) {
        final int b = h * STRIDE;
        if ((conn[b + O_PZ] & PZ_BS_LINKED) != 0) {
            return; // already linked
        }
        final int k = bySourceBucket(conn[b], conn[b + 2] >>> 16, proto(h), Ct.zoneId(zone(h), Ct.DIR_ORIGINAL));
        conn[b + O_BS_NEXT] = bsHead[k];
        conn[b + O_PZ] |= PZ_BS_LINKED;
        bsHead[k] = h;
    }

    /**
     * First entry of the by-source chain that may hold source (src, sport, proto) in zone {@code zn}, or -1
     * (hash_by_src: keyed on the zone's ORIGINAL id).
     */
    public int bySourceFirst(int src, int sport, int pr, int zn) {
        return bsHead[bySourceBucket(src, sport, pr, Ct.zoneId(zn, Ct.DIR_ORIGINAL))];
    }

    public int bySourceNext(int h) {
        return conn[h * STRIDE + O_BS_NEXT];
    }

    private int bySourceBucket(int src, int sport, int pr, int zn) {
        return reduce(mix(src * 31 + sport * 7 + pr * 131 + zn), bsHead.length);
    }

    private void bySourceUnlink(int h) {
        final int b = h * STRIDE;
        if ((conn[b + O_PZ] & PZ_BS_LINKED) == 0) {
            return;
        }
        final int k = bySourceBucket(conn[b], conn[b + 2] >>> 16, proto(h), Ct.zoneId(zone(h), Ct.DIR_ORIGINAL));
        final int next = conn[b + O_BS_NEXT];
        if (bsHead[k] == h) {
            bsHead[k] = next;
        } else {
            int prev = bsHead[k];
            while (conn[prev * STRIDE + O_BS_NEXT] != h) {
                prev = conn[prev * STRIDE + O_BS_NEXT];
            }
            conn[prev * STRIDE + O_BS_NEXT] = next;
        }
        conn[b + O_PZ] &= ~PZ_BS_LINKED;
        conn[b + O_BS_NEXT] = -1;
    }

    // ------------------------------------------------------------------ internals

    /**
     * Whether the protocol's tracker needs its header to build the tuple or judge the packet: TCP, UDP,
     * UDP-Lite and SCTP (their *_error and pkt_to_tuple read it; a short packet is INVALID). The generic
     * tracker (also DCCP's since 6.16 removed its tracker) and GRE (gre_pkt_to_tuple behaves like generic
     * for anything but an enhanced version-1 header, which nfeval does not model) take a packet without one.
     */
    static boolean readsL4Header(int pr) {
        return pr == Ct.IPPROTO_TCP || pr == Ct.IPPROTO_UDP || pr == Ct.IPPROTO_UDPLITE || pr == Ct.IPPROTO_SCTP;
    }

    static int packetPorts(CtPacket p) {
        switch (p.proto) {
            case Ct.IPPROTO_TCP:
            case Ct.IPPROTO_UDP:
            case Ct.IPPROTO_UDPLITE:
            case Ct.IPPROTO_SCTP:
                return (p.sport & 0xffff) << 16 | (p.dport & 0xffff);
            case Ct.IPPROTO_ICMP:
                return IcmpTuple.ports(p.icmpId, p.icmpType, p.icmpCode);
            case Ct.IPPROTO_GRE:
                // the keys of an enhanced GRE header (source key from the PPTP keymap), 0 otherwise
                return (p.sport & 0xffff) << 16 | (p.dport & 0xffff);
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
            case Ct.IPPROTO_SCTP:
            case Ct.IPPROTO_GRE: // gre_invert_tuple swaps the keys
                return (ports << 16) | (ports >>> 16);
            case Ct.IPPROTO_ICMP:
                return (ports & 0xffff0000) | IcmpTuple.invertType((ports >>> 8) & 0xff) << 8 | (ports & 0xff);
            default:
                return ports;
        }
    }

    /** init_conntrack: allocate (with early drop when full) and fill both tuples. Returns -1 when full. */
    private int initConntrack(int src, int dst, int ports, int pr, int zn, int helperId, long now) {
        if (count + 1 > max && !earlyDrop(home(hash(src, dst, ports, pr, Ct.zoneId(zn, Ct.DIR_ORIGINAL))), now)) {
            return -1;
        }
        final int[] c = conn;
        final int e = freeHead;
        final int b = e * STRIDE;
        freeHead = c[b + O_BS_NEXT];
        count++;
        // the whole record is rewritten: this is also the memset of the proto union (TCP seen[], stream_ts)
        java.util.Arrays.fill(c, b, b + STRIDE, 0);
        c[b] = src;
        c[b + 1] = dst;
        c[b + 2] = ports;
        c[b + 3] = dst;
        c[b + 4] = src;
        c[b + 5] = invertPorts(pr, ports);
        c[b + O_PZ] = PZ_USED | (pr & 0xff) << 16 | zoneBits(zn);
        setTimeout(b, now);
        c[b + O_BS_NEXT] = -1;
        final long[] a = acct;
        if (a != null) {
            a[4 * e] = a[4 * e + 1] = a[4 * e + 2] = a[4 * e + 3] = 0;
            acctFrom[e] = true;
        }
        if (master != null) {
            master[e] = -1;
        }
        if (labels != null) {
            labels[2 * e] = 0;
            labels[2 * e + 1] = 0;
        }
        int m = -1;
        if (expectations != null) {
            m = expectations.find(src, dst, ports, pr, zn, now);
            if (m >= 0) {
                // init_conntrack with an expectation: IPS_EXPECTED, master, inherited connmark
                c[b + O_STATUS] |= Ct.IPS_EXPECTED;
                master[e] = m;
                c[b + O_MARK] = c[m * STRIDE + O_MARK];
            }
        }
        if (seqadj != null) {
            java.util.Arrays.fill(seqadj, 6 * e, 6 * e + 6, 0);
        }
        if (helperOf != null) {
            java.util.Arrays.fill(helpData, FtpHelper.WORDS * e, FtpHelper.WORDS * (e + 1), 0);
            masterHelper[e] = m >= 0 ? helperOf[m] : 0;
            // "if (!exp && tmpl) __nf_ct_try_assign_helper": an expected connection has no helper of its own
            helperOf[e] = (byte) (m < 0 ? helperId : 0);
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
        for (int i = 0, j = home; i < EVICTION_SLOTS; i++, j = j + 1 == indexSize ? 0 : j + 1) {
            final int v = index[j];
            if (v != 0 && timeout(((v & refMask) - 1 >> 1) * STRIDE) - now <= 0) {
                kill((v & refMask) - 1 >> 1);
                return true;
            }
        }
        for (int i = 0, j = home; i < EVICTION_SLOTS; i++, j = j + 1 == indexSize ? 0 : j + 1) {
            final int v = index[j];
            if (v == 0) {
                continue;
            }
            final int e = (v & refMask) - 1 >> 1;
            final int st = conn[e * STRIDE + O_STATUS];
            if ((st & (Ct.IPS_ASSURED | Ct.IPS_DYING)) == 0 && (st & Ct.IPS_CONFIRMED) != 0) {
                kill(e);
                return true;
            }
        }
        return false;
    }

    /** nf_ct_refresh_acct: new timeout from now (unless fixed) and per-direction accounting. */
    void refreshAcct(int e, int dir, int len, long now, long extra) {
        final int b = e * STRIDE;
        if ((conn[b + O_STATUS] & Ct.IPS_FIXED_TIMEOUT) == 0) {
            setTimeout(b, deadline(now, extra));
        }
        if (acct != null) {
            final int a = 4 * e + 2 * dir;
            acct[a]++;
            acct[a + 1] += len;
        }
    }

    /** nf_ct_kill_acct. */
    void killAcct(int e, int dir, int len) {
        if (acct != null) {
            final int a = 4 * e + 2 * dir;
            acct[a]++;
            acct[a + 1] += len;
        }
        kill(e);
    }

    /**
     * nf_ct_remove_expectations: a helper's master takes what it expected with it; and the PPTP keymap
     * entries go with their control connection (the helper's destroy) or with its GRE connection
     * (destroy_gre_conntrack).
     */
    private void removeExpectations(int h) {
        if (helperOf != null && helperOf[h] != 0) {
            expectations.removeMaster(h);
        }
        if (greKeymap != null) {
            if (helper(h) == Ct.HELPER_PPTP) {
                greKeymap.destroy(h);
            } else if (proto(h) == Ct.IPPROTO_GRE && master(h) >= 0) {
                greKeymap.destroy(master(h));
            }
        }
    }

    private GreKeymap greKeymap;

    /** The PPTP helper's keymap, made when the helper is first used (null before). */
    public GreKeymap greKeymap() {
        if (greKeymap == null) {
            greKeymap = new GreKeymap();
        }
        return greKeymap;
    }

    /** The keymap's source key for a GRE packet (0 while no PPTP call was seen). */
    public int greSourceKey(int src, int dst, int callId) {
        return greKeymap == null ? 0 : greKeymap.lookup(src, dst, callId);
    }

    private void free(int e) {
        final int st = status(e);
        if ((st & Ct.IPS_DYING) == 0) {
            removeExpectations(e);
        }
        if ((st & Ct.IPS_CONFIRMED) != 0 && (st & Ct.IPS_DYING) == 0) {
            hashRemove(2 * e);
            hashRemove(2 * e + 1);
        }
        bySourceUnlink(e);
        if ((st & Ct.IPS_DYING) == 0) {
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
        final int b = e * STRIDE;
        conn[b + O_PZ] &= ~PZ_USED;
        conn[b + O_STATUS] = 0;
        conn[b + O_BS_NEXT] = freeHead;
        freeHead = e;
    }

    /** Home index slot of tuple reference {@code t}, from the tuple stored in its entry. */
    private int tupleHome(int t) {
        final int b = (t >> 1) * STRIDE;
        final int tb = b + 3 * (t & 1);
        final int pz = conn[b + O_PZ];
        return hash(conn[tb], conn[tb + 1], conn[tb + 2], (pz >>> 16) & 0xff, Ct.zoneId(zoneOf(pz), t & 1));
    }

    private void hashInsert(int t) {
        final int h = tupleHome(t);
        int i = home(h);
        while (index[i] != 0) {
            i = i + 1 == indexSize ? 0 : i + 1;
        }
        index[i] = h << refBits | (t + 1);
    }

    private void hashRemove(int t) {
        int i = home(tupleHome(t));
        while ((index[i] & refMask) != t + 1) {
            if (index[i] == 0) {
                return;
            }
            i = i + 1 == indexSize ? 0 : i + 1;
        }
        // backward-shift deletion
        int j = i;
        while (true) {
            j = j + 1 == indexSize ? 0 : j + 1;
            final int v = index[j];
            if (v == 0) {
                break;
            }
            final int k = home(tupleHome((v & refMask) - 1));
            if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
                index[i] = v;
                i = j;
            }
        }
        index[i] = 0;
    }

    /** Home slot of a hash: its high bits scaled onto the index (Lemire's multiply-shift range reduction). */
    private int home(int h) {
        return reduce(h, indexSize);
    }

    private static int reduce(int h, int n) {
        return (int) (((h & 0xffffffffL) * n) >>> 32);
    }

    /** Hash of a tuple under zone id {@code zn} (a u16: nf_ct_zone_id of the tuple's direction). */
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
