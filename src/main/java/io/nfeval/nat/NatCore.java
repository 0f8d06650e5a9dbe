package io.nfeval.nat;

import io.nfeval.conntrack.ConntrackTable;
import io.nfeval.conntrack.Ct;
import io.nfeval.conntrack.IcmpTuple;

/**
 * NAT bindings and packet translation: a port of net/netfilter/nf_nat_core.c (nf_nat_setup_info,
 * get_unique_tuple, find_appropriate_src, find_best_ips_proto, nf_nat_l4proto_unique_tuple,
 * nf_nat_alloc_null_binding, nf_nat_packet), nf_nat_proto.c (nf_nat_icmp_reply_translation),
 * nf_nat_masquerade.c, nf_nat_redirect.c and xt_NETMAP.c, over a {@link ConntrackTable}.
 *
 * <p>Randomness: where the kernel calls get_random_u16() (port search offset, used for every source manip
 * and for --random/--random-fully), we draw from a seeded xorshift generator, so runs are reproducible; the
 * kernel's choice is not (KERNEL-NOTES: counters do not depend on it). The address choice within a range
 * is the kernel's jhash2 computation and matches the kernel exactly on little-endian hosts.
 *
 * <p>Single-threaded, allocation-free: candidate tuples live in fields.
 */
public final class NatCore {
    /** enum nf_nat_manip_type. */
    public static final int MANIP_SRC = 0;
    public static final int MANIP_DST = 1;

    /** NF_NAT_MAX_ATTEMPTS. */
    static final int MAX_ATTEMPTS = 128;

    private final ConntrackTable ct;
    private long rnd;
    private long now;

    // candidate tuple (src, dst, ports) and the original
    private int ts;
    private int td;
    private int tp;
    private final int[] hashWords = new int[4];
    private final NatRange scratch = new NatRange();

    public NatCore(ConntrackTable table, long seed) {
        this.ct = table;
        this.rnd = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
    }

    /** HOOK2MANIP: source NAT at POST_ROUTING and LOCAL_IN, destination NAT at PRE_ROUTING and LOCAL_OUT. */
    public static int manipForHook(int hook) {
        return hook == Ct.HOOK_POST_ROUTING || hook == Ct.HOOK_LOCAL_IN ? MANIP_SRC : MANIP_DST;
    }

    /** nf_nat_initialized: has this manip been set up (binding or null binding)? */
    public boolean isInitialized(int h, int manip) {
        return (ct.status(h) & (manip == MANIP_SRC ? Ct.IPS_SRC_NAT_DONE : Ct.IPS_DST_NAT_DONE)) != 0;
    }

    /**
     * nf_nat_inet_fn: must the nat table's chain for this hook run for this packet? Only for NEW and RELATED
     * packets of an entry whose manip is not yet set up. ICMP errors that are RELATED never come here: the
     * engine sends them to {@link #icmpReplyTranslation} (nf_nat_ipv4_fn). Untracked/INVALID packets skip NAT.
     */
    public boolean needsNatChain(int h, int ctinfo, int manip) {
        if (h < 0) {
            return false;
        }
        return (ctinfo == Ct.CTINFO_NEW || ctinfo == Ct.CTINFO_RELATED || ctinfo == Ct.CTINFO_RELATED_REPLY)
                && !isInitialized(h, manip);
    }

    /**
     * nf_nat_oif_changed: a masqueraded connection's original-direction packet leaving POST_ROUTING through
     * another interface than the one it was masqueraded on. The engine then kills the entry
     * ({@link ConntrackTable#kill}) and drops the packet, as nf_nat_inet_fn does.
     */
    public boolean oifChanged(int h, int ctinfo, int hook, int oifIndex) {
        final int mi = ct.masqIndex(h);
        return mi != 0 && hook == Ct.HOOK_POST_ROUTING && Ct.dir(ctinfo) == Ct.DIR_ORIGINAL && mi != oifIndex;
    }

    // ------------------------------------------------------------------ bindings

