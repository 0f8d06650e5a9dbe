package io.nfeval.conntrack;

/**
 * The PPTP helper's GRE keymap (nf_conntrack_proto_gre.c): for each control connection with a call set up,
 * the tuples of its two GRE directions, so that gre_pkt_to_tuple can give a GRE packet, which carries only
 * its receiver's call id, the sender's call id as the tuple's source key. Entries are kept in the order they
 * were added (list_add_tail) and the first match wins, as in gre_keymap_lookup. A handful of calls at most,
 * scanned linearly; nothing is allocated per packet.
 */
public final class GreKeymap {
    private int count;
    private int[] owner = new int[8];
    private int[] dir = new int[8];
    private int[] src = new int[8];
    private int[] dst = new int[8];
    private int[] dstKey = new int[8];
    private int[] srcKey = new int[8];

    /**
     * gre_keymap_lookup: the source key of the first entry with the packet's addresses and destination key
     * (its call id), 0 when none.
     */
    public int lookup(int s, int d, int key) {
        for (int i = 0; i < count; i++) {
            if (src[i] == s && dst[i] == d && dstKey[i] == key) {
                return srcKey[i];
            }
        }
        return 0;
    }

    /**
     * nf_ct_gre_keymap_add with both directions' tuples (source, destination, their keys): true when added or
     * when the master already holds exactly these (a retransmitted reply, NF_CT_GRE_KM_DUP); false when the
     * master holds other ones (NF_CT_GRE_KM_BAD: the helper follows one call per control connection).
     */
    public boolean add(int m, int os, int od, int osKey, int odKey, int rs, int rd, int rsKey, int rdKey) {
        final int o = find(m, Ct.DIR_ORIGINAL);
        final int r = find(m, Ct.DIR_REPLY);
        if (o >= 0 && r >= 0) {
            return src[o] == os && dst[o] == od && dstKey[o] == odKey
                && src[r] == rs && dst[r] == rd && dstKey[r] == rdKey;
        }
        if (o >= 0 || r >= 0) {
            return false;
        }
        put(m, Ct.DIR_ORIGINAL, os, od, osKey, odKey);
        put(m, Ct.DIR_REPLY, rs, rd, rsKey, rdKey);
        return true;
    }

    /** nf_ct_gre_keymap_destroy: the master's entries go (its call ended, it or its GRE connection died). */
    public void destroy(int m) {
        int w = 0;
        for (int i = 0; i < count; i++) {
            if (owner[i] != m) {
                copy(i, w++);
            }
        }
        count = w;
    }

    public int size() {
        return count;
    }

    private int find(int m, int d) {
        for (int i = 0; i < count; i++) {
            if (owner[i] == m && dir[i] == d) {
                return i;
            }
        }
        return -1;
    }

    private void put(int m, int d, int s, int t, int sKey, int dKey) {
        if (count == owner.length) {
            final int n = 2 * count;
            owner = java.util.Arrays.copyOf(owner, n);
            dir = java.util.Arrays.copyOf(dir, n);
            src = java.util.Arrays.copyOf(src, n);
            dst = java.util.Arrays.copyOf(dst, n);
            dstKey = java.util.Arrays.copyOf(dstKey, n);
            srcKey = java.util.Arrays.copyOf(srcKey, n);
        }
        owner[count] = m;
        dir[count] = d;
        src[count] = s;
        dst[count] = t;
        srcKey[count] = sKey;
        dstKey[count] = dKey;
        count++;
    }

    private void copy(int from, int to) {
        owner[to] = owner[from];
        dir[to] = dir[from];
        src[to] = src[from];
        dst[to] = dst[from];
        dstKey[to] = dstKey[from];
        srcKey[to] = srcKey[from];
    }
}
