package io.nfeval.conntrack;

/**
 * Conntrack expectations (nf_conntrack_expect.c): the connections a helper announced for a master, found
 * and consumed by init_conntrack when such a connection's first packet arrives. Kept dense in primitive
 * arrays (a live expectation is rare: FTP allows one per master), scanned linearly, and nothing is allocated
 * per packet.
 *
 * <p>An expectation's tuple is the kernel's {@code exp->tuple} under {@code exp->mask} as helpers build it
 * with nf_ct_expect_init: source address exact or any, source port any or exact, destination address and
 * port exact, protocol exact.
 */
public final class ExpectationTable implements Expectations {
    /** nf_ct_expect_related's results. */
    public static final int OK = 0;
    public static final int EBUSY = -16;
    public static final int EMFILE = -24;
    public static final int EALREADY = -114;

    private final ConntrackTable ct;
    private final int max;
    private int count;
    private long age;

    private final int[] master;
    private final int[] src;
    /** The source address mask (exp->mask.src.u3): -1 exact, 0 any, a netmask for the broadcast helper. */
    private final int[] srcMask;
    /** NF_CT_EXPECT_PERMANENT: not consumed by the connection it admits. */
    private final boolean[] permanent;
    private final int[] sport; // -1: any (mask 0)
    private final int[] dst;
    private final int[] dport;
    private final int[] proto;
    private final int[] zoneId;
    private final long[] expires;
    private final long[] order;
    private final int[] dir;
    private final int[] savedPort;
    private final boolean[] followMaster;

    /** What the last successful {@link #find} consumed: nf_nat_follow_master's inputs. */
    private int foundDir;
    private int foundSavedPort;
    private boolean foundFollowMaster;

    /** Room for {@code max} live expectations (nf_ct_expect_max). */
    public ExpectationTable(ConntrackTable ct, int max) {
        this.ct = ct;
        this.max = max;
        master = new int[max];
        src = new int[max];
        srcMask = new int[max];
        permanent = new boolean[max];
        sport = new int[max];
        dst = new int[max];
        dport = new int[max];
        proto = new int[max];
        zoneId = new int[max];
        expires = new long[max];
        order = new long[max];
        dir = new int[max];
        savedPort = new int[max];
        followMaster = new boolean[max];
    }

    public int count() {
        return count;
    }

    /**
     * nf_ct_expect_related for an expectation of master {@code m}: refused with {@link #EBUSY} when it
     * clashes with another master's (expect_clash), {@link #EALREADY} when another master already expects
     * exactly this; an identical one of the same master is replaced; over the helper's max_expected the
     * master's oldest goes (evict_oldest_expect). {@code anySource}: the source address is not part of the
     * mask; {@code sourcePort} -1: any source port.
     */
    public int related(int m, int source, boolean anySource, int sourcePort, int dest, int destPort,
            int pr, int expDir, int saved, boolean follow, long timeoutNanos, int maxExpected, long now) {
        return related(m, source, anySource ? 0 : -1, sourcePort, dest, destPort, pr, expDir, saved, follow, false,
            timeoutNanos, maxExpected, now);
    }

    /**
     * {@link #related(int, int, boolean, int, int, int, int, int, int, boolean, long, int, long)} with a source
     * netmask ({@code sourceMask}: -1 exact, 0 any) and NF_CT_EXPECT_PERMANENT.
     */
    public int related(int m, int source, int sourceMask, int sourcePort, int dest, int destPort, int pr,
            int expDir, int saved, boolean follow, boolean isPermanent, long timeoutNanos, int maxExpected,
            long now) {
        final int z = ct.zone(m) & 0xffff; // nf_ct_zone_equal_any compares zone ids
        for (int i = 0; i < count; ) {
            if (expires[i] - now <= 0) {
                remove(i); // its timer fired
                continue;
            }
            if (zoneId[i] == z && proto[i] == pr && dst[i] == dest && dport[i] == destPort) {
                final boolean sameMask = srcMask[i] == sourceMask && (sport[i] < 0) == (sourcePort < 0);
                final boolean sameTuple = ((src[i] ^ source) & sourceMask) == 0
                        && (sourcePort < 0 || sport[i] == sourcePort);
                if (sameMask && sameTuple) {
                    if (master[i] != m) {
                        return EALREADY;
                    }
                    remove(i); // expect_matches: the master announced it again
                    continue;
                }
                // expect_clash: equal under the intersection of both masks
                final boolean srcClash = ((src[i] ^ source) & srcMask[i] & sourceMask) == 0;
                final boolean portClash = sourcePort < 0 || sport[i] < 0 || sport[i] == sourcePort;
                if (srcClash && portClash) {
                    return EBUSY;
                }
            }
            i++;
        }
        if (maxExpected > 0 && expecting(m) >= maxExpected) {
            evictOldest(m);
            if (expecting(m) >= maxExpected) {
                return EMFILE;
            }
        }
        if (count >= max) {
            return EMFILE; // "nf_conntrack: expectation table full"
        }
        final int i = count++;
        master[i] = m;
        src[i] = source & sourceMask;
        srcMask[i] = sourceMask;
        permanent[i] = isPermanent;
        sport[i] = sourcePort;
        dst[i] = dest;
        dport[i] = destPort;
        proto[i] = pr;
        zoneId[i] = z;
        expires[i] = now + timeoutNanos;
        order[i] = age++;
        dir[i] = expDir;
        savedPort[i] = saved;
        followMaster[i] = follow;
        return OK;
    }