    /**
     * nf_nat_setup_info: choose a unique tuple for the manip within the range, alter the reply tuple,
     * set SRC_NAT/DST_NAT and the *_NAT_DONE bit. Returns true (NF_ACCEPT); false means NF_DROP (called on a
     * confirmed entry or twice for the same manip, which the kernel refuses).
     */
    public boolean setupInfo(int h, NatRange range, int manip, long nowNanos) {
        if (ct.isConfirmed(h)) {
            return true; // can't set up NAT info for a confirmed ct: NF_ACCEPT, nothing done
        }
        if (isInitialized(h, manip)) {
            return false;
        }
        this.now = nowNanos;
        // curr_tuple = invert(reply): what the conntrack expects, including earlier manips
        final int pr = ct.proto(h);
        final int curS = ct.tupleDst(h, Ct.DIR_REPLY);
        final int curD = ct.tupleSrc(h, Ct.DIR_REPLY);
        final int curP = ConntrackTable.invertPorts(pr, ct.tuplePorts(h, Ct.DIR_REPLY));
        getUniqueTuple(h, curS, curD, curP, pr, range, manip);
        if (ts != curS || td != curD || tp != curP) {
            // alter the conntrack so it recognises replies: reply = invert(new tuple)
            ct.alterReply(h, td, ts, ConntrackTable.invertPorts(pr, tp));
            ct.setStatusBits(h, manip == MANIP_SRC ? Ct.IPS_SRC_NAT : Ct.IPS_DST_NAT);
        }
        if (manip == MANIP_SRC) {
            ct.bySourceAdd(h);
        }
        ct.setStatusBits(h, manip == MANIP_DST ? Ct.IPS_DST_NAT_DONE : Ct.IPS_SRC_NAT_DONE);
        return true;
    }

    /**
     * nf_nat_alloc_null_binding: the nat chain accepted without a NAT target. Maps to the address the
     * connection already has (reply tuple), letting the protocol part move when the tuple clashes.
     */
    public boolean nullBinding(int h, int hook, long nowNanos) {
        final int manip = manipForHook(hook);
        final int ip = manip == MANIP_SRC ? ct.tupleDst(h, Ct.DIR_REPLY) : ct.tupleSrc(h, Ct.DIR_REPLY);
        scratch.set(NatRange.MAP_IPS, ip, ip, 0, 0);
        return setupInfo(h, scratch, manip, nowNanos);
    }

    /**
     * MASQUERADE (nf_nat_masquerade_ipv4): source NAT to {@code newSrc}, the address the engine chose for the
     * outgoing interface toward the next hop (inet_select_addr). Returns false (NF_DROP) when the interface
     * has no address (newSrc == 0). An entry whose original source is 0.0.0.0 is left alone (NF_ACCEPT).
     * The output interface index is remembered for {@link #oifChanged}.
     */
    public boolean masquerade(int h, NatRange range, int newSrc, int oifIndex, long nowNanos) {
        if (ct.tupleSrc(h, Ct.DIR_ORIGINAL) == 0) {
            return true;
        }
        if (newSrc == 0) {
            return false;
        }
        ct.setMasqIndex(h, oifIndex);
        scratch.copyFrom(range);
        scratch.flags |= NatRange.MAP_IPS;
        scratch.minAddr = scratch.maxAddr = newSrc;
        return setupInfo(h, scratch, MANIP_SRC, nowNanos);
    }

    /**
     * REDIRECT (nf_nat_redirect_ipv4): destination NAT to {@code newDst}: 127.0.0.1 in LOCAL_OUT, else the
     * primary address of the incoming interface, supplied by the engine. Returns false (NF_DROP) when 0.
     */
    public boolean redirect(int h, NatRange range, int hook, int newDst, long nowNanos) {
        final int dst = hook == Ct.HOOK_LOCAL_OUT ? 0x7f000001 : newDst;
        if (dst == 0) {
            return false;
        }
        scratch.copyFrom(range);
        scratch.flags |= NatRange.MAP_IPS;
        scratch.minAddr = scratch.maxAddr = dst;
        return setupInfo(h, scratch, MANIP_DST, nowNanos);
    }

