package io.nfeval.conntrack;

/** ICMP tuple helpers mirroring nf_conntrack_proto_icmp.c (invmap, valid_new, icmp_is_err). */
public final class IcmpTuple {
    private IcmpTuple() {
    }

    /** NR_ICMP_TYPES: types above are refused by icmp_error. */
    public static final int NR_ICMP_TYPES = 18;

    public static final int ECHOREPLY = 0;
    public static final int DEST_UNREACH = 3;
    public static final int SOURCE_QUENCH = 4;
    public static final int REDIRECT = 5;
    public static final int ECHO = 8;
    public static final int TIME_EXCEEDED = 11;
    public static final int PARAMETERPROB = 12;
    public static final int TIMESTAMP = 13;
    public static final int TIMESTAMPREPLY = 14;
    public static final int INFO_REQUEST = 15;
    public static final int INFO_REPLY = 16;
    public static final int ADDRESS = 17;
    public static final int ADDRESSREPLY = 18;

    /** Packed tuple ports word for ICMP: id in the source half, type/code in the destination half. */
    public static int ports(int id, int type, int code) {
        return (id & 0xffff) << 16 | (type & 0xff) << 8 | (code & 0xff);
    }

    /** icmp_is_err. */
    public static boolean isError(int type) {
        return type == DEST_UNREACH || type == SOURCE_QUENCH || type == REDIRECT || type == TIME_EXCEEDED
                || type == PARAMETERPROB;
    }

    /** invmap: the reply type of a query type, or -1 when the type cannot be inverted. */
    public static int invertType(int type) {
        switch (type) {
            case ECHO: return ECHOREPLY;
            case ECHOREPLY: return ECHO;
            case TIMESTAMP: return TIMESTAMPREPLY;
            case TIMESTAMPREPLY: return TIMESTAMP;
            case INFO_REQUEST: return INFO_REPLY;
            case INFO_REPLY: return INFO_REQUEST;
            case ADDRESS: return ADDRESSREPLY;
            case ADDRESSREPLY: return ADDRESS;
            default: return -1;
        }
    }

    /** valid_new[] of nf_conntrack_icmp_packet: which types may open an entry. */
    public static boolean validNew(int type) {
        return type == ECHO || type == TIMESTAMP || type == INFO_REQUEST || type == ADDRESS;
    }
}
