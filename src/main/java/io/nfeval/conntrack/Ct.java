package io.nfeval.conntrack;

/**
 * Conntrack constants in the kernel's own numbering, so values can be compared with
 * {@code include/uapi/linux/netfilter/nf_conntrack_common.h} and {@code xt_conntrack.h}.
 */
public final class Ct {
    private Ct() {
    }

    // enum ip_conntrack_dir
    public static final int DIR_ORIGINAL = 0;
    public static final int DIR_REPLY = 1;

    /**
     * A conntrack zone (struct nf_conntrack_zone) packed in an int: id u16, then the directions it applies to
     * at bit 16 (NF_CT_ZONE_DIR_ORIG 1, NF_CT_ZONE_DIR_REPL 2; 0 means both, NF_CT_DEFAULT_ZONE_DIR), so the
     * default zone is 0 (CtTarget packs its template's zone the same way).
     */
    /** Conntrack helpers nfeval models (nf_conntrack_helper names). */
    public static final int HELPER_NONE = 0;
    public static final int HELPER_FTP = 1;
    public static final int HELPER_TFTP = 2;
    public static final int HELPER_NETBIOS_NS = 3;
    public static final int HELPER_SNMP = 4;
    public static final int HELPER_IRC = 5;
    public static final int HELPER_SANE = 6;
    public static final int HELPER_AMANDA = 7;
    public static final int HELPER_PPTP = 8;

    /** The helper id of a CT --helper name, 0 for a helper nfeval does not model. */
    public static int helperId(String name) {
        if (name == null) {
            return HELPER_NONE;
        }
        switch (name) {
            case "ftp": return HELPER_FTP;
            case "tftp": return HELPER_TFTP;
            case "netbios-ns": return HELPER_NETBIOS_NS;
            case "snmp": return HELPER_SNMP;
            case "irc": return HELPER_IRC;
            case "sane": return HELPER_SANE;
            case "amanda": return HELPER_AMANDA;
            case "pptp": return HELPER_PPTP;
            default: return HELPER_NONE;
        }
    }

    /** The name of a modelled helper, null for none. */
    public static String helperName(int id) {
        switch (id) {
            case HELPER_FTP: return "ftp";
            case HELPER_TFTP: return "tftp";
            case HELPER_NETBIOS_NS: return "netbios-ns";
            case HELPER_SNMP: return "snmp";
            case HELPER_IRC: return "irc";
            case HELPER_SANE: return "sane";
            case HELPER_AMANDA: return "amanda";
            case HELPER_PPTP: return "pptp";
            default: return null;
        }
    }

    public static final int ZONE_DIR_ORIG = 1 << 16;
    public static final int ZONE_DIR_REPL = 2 << 16;

    /**
     * nf_ct_zone_id: the zone's id in direction {@code dir}, or the default zone's 0 when the zone is
     * restricted to the other direction (CT --zone-orig / --zone-reply).
     */
    public static int zoneId(int zone, int dir) {
        final int d = (zone >>> 16) & 3;
        return d == 0 || (d & (1 << dir)) != 0 ? zone & 0xffff : 0;
    }

    // enum ip_conntrack_info (IP_CT_*). INVALID is ours: "no conntrack attached" (skb->_nfct == 0).
    public static final int CTINFO_ESTABLISHED = 0;
    public static final int CTINFO_RELATED = 1;
    public static final int CTINFO_NEW = 2;
    public static final int CTINFO_IS_REPLY = 3;
    public static final int CTINFO_ESTABLISHED_REPLY = 3;
    public static final int CTINFO_RELATED_REPLY = 4;
    public static final int CTINFO_UNTRACKED = 7;
    public static final int CTINFO_INVALID = -1;