    /**
     * NETMAP (xt_NETMAP netmap_tg4): map the packet's destination (PRE_ROUTING/LOCAL_OUT) or source
     * (POST_ROUTING/LOCAL_IN) address into the range's network, keeping the host bits.
     */
    public boolean netmap(int h, NatRange range, int hook, int pktSrc, int pktDst, long nowNanos) {
        final int manip = manipForHook(hook);
        final int newIp = netmapAddress(range.minAddr, range.maxAddr, manip == MANIP_DST ? pktDst : pktSrc);
        scratch.copyFrom(range);
        scratch.flags |= NatRange.MAP_IPS;
        scratch.minAddr = scratch.maxAddr = newIp;
        return setupInfo(h, scratch, manip, nowNanos);
    }

    /** NETMAP arithmetic: netmask = ~(min ^ max); (addr &amp; ~netmask) | (min &amp; netmask). */
    public static int netmapAddress(int min, int max, int addr) {
        final int netmask = ~(min ^ max);
        return (addr & ~netmask) | (min & netmask);
    }

    // ------------------------------------------------------------------ packet translation

    /**
     * nf_nat_packet: for a packet of entry {@code h} with {@code ctinfo} at {@code hook}, what to rewrite.
     * Returns false when this hook's manip does not apply in this direction (nothing to change).
     */
    public boolean translate(int h, int ctinfo, int hook, NatRewrite out) {
        out.clear();
        final int mtype = manipForHook(hook);
        final int dir = Ct.dir(ctinfo);
        int statusbit = mtype == MANIP_SRC ? Ct.IPS_SRC_NAT : Ct.IPS_DST_NAT;
        if (dir == Ct.DIR_REPLY) {
            statusbit ^= Ct.IPS_NAT_MASK;
        }
        if ((ct.status(h) & statusbit) == 0) {
            return false;
        }
        // we aim to look like the inverse of the other direction
        final int other = 1 - dir;
        final int pr = ct.proto(h);
        final int targetPorts = ConntrackTable.invertPorts(pr, ct.tuplePorts(h, other));
        out.manip = mtype;
        if (mtype == MANIP_SRC) {
            out.addr = ct.tupleDst(h, other);
        } else {
            out.addr = ct.tupleSrc(h, other);
        }
        fillPort(out, pr, targetPorts, mtype, false);
        return true;
    }

    private static void fillPort(NatRewrite out, int pr, int ports, int manip, boolean inner) {
        final boolean has;
        final int port;
        if (pr == Ct.IPPROTO_ICMP) {
            has = true;
            port = ports >>> 16; // icmp_manip_pkt: id = tuple->src.u.icmp.id for either manip
        } else if (hasPorts(pr)) {
            has = true;
            port = manip == MANIP_SRC ? ports >>> 16 : ports & 0xffff;
        } else if (pr == Ct.IPPROTO_GRE) {
            // gre_manip_pkt: only a destination manip writes the call id (the source key is not in the
            // packet), and only into a version 1 header (the writer checks)
            has = manip == MANIP_DST;
            port = ports & 0xffff;
        } else {
            has = false;
            port = 0;
        }
        if (inner) {
            out.innerHasPort = has;
            out.innerPort = port;
        } else {
            out.hasPort = has;
            out.port = port;
        }
    }

    static boolean hasPorts(int pr) {
        return pr == Ct.IPPROTO_TCP || pr == Ct.IPPROTO_UDP || pr == Ct.IPPROTO_UDPLITE || pr == Ct.IPPROTO_SCTP;
    }

    /** nf_nat_icmp_reply_translation results. */
    public static final int ICMP_DROP = -1;
    public static final int ICMP_UNCHANGED = 0;
    public static final int ICMP_REWRITE = 1;