    private int expecting(int m) {
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (master[i] == m) {
                n++;
            }
        }
        return n;
    }

    private void evictOldest(int m) {
        int oldest = -1;
        for (int i = 0; i < count; i++) {
            if (master[i] == m && (oldest < 0 || order[i] < order[oldest])) {
                oldest = i;
            }
        }
        if (oldest >= 0) {
            remove(oldest);
        }
    }

    /**
     * nf_ct_find_expectation: an unexpired expectation whose masked tuple matches the new connection's
     * original tuple, of a master in the same zone (nf_ct_zone_equal_any: ids) that is confirmed and not
     * dying. It is consumed (ftp's are not permanent).
     */
    @Override
    public int find(int s, int d, int ports, int pr, int zone, long nowNanos) {
        if (count == 0) {
            return -1;
        }
        final int sp = ports >>> 16;
        final int dp = ports & 0xffff;
        for (int i = 0; i < count; ) {
            if (expires[i] - nowNanos <= 0) {
                remove(i);
                continue;
            }
            if (matches(i, s, d, sp, dp, pr, zone)) {
                final int m = master[i];
                if (!ct.isConfirmed(m) || ct.isDying(m)) {
                    return -1;
                }
                foundDir = dir[i];
                foundSavedPort = savedPort[i];
                foundFollowMaster = followMaster[i];
                foundSrc = src[i];
                foundDst = dst[i];
                foundPorts = (sport[i] & 0xffff) << 16 | dport[i];
                if (!permanent[i]) {
                    remove(i);
                }
                return m;
            }
            i++;
        }
        return -1;
    }

    /**
     * nf_ct_expect_find_get and nf_ct_unexpect_related: the first live expectation that the tuple matches
     * under its mask (__nf_ct_expect_find) is removed. Returns whether there was one.
     */
    public boolean unexpect(int s, int d, int ports, int pr, int zone, long nowNanos) {
        final int sp = ports >>> 16;
        final int dp = ports & 0xffff;
        for (int i = 0; i < count; i++) {
            if (expires[i] - nowNanos > 0 && matches(i, s, d, sp, dp, pr, zone)) {
                remove(i);
                return true;
            }
        }
        return false;
    }

    /** nf_ct_tuple_mask_cmp of a tuple against expectation {@code i}, in the same zone (by id). */
    private boolean matches(int i, int s, int d, int sp, int dp, int pr, int zone) {
        return dst[i] == d && dport[i] == dp && proto[i] == pr && ((s ^ src[i]) & srcMask[i]) == 0
                && (sport[i] < 0 || sport[i] == sp) && zoneId[i] == (zone & 0xffff);
    }

    /** nf_ct_remove_expectations: the master is going away. */
    @Override
    public void removeMaster(int m) {
        for (int i = 0; i < count; ) {
            if (master[i] == m) {
                remove(i);
            } else {
                i++;
            }
        }
    }

    private void remove(int i) {
        final int last = --count;
        if (i != last) {
            master[i] = master[last];
            src[i] = src[last];
            srcMask[i] = srcMask[last];
            permanent[i] = permanent[last];
            sport[i] = sport[last];
            dst[i] = dst[last];
            dport[i] = dport[last];
            proto[i] = proto[last];
            zoneId[i] = zoneId[last];
            expires[i] = expires[last];
            order[i] = order[last];
            dir[i] = dir[last];
            savedPort[i] = savedPort[last];
            followMaster[i] = followMaster[last];
        }
    }

    private int foundSrc;
    private int foundDst;
    private int foundPorts;

    /** exp->tuple of the expectation the last {@link #find} consumed: source, destination, ports (keys). */
    public int foundSrc() {
        return foundSrc;
    }

    public int foundDst() {
        return foundDst;
    }

    public int foundPorts() {
        return foundPorts;
    }

    /** exp->dir of the expectation the last {@link #find} consumed (the direction NAT follows). */
    public int foundDir() {
        return foundDir;
    }

    /** exp->saved_proto: the port the helper parsed, before NAT moved the expectation. */
    public int foundSavedPort() {
        return foundSavedPort;
    }

    /** Whether the consumed expectation has nf_nat_follow_master as its expectfn (its master is NATed). */
    public boolean foundFollowMaster() {
        return foundFollowMaster;
    }
}
