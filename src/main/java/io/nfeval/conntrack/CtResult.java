package io.nfeval.conntrack;

/**
 * Reusable holder for the outcome of {@link ConntrackTable#lookupOrCreate}: what the kernel attaches to the skb
 * ({@code skb->_nfct}: the entry and its ctinfo) and the hook verdict.
 */
public final class CtResult {
    /** Entry handle, or -1 when no entry is attached (ctinfo INVALID). */
    public int handle = -1;
    /** One of Ct.CTINFO_*. */
    public int ctinfo = Ct.CTINFO_INVALID;
    /** Ct.DIR_ORIGINAL / Ct.DIR_REPLY (meaningless when INVALID). */
    public int dir;
    /** The entry was created by this packet and is not yet in the hash (confirm or discard it). */
    public boolean unconfirmed;
    /** nf_conntrack_in returned NF_DROP: table full and early drop failed. The packet is dropped. */
    public boolean drop;
    /** Why the packet is INVALID (one of REASON_*), for per-reason counters. */
    public int invalidReason;

    public static final int REASON_NONE = 0;
    public static final int REASON_FRAGMENT = 1;
    public static final int REASON_TRUNCATED = 2;
    public static final int REASON_CHECKSUM = 3;
    public static final int REASON_TCP_FLAGS = 4;
    public static final int REASON_TCP_STATE = 5;
    public static final int REASON_TCP_WINDOW = 6;
    public static final int REASON_TCP_NEW = 7;
    public static final int REASON_ICMP_TYPE = 8;
    public static final int REASON_ICMP_ERROR_UNKNOWN = 9;
    public static final int REASON_NOT_INVERTIBLE = 10;
    public static final int REASON_NOT_IPV4 = 11;
    public static final int REASON_TCP_RST = 12;
    /** SCTP: chunks that fail do_basic_checks, may not start or do not fit the state, or a wrong tag. */
    public static final int REASON_SCTP_STATE = 13;
    /** GRE version 1 carrying another protocol than PPP: no tuple (gre_pkt_to_tuple returns false). */
    public static final int REASON_GRE_PROTO = 14;

    public boolean isInvalid() {
        return ctinfo == Ct.CTINFO_INVALID;
    }

    void reset() {
        handle = -1;
        ctinfo = Ct.CTINFO_INVALID;
        dir = 0;
        unconfirmed = false;
        drop = false;
        invalidReason = REASON_NONE;
    }

    void invalid(int reason) {
        handle = -1;
        ctinfo = Ct.CTINFO_INVALID;
        unconfirmed = false;
        invalidReason = reason;
    }
}
