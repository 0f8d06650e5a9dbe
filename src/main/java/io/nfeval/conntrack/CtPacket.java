package io.nfeval.conntrack;

/**
 * What conntrack needs to know about one IPv4 packet. A reusable mutable struct that the engine fills per
 * packet (no allocation); the tracker never keeps a reference to it. Fields mirror what the kernel's
 * trackers read from the skb: the tuple (nf_ct_get_tuple), the TCP header and options tcp_in_window uses,
 * ICMP type/code/id, and for ICMP errors the quoted ("inner") tuple that nf_conntrack_inet_error looks up.
 *
 * <p>Sequence numbers are unsigned 32-bit values held in a {@code long}; only the low 32 bits are used.
 */
public final class CtPacket {
    /** Layer 3 version; only 4 is tracked. */
    public int l3 = 4;
    public int src;
    public int dst;
    public int proto;
    /** TCP/UDP source port (0..65535); for ICMP unused (see {@link #icmpId}). */
    public int sport;
    public int dport;
    /** IP total length (bytes), for the per-direction byte counters. */
    public int ipLen;

    /** TCP flag byte (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128). */
    public int tcpFlags;
    public long seq;
    public long ack;
    /** Raw (unscaled) TCP window field. */
    public int window;
    /** TCP header length in bytes (doff * 4). */
    public int tcpHdrLen = 20;
    /** Payload length after the L4 header (skb->len - dataoff - doff*4 in segment_seq_plus_len). */
    public int datalen;
    /** Window scale option value, or -1 when the option is absent. */
    public int wscale = -1;
    /** SACK-permitted option present. */
    public boolean sackPerm;
    /** A SACK option with at least one block is present. */
    public boolean hasSack;
    /** The highest ("after"-wise) right edge of the SACK blocks, when {@link #hasSack}. */
    public long sackHighest;

    public int icmpType;
    public int icmpCode;
    public int icmpId;

    /**
     * L4 checksum verified (TCP, UDP, ICMP; SCTP's CRC32c). The kernel only checks it in PRE_ROUTING
     * (nf_conntrack_checksum=1 default); elsewhere this flag is ignored.
     */
    public boolean l4ChecksumOk = true;
    /** The L4 header is too short to read the tuple/header (skb_header_pointer would fail). */
    public boolean l4Truncated;
    /** A non-first fragment (fragment offset != 0): ipv4_get_l4proto refuses it, so INVALID. */
    public boolean isFragment;

    // ICMP error: the quoted header
    public int innerSrc;
    public int innerDst;
    public int innerProto;
    public int innerSport;
    public int innerDport;
    public int innerIcmpType;
    public int innerIcmpCode;
    public int innerIcmpId;
    /** The quote is too short to give the inner tuple (nf_ct_get_tuplepr fails). */
    public boolean innerIncomplete;

    /**
     * SCTP: the packet's bytes (a big-endian buffer) from the common header on ({@code sctpOff}) to the
     * end of the datagram as far as captured ({@code sctpEnd}), which the tracker walks chunk by chunk
     * as nf_conntrack_proto_sctp.c does; null for other protocols. {@code sctpLen} is the datagram's
     * SCTP length (skb->len - dataoff), which bounds the walk in the kernel.
     */
    public java.nio.ByteBuffer sctpBuf;
    public int sctpOff;
    public int sctpEnd;
    public int sctpLen;
    /** Packet timestamp in nanoseconds (packet time, never wall clock). */
    public long timeNanos;
    /** Ct.HOOK_PRE_ROUTING or Ct.HOOK_LOCAL_OUT. */
    public int hook;
    /** CT zone (0 = default), packed as {@link Ct#zoneId} reads it. */
    public int zone;
    /** The CT template's helper (Ct.HELPER_*), given to a new entry that no expectation claims. */
    public int helper;
    /** The packet carries SYNPROXY's template (the proxy's own SYN to the server): a new entry gets its extension. */
    public boolean synproxy;
    /** An enhanced (version 1) GRE header with another protocol than PPP: gre_pkt_to_tuple fails. */
    public boolean greUntrackable;
    /** The same for the GRE header an ICMP error quotes: the error cannot be related (INVALID). */
    public boolean innerGreUntrackable;

    /** Reset to a neutral state (optional; every field the engine sets is overwritten anyway). */
    public void clear() {
        l3 = 4;
        src = dst = proto = sport = dport = ipLen = 0;
        tcpFlags = window = datalen = 0;
        tcpHdrLen = 20;
        seq = ack = sackHighest = 0;
        wscale = -1;
        sackPerm = hasSack = false;
        icmpType = icmpCode = icmpId = 0;
        l4ChecksumOk = true;
        l4Truncated = isFragment = innerIncomplete = false;
        innerSrc = innerDst = innerProto = innerSport = innerDport = 0;
        innerIcmpType = innerIcmpCode = innerIcmpId = 0;
        sctpBuf = null;
        sctpOff = sctpEnd = sctpLen = 0;
        timeNanos = 0;
        hook = 0;
        zone = 0;
        helper = 0;
        synproxy = false;
        greUntrackable = innerGreUntrackable = false;
    }
}
