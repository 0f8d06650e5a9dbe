package io.nfeval.nat;

/**
 * A NAT range as in {@code struct nf_nat_range2}: flags, address range (IPv4, host-order ints compared
 * unsigned) and protocol range (ports or ICMP ids, 0..65535). Mutable and reusable; built once per rule.
 */
public final class NatRange {
    // NF_NAT_RANGE_* (include/uapi/linux/netfilter/nf_nat.h)
    public static final int MAP_IPS = 1;
    public static final int PROTO_SPECIFIED = 1 << 1;
    public static final int PROTO_RANDOM = 1 << 2;
    public static final int PERSISTENT = 1 << 3;
    public static final int PROTO_RANDOM_FULLY = 1 << 4;
    public static final int PROTO_OFFSET = 1 << 5;
    public static final int NETMAP = 1 << 6;
    public static final int PROTO_RANDOM_ALL = PROTO_RANDOM | PROTO_RANDOM_FULLY;

    public int flags;
    public int minAddr;
    public int maxAddr;
    public int minProto;
    public int maxProto;
    /** base_proto for PROTO_OFFSET (nft only). */
    public int baseProto;

    public NatRange() {
    }

    public NatRange(int flags, int minAddr, int maxAddr, int minProto, int maxProto) {
        set(flags, minAddr, maxAddr, minProto, maxProto);
    }

    public NatRange set(int flags, int minAddr, int maxAddr, int minProto, int maxProto) {
        this.flags = flags;
        this.minAddr = minAddr;
        this.maxAddr = maxAddr;
        this.minProto = minProto;
        this.maxProto = maxProto;
        this.baseProto = 0;
        return this;
    }

    /** --to-source/--to-destination ADDR[-ADDR] without ports. */
    public static NatRange addresses(int min, int max) {
        return new NatRange(MAP_IPS, min, max, 0, 0);
    }

    /** ADDR[-ADDR]:PORT[-PORT]. */
    public static NatRange addressesAndPorts(int min, int max, int minPort, int maxPort) {
        return new NatRange(MAP_IPS | PROTO_SPECIFIED, min, max, minPort, maxPort);
    }

    public NatRange copyFrom(NatRange o) {
        flags = o.flags;
        minAddr = o.minAddr;
        maxAddr = o.maxAddr;
        minProto = o.minProto;
        maxProto = o.maxProto;
        baseProto = o.baseProto;
        return this;
    }
}
