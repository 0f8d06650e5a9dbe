package io.nfeval.packet;

/**
 * LINKTYPE_ values (tcpdump.org/linktypes.html) that nfeval decodes. These are the values stored in
 * pcap/pcapng files; libpcap's DLT_ values differ for a few (DLT_RAW is 12 on Linux, 14 on OpenBSD:
 * both mean LINKTYPE_RAW 101), see {@link #fromDlt(int)}.
 */
public final class LinkType {
  private LinkType() {}

  /** BSD loopback: 4-byte address family in the capturing host's byte order. */
  public static final int NULL = 0;
  public static final int ETHERNET = 1;
  /** DLT_RAW as some platforms write it into files. */
  public static final int RAW_12 = 12;
  /** DLT_RAW as OpenBSD writes it. */
  public static final int RAW_14 = 14;
  /** Raw IPv4 or IPv6, version from the first nibble. */
  public static final int RAW = 101;
  /** OpenBSD loopback: 4-byte address family in network byte order. */
  public static final int LOOP = 108;
  public static final int LINUX_SLL = 113;
  public static final int IPV4 = 228;
  public static final int IPV6 = 229;
  public static final int NFLOG = 239;
  public static final int LINUX_SLL2 = 276;

  /**
   * Maps a libpcap DLT_ value (what {@code pcap_datalink} returns) to the LINKTYPE_ value stored in files,
   * as libpcap's {@code dlt_to_linktype} ({@code pcap-common.c} map table) for the DLTs whose numbers
   * differ on Linux: RAW 12/14 → 101, ATM_RFC1483 11 → 100, SLIP_BSDOS 15 → 102, PPP_BSDOS 16 → 103,
   * ATM_CLIP 19 → 106. Others pass through.
   */
  public static int fromDlt(int dlt) {
    switch (dlt) {
      case RAW_12: case RAW_14: return RAW;
      case 11: return 100;
      case 15: return 102;
      case 16: return 103;
      case 19: return 106;
      default: return dlt;
    }
  }

  /** Short name for reports, e.g. "ethernet", "linux_sll2", or "linktype_N". */
  public static String name(int linkType) {
    switch (linkType) {
      case NULL: return "null";
      case ETHERNET: return "ethernet";
      case RAW_12: case RAW_14: case RAW: return "raw";
      case LOOP: return "loop";
      case LINUX_SLL: return "linux_sll";
      case IPV4: return "ipv4";
      case IPV6: return "ipv6";
      case NFLOG: return "nflog";
      case LINUX_SLL2: return "linux_sll2";
      default: return "linktype_" + linkType;
    }
  }
}