    /**
     * nf_nat_icmp_reply_translation for a RELATED ICMP error of entry {@code h} at {@code hook}: the quoted
     * header is made to look like the packet the sender saw (opposite manip, from the other direction's
     * tuple) and the outer header like a reply to it. Redirects about NATed connections are dropped.
     */
    public int icmpReplyTranslation(int h, int ctinfo, int hook, int icmpType, NatRewrite out) {
        out.clear();
        final int dir = Ct.dir(ctinfo);
        final int manip = manipForHook(hook);
        final int st = ct.status(h);
        if (icmpType == IcmpTuple.REDIRECT) {
            if ((st & Ct.IPS_NAT_DONE_MASK) != Ct.IPS_NAT_DONE_MASK || (st & Ct.IPS_NAT_MASK) != 0) {
                return ICMP_DROP;
            }
        }
        int statusbit = manip == MANIP_SRC ? Ct.IPS_SRC_NAT : Ct.IPS_DST_NAT;
        if (dir == Ct.DIR_REPLY) {
            statusbit ^= Ct.IPS_NAT_MASK;
        }
        if ((st & statusbit) == 0) {
            return ICMP_UNCHANGED;
        }
        final int other = 1 - dir;
        final int pr = ct.proto(h);
        // inner: manip_pkt(inner, tuplehash[!dir], !manip), the tuple used as is
        final int innerManip = 1 - manip;
        out.inner = true;
        out.innerManip = innerManip;
        out.innerAddr = innerManip == MANIP_SRC ? ct.tupleSrc(h, other) : ct.tupleDst(h, other);
        fillPort(out, pr, ct.tuplePorts(h, other), innerManip, true);
        // outer: target = invert(tuplehash[!dir]), protocol ICMP (an error's id is not rewritten)
        out.manip = manip;
        out.addr = manip == MANIP_SRC ? ct.tupleDst(h, other) : ct.tupleSrc(h, other);
        out.hasPort = false;
        return ICMP_REWRITE;
    }

    // ------------------------------------------------------------------ get_unique_tuple

    /**
     * get_unique_tuple: leaves the chosen tuple in (ts, td, tp). Steps as numbered in nf_nat_core.c.
     */
    private void getUniqueTuple(int h, int os, int od, int op, int pr, NatRange range, int manip) {
        final int zone = ct.zone(h);
        // 1) for source NAT without random: keep the original tuple if it is in range and unique, else reuse
        //    the mapping of a connection from the same source (find_appropriate_src)
        if (manip == MANIP_SRC && (range.flags & NatRange.PROTO_RANDOM_ALL) == 0) {
            if (inRange(os, op, pr, range)) {
                if (!usedTupleNew(os, od, op, pr, zone, h)) {
                    ts = os;
                    td = od;
                    tp = op;
                    return;
                }
            } else if (findAppropriateSrc(os, od, op, pr, zone, range)) {
                if (!usedTuple(ts, td, tp, pr, zone, h)) {
                    return;
                }
            }
        }
        // 2) select the IP by hash of the source (and destination unless --persistent)
        ts = os;
        td = od;
        tp = op;
        findBestIpsProto(zone, range, manip);
        // 3) the per-protocol part: only map if not already in range and unique
        if ((range.flags & NatRange.PROTO_RANDOM_ALL) == 0) {
            if ((range.flags & NatRange.PROTO_SPECIFIED) != 0) {
                if ((range.flags & NatRange.PROTO_OFFSET) == 0 && l4InRange(tp, pr, manip, range)
                        && (range.minProto == range.maxProto || !usedTuple(ts, td, tp, pr, zone, h))) {
                    return;
                }
            } else if (!usedTuple(ts, td, tp, pr, zone, h)) {
                return;
            }
        }
        // last chance: let the protocol find a unique tuple
        l4protoUniqueTuple(h, pr, zone, range, manip);
    }

    /** nf_in_range: source address and (if specified) source port in range. */
    private static boolean inRange(int src, int ports, int pr, NatRange range) {
        if ((range.flags & NatRange.MAP_IPS) != 0
                && (Integer.compareUnsigned(src, range.minAddr) < 0 || Integer.compareUnsigned(src, range.maxAddr) > 0)) {
            return false;
        }
        if ((range.flags & NatRange.PROTO_SPECIFIED) == 0) {
            return true;
        }
        return l4InRange(ports, pr, MANIP_SRC, range);
    }