    // enum ip_conntrack_status bits (IPS_*)
    public static final int IPS_EXPECTED = 1;
    public static final int IPS_SEEN_REPLY = 1 << 1;
    public static final int IPS_ASSURED = 1 << 2;
    public static final int IPS_CONFIRMED = 1 << 3;
    public static final int IPS_SRC_NAT = 1 << 4;
    public static final int IPS_DST_NAT = 1 << 5;
    public static final int IPS_NAT_MASK = IPS_SRC_NAT | IPS_DST_NAT;
    public static final int IPS_SEQ_ADJUST = 1 << 6;
    public static final int IPS_SRC_NAT_DONE = 1 << 7;
    public static final int IPS_DST_NAT_DONE = 1 << 8;
    public static final int IPS_NAT_DONE_MASK = IPS_SRC_NAT_DONE | IPS_DST_NAT_DONE;
    public static final int IPS_DYING = 1 << 9;
    public static final int IPS_FIXED_TIMEOUT = 1 << 10;
    public static final int IPS_TEMPLATE = 1 << 11;
    public static final int IPS_UNTRACKED = 1 << 12;
    public static final int IPS_HELPER = 1 << 13;

    // xt_conntrack --ctstate bits (XT_CONNTRACK_STATE_BIT(ctinfo) = 1 << (ctinfo % IP_CT_IS_REPLY + 1))
    public static final int CTSTATE_INVALID = 1;
    public static final int CTSTATE_ESTABLISHED = 1 << 1;
    public static final int CTSTATE_RELATED = 1 << 2;
    public static final int CTSTATE_NEW = 1 << 3;
    public static final int CTSTATE_SNAT = 1 << 8;
    public static final int CTSTATE_DNAT = 1 << 9;
    public static final int CTSTATE_UNTRACKED = 1 << 10;

    // hooks (enum nf_inet_hooks)
    public static final int HOOK_PRE_ROUTING = 0;
    public static final int HOOK_LOCAL_IN = 1;
    public static final int HOOK_FORWARD = 2;
    public static final int HOOK_LOCAL_OUT = 3;
    public static final int HOOK_POST_ROUTING = 4;

    // IP protocol numbers
    public static final int IPPROTO_ICMP = 1;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_GRE = 47;
    public static final int IPPROTO_SCTP = 132;
    public static final int IPPROTO_UDPLITE = 136;

    // TCP header flag bits
    public static final int TCP_FIN = 0x01;
    public static final int TCP_SYN = 0x02;
    public static final int TCP_RST = 0x04;
    public static final int TCP_PSH = 0x08;
    public static final int TCP_ACK = 0x10;
    public static final int TCP_URG = 0x20;
    public static final int TCP_ECE = 0x40;
    public static final int TCP_CWR = 0x80;

    /** ctinfo → direction, as CTINFO2DIR. */
    public static int dir(int ctinfo) {
        return ctinfo >= CTINFO_IS_REPLY ? DIR_REPLY : DIR_ORIGINAL;
    }

    /**
     * The --ctstate bits xt_conntrack's conntrack_mt computes for a packet: the ctinfo bit (or INVALID when
     * no entry, UNTRACKED), plus SNAT/DNAT when the entry's status has IPS_SRC_NAT/IPS_DST_NAT (both
     * directions, as KERNEL-NOTES observes).
     */
    public static int ctstateBits(int ctinfo, int status) {
        if (ctinfo == CTINFO_INVALID) {
            return CTSTATE_INVALID;
        }
        if (ctinfo == CTINFO_UNTRACKED) {
            return CTSTATE_UNTRACKED;
        }
        int bits = 1 << (ctinfo % CTINFO_IS_REPLY + 1);
        if ((status & IPS_SRC_NAT) != 0) {
            bits |= CTSTATE_SNAT;
        }
        if ((status & IPS_DST_NAT) != 0) {
            bits |= CTSTATE_DNAT;
        }
        return bits;
    }

    /** Seconds to nanoseconds. */
    public static long secs(long s) {
        return s * 1_000_000_000L;
    }
}
