package io.nfeval.packet;

/**
 * Result codes of {@link PacketView#decode()}: {@link #OK}, three "not evaluable but not malformed" codes
 * ({@link #NOT_IP}, {@link #UNSUPPORTED_LINKTYPE}, {@link #HEADERS_NOT_CAPTURED}) and the malformed reasons.
 *
 * <p>Codes are small ints so that the hot path returns a primitive and reports can count them in a
 * {@code long[Malformed.COUNT]}. {@link #name(int)} gives the stable lowercase name used in reports.
 *
 * <p>Where a reason mirrors a kernel check it says which: {@code ip_rcv_core()} in
 * {@code net/ipv4/ip_input.c} drops IPv4 packets with version != 4, ihl &lt; 5, tot_len &lt; ihl*4 or
 * tot_len beyond the skb ({@code IPSTATS_MIB_INHDRERRORS} / {@code INTRUNCATEDPKTS}) before the
 * PREROUTING hook runs; L4 problems are seen by netfilter (conntrack marks them INVALID, the tcp/udp
 * matches hot-drop when they cannot read the header).
 */
public final class Malformed {
  private Malformed() {}

  /** Decoded: every header the engine needs is present. */
  public static final int OK = 0;
  /** Not an IP packet (ARP, LLDP, STP, PPPoE, 802.3 LLC ...): counted, not malformed. */
  public static final int NOT_IP = 1;
  /** A link-layer type nfeval does not decode (802.11, PPP ...): counted, not malformed. */
  public static final int UNSUPPORTED_LINKTYPE = 2;
  /**
   * The snaplen cut the capture inside a header that the wire packet did carry (wireLen covers it):
   * the packet was fine on the wire but cannot be evaluated. Not malformed; {@link PacketView#truncated()}.
   */
  public static final int HEADERS_NOT_CAPTURED = 3;

  /** The frame is shorter than its link-layer header. */
  public static final int TRUNCATED_LINK = 4;
  /** NFLOG: a TLV length below 4 or beyond the frame, or no NFULA_PAYLOAD. */
  public static final int BAD_NFLOG_TLV = 5;
  /** IP version nibble is not the one the link layer announced (ip_rcv_core: version != 4). */
  public static final int BAD_IP_VERSION = 6;
  /** The frame ends (on the wire) before the fixed IPv4/IPv6 header does. */
  public static final int IP_HEADER_TRUNCATED = 7;
  /** IPv4 ihl &lt; 5, or ihl*4 beyond the frame (ip_rcv_core: inhdr error). */
  public static final int BAD_IHL = 8;
  /** IPv4 tot_len &lt; ihl*4 (ip_rcv_core: inhdr error). */
  public static final int IP_TOTAL_LENGTH_TOO_SHORT = 9;
  /** IPv4 tot_len / IPv6 payload length beyond the wire frame (ip_rcv_core: INTRUNCATEDPKTS). */
  public static final int IP_TOTAL_LENGTH_BEYOND_CAPTURE = 10;
  /** IPv6 extension header chain runs beyond the datagram or is too long. */
  public static final int IPV6_EXT_HEADER_TRUNCATED = 11;
  /** First fragment / unfragmented datagram too short for the fixed TCP/UDP/ICMP header. */
  public static final int L4_TRUNCATED = 12;
  /** TCP data offset &lt; 5 (conntrack tcp_error: "truncated packet"). */
  public static final int TCP_DATA_OFFSET_TOO_SMALL = 13;
  /** TCP data offset beyond the datagram. */
  public static final int TCP_DATA_OFFSET_BEYOND_PACKET = 14;
  /** UDP length field &lt; 8 or beyond the datagram (conntrack udp_error: "truncated/malformed packet"). */
  public static final int UDP_BAD_LENGTH = 15;

  /** Number of codes: size of a per-code counter array. */
  public static final int COUNT = 16;

  private static final String[] NAMES = {
    "ok", "not_ip", "unsupported_linktype", "headers_not_captured",
    "truncated_link", "bad_nflog_tlv", "bad_ip_version", "ip_header_truncated", "bad_ihl",
    "ip_total_length_too_short", "ip_total_length_beyond_capture", "ipv6_ext_header_truncated",
    "l4_truncated", "tcp_data_offset_too_small", "tcp_data_offset_beyond_packet", "udp_bad_length",
  };

  /** Stable lowercase name for reports ("unknown" for an out-of-range code). */
  public static String name(int code) {
    return code >= 0 && code < COUNT ? NAMES[code] : "unknown";
  }

  /** True for the malformed reasons (not for OK, NOT_IP, UNSUPPORTED_LINKTYPE, HEADERS_NOT_CAPTURED). */
  public static boolean isMalformed(int code) {
    return code >= TRUNCATED_LINK && code < COUNT;
  }
}