    /** l4proto_in_range. */
    private static boolean l4InRange(int ports, int pr, int manip, NatRange range) {
        final int v;
        if (pr == Ct.IPPROTO_ICMP) {
            v = ports >>> 16;
        } else if (hasPorts(pr) || pr == Ct.IPPROTO_GRE) {
            v = manip == MANIP_SRC ? ports >>> 16 : ports & 0xffff;
        } else {
            return true;
        }
        return v >= range.minProto && v <= range.maxProto;
    }

    /** nf_nat_used_tuple: is the reply of this candidate already a tuple of another live entry? */
    private boolean usedTuple(int s, int d, int p, int pr, int zone, int ignored) {
        return ct.tupleTaken(d, s, ConntrackTable.invertPorts(pr, p), pr, zone, ignored, now);
    }

    /**
     * nf_nat_used_tuple_new: as usedTuple, but for protocols that allow clashes (UDP, UDPLITE, generic;
     * l4proto->allow_clash) a clash with an entry that is exactly our reverse (both opened at once from
     * either end), where neither is NATed, does not count: confirm resolves it.
     */
    private boolean usedTupleNew(int s, int d, int p, int pr, int zone, int ignored) {
        if (!usedTuple(s, d, p, pr, zone, ignored)) {
            return false;
        }
        if (!allowClash(pr)) {
            return true;
        }
        final int usesNat = Ct.IPS_NAT_MASK | Ct.IPS_SEQ_ADJUST;
        if ((ct.status(ignored) & usesNat) != 0) {
            return true;
        }
        int ref = ct.find(s, d, p, pr, zone, now);
        if (ref < 0) {
            ref = ct.find(d, s, ConntrackTable.invertPorts(pr, p), pr, zone, now);
            if (ref < 0) {
                return false; // clashing entry went away
            }
        }
        final int other = ref >> 1;
        if ((ct.status(other) & usesNat) != 0) {
            return true;
        }
        final boolean reverse = ct.tupleSrc(other, 0) == ct.tupleSrc(ignored, 1)
                && ct.tupleDst(other, 0) == ct.tupleDst(ignored, 1)
                && ct.tuplePorts(other, 0) == ct.tuplePorts(ignored, 1);
        return !reverse;
    }

    /** l4proto->allow_clash. */
    static boolean allowClash(int pr) {
        return pr == Ct.IPPROTO_UDP || pr == Ct.IPPROTO_UDPLITE
                || (pr != Ct.IPPROTO_TCP && pr != Ct.IPPROTO_ICMP && pr != Ct.IPPROTO_SCTP);
    }

    /** NF_NAT_HARDER_THRESH. */
    static final int HARDER_THRESH = MAX_ATTEMPTS / 4;

    /**
     * nf_nat_used_tuple_harder: during the last {@value #HARDER_THRESH} attempts for a TCP SYN, a clashing
     * source-NATed entry in TIME_WAIT or later whose sequence numbers the new SYN has passed is evicted and
     * its tuple reused.
     */
    private boolean usedTupleHarder(int s, int d, int p, int pr, int zone, int ignored, int attemptsLeft) {
        if (attemptsLeft > HARDER_THRESH || pr != Ct.IPPROTO_TCP
                || ct.tcpState(ignored) != io.nfeval.conntrack.TcpConntrack.SYN_SENT) {
            return usedTuple(s, d, p, pr, zone, ignored);
        }
        final int ref = ct.find(d, s, ConntrackTable.invertPorts(pr, p), pr, zone, now);
        if (ref < 0) {
            return false;
        }
        final int other = ref >> 1;
        if ((ref & 1) == Ct.DIR_ORIGINAL || other == ignored) {
            return true;
        }
        final int flags = ct.status(other);
        if (ct.tcpState(other) < io.nfeval.conntrack.TcpConntrack.TIME_WAIT
                || (flags & (Ct.IPS_FIXED_TIMEOUT | Ct.IPS_DYING)) != 0 || (flags & Ct.IPS_SRC_NAT) == 0) {
            return true;
        }
        if (ct.tcpTdEnd(ignored, 0) - ct.tcpTdEnd(other, 0) <= 0) {
            return true; // sequence has not advanced
        }
        ct.kill(other);
        return false;
    }

