package io.nfeval.nat;

/**
 * What NAT rewrites in one packet: a reusable holder filled by {@link NatCore#translate} and
 * {@link NatCore#icmpReplyTranslation}. One side (source or destination) of the outer header changes per
 * hook; for ICMP errors the opposite side of the quoted header changes too.
 */
public final class NatRewrite {
    /** NatCore.MANIP_SRC or MANIP_DST: which side of the (outer) header changes. */
    public int manip;
    /** New address of that side. */
    public int addr;
    /** New port of that side (TCP/UDP/UDPLITE/SCTP/DCCP), or new ICMP query id. Valid when {@link #hasPort}. */
    public int port;
    public boolean hasPort;

    /** ICMP error: the quoted header changes too. */
    public boolean inner;
    public int innerManip;
    public int innerAddr;
    /** Quoted port (for that side) or quoted ICMP query id. Valid when {@link #innerHasPort}. */
    public int innerPort;
    public boolean innerHasPort;

    void clear() {
        manip = addr = port = 0;
        hasPort = false;
        inner = false;
        innerManip = innerAddr = innerPort = 0;
        innerHasPort = false;
    }
}