    /**
     * find_appropriate_src: a connection from the same source (address, port, protocol, zone) already has a
     * source mapping; reuse it if it lies in the range. Result in (ts, td, tp).
     */
    private boolean findAppropriateSrc(int os, int od, int op, int pr, int zone, NatRange range) {
        final int sport = op >>> 16;
        for (int e = ct.bySourceFirst(os, sport, pr, zone); e >= 0; e = ct.bySourceNext(e)) {
            if (ct.proto(e) != pr || ct.tupleSrc(e, 0) != os || (ct.tuplePorts(e, 0) >>> 16) != sport
                    || Ct.zoneId(ct.zone(e), Ct.DIR_ORIGINAL) != Ct.zoneId(zone, Ct.DIR_ORIGINAL) // nf_ct_zone_equal
                    || ct.isDying(e) || ct.expiresAt(e) - now <= 0) {
                continue;
            }
            // copy the source part from the reply tuple
            final int inv = ConntrackTable.invertPorts(pr, ct.tuplePorts(e, Ct.DIR_REPLY));
            final int rs = ct.tupleDst(e, Ct.DIR_REPLY);
            final int rp = (inv & 0xffff0000) | (op & 0xffff);
            if (inRange(rs, rp, pr, range)) {
                ts = rs;
                td = od;
                tp = rp;
                return true;
            }
        }
        return false;
    }

    /**
     * find_best_ips_proto: pick the address from the range by jhash2 of the source address, seeded by the
     * destination address xor zone (seed 0 with --persistent), scaled into the range (reciprocal_scale).
     * Addresses enter the hash as the kernel sees the network-order bytes in a u32 on a little-endian CPU.
     */
    private void findBestIpsProto(int zone, NatRange range, int manip) {
        if ((range.flags & NatRange.MAP_IPS) == 0) {
            return;
        }
        if ((range.flags & NatRange.NETMAP) != 0) {
            final int a = manip == MANIP_SRC ? ts : td;
            final int n = netmapAddress(range.minAddr, range.maxAddr, a);
            if (manip == MANIP_SRC) {
                ts = n;
            } else {
                td = n;
            }
            return;
        }
        if (range.minAddr == range.maxAddr) {
            if (manip == MANIP_SRC) {
                ts = range.minAddr;
            } else {
                td = range.minAddr;
            }
            return;
        }
        hashWords[0] = Integer.reverseBytes(ts);
        hashWords[1] = 0;
        hashWords[2] = 0;
        hashWords[3] = 0;
        final int initval = (range.flags & NatRange.PERSISTENT) != 0 ? 0 : Integer.reverseBytes(td) ^ (zone & 0xffff);
        final int j = Jhash.jhash2(hashWords, 4, initval);
        final int dist = range.maxAddr - range.minAddr + 1;
        final int v = range.minAddr + Jhash.reciprocalScale(j, dist);
        if (manip == MANIP_SRC) {
            ts = v;
        } else {
            td = v;
        }
    }

    /**
     * nf_nat_l4proto_unique_tuple: search the port (or ICMP id) range from an offset for a free tuple;
     * without a range, source ports keep their class (1..511, 600..1023, 1024..65535) and destination ports
     * are not changed. At most 128 attempts, then rounds of halving attempts from a new random offset.
     */
    private void l4protoUniqueTuple(int h, int pr, int zone, NatRange range, int manip) {
        final boolean icmp = pr == Ct.IPPROTO_ICMP;
        final boolean srcKey;
        int min;
        int rangeSize;
        if (icmp) {
            srcKey = true;
            if ((range.flags & NatRange.PROTO_SPECIFIED) == 0) {
                min = 0;
                rangeSize = 65536;
            } else {
                min = range.minProto;
                rangeSize = range.maxProto - range.minProto + 1;
            }
        } else if (pr == Ct.IPPROTO_GRE) {
            // a GRE connection without a master is not PPTP: its keys are not changed
            if (ct.master(h) < 0) {
                return;
            }
            srcKey = manip == MANIP_SRC;
            if ((range.flags & NatRange.PROTO_SPECIFIED) == 0) {
                min = 1;
                rangeSize = 65535;
            } else {
                min = range.minProto;
                rangeSize = range.maxProto - range.minProto + 1;
            }
        } else if (hasPorts(pr)) {
            srcKey = manip == MANIP_SRC;
            if ((range.flags & NatRange.PROTO_SPECIFIED) == 0) {
                if (manip == MANIP_DST) {
                    return; // a destination rewrite can't change the port
                }
                final int key = tp >>> 16;
                if (key < 1024) {
                    if (key < 512) {
                        min = 1;
                        rangeSize = 511 - min + 1;
                    } else {
                        min = 600;
                        rangeSize = 1023 - min + 1;
                    }
                } else {
                    min = 1024;
                    rangeSize = 65535 - 1024 + 1;
                }
            } else {
                min = range.minProto;
                int max = range.maxProto;
                if (max < min) {
                    final int x = max;
                    max = min;
                    min = x;
                }
                rangeSize = max - min + 1;
            }
        } else {
            return;
        }
        final int key = srcKey ? tp >>> 16 : tp & 0xffff;
        if (portHint != null && manip == MANIP_SRC && pr != Ct.IPPROTO_GRE) {
            // The kernel starts its search at get_random_u16(): no replay can draw the same number, but
            // a capture shows the port it chose (the replies arrive on it; an ICMP query's replies carry
            // the id, their remote port is 0). Take that port when free.
            final int v = portHint.choose(pr, ts, td, icmp ? 0 : tp & 0xffff, key, min, rangeSize, now);
            if (v >= 0) {
                final int cand = (v << 16) | (tp & 0xffff);
                if (!usedTuple(ts, td, cand, pr, zone, h)) {
                    tp = cand;
                    return;
                }
            }
        }
        int off;
        if ((range.flags & NatRange.PROTO_OFFSET) != 0) {
            off = (key - range.baseProto) & 0xffff;
        } else if ((range.flags & NatRange.PROTO_RANDOM_ALL) != 0 || manip != MANIP_DST) {
            off = randomU16();
        } else {
            off = 0;
        }
        int attempts = Math.min(rangeSize, MAX_ATTEMPTS);
        while (true) {
            for (int i = 0; i < attempts; i++, off = (off + 1) & 0xffff) {
                final int v = (min + Integer.remainderUnsigned(off, rangeSize)) & 0xffff;
                tp = srcKey ? (v << 16) | (tp & 0xffff) : (tp & 0xffff0000) | v;
                if (!usedTupleHarder(ts, td, tp, pr, zone, h, attempts - i)) {
                    return;
                }
            }
            if (attempts >= rangeSize || attempts < 16) {
                return;
            }
            attempts /= 2;
            off = randomU16();
        }
    }

    /**
     * Where a capture can tell which source port the kernel chose for a remapped connection (the
     * port its replies arrive on; for an ICMP query the id its replies carry, asked with remote port
     * 0). Returns a port in {@code [min, min + rangeSize)} or -1.
     */
    public interface PortHint {
        int choose(int proto, int natAddr, int remoteAddr, int remotePort, int origPort, int min,
            int rangeSize, long nowNanos);
    }

    private PortHint portHint;

    public void setPortHint(PortHint hint) {
        this.portHint = hint;
    }

    /** Stand-in for get_random_u16(): xorshift64*, seeded. */
    private int randomU16() {
        long x = rnd;
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        rnd = x;
        return (int) ((x * 0x2545F4914F6CDD1DL) >>> 48);
    }
}
