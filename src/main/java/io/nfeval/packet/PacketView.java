package io.nfeval.packet;

import java.nio.ByteBuffer;

/**
 * Flyweight decoder over one captured frame in a {@link ByteBuffer} (heap, direct or memory-mapped).
 * Only absolute gets are used: the buffer's position, limit and byte order are never read or changed,
 * so one mapped buffer can be shared by several views and threads. {@link #decode()} walks the headers
 * once and stores their offsets in int fields; accessors then read at those fixed offsets. Nothing is
 * allocated per packet and bad packets never throw: decode returns a {@link Malformed} code.
 *
 * <pre>
 * link layer (by linkType)                         L3                         L4
 * +--------------------------------------------+  +----------------------+  +--------------------+
 * | Ethernet(1): dst(6) src(6) [8100|88a8|9100  |  | IPv4: ver/ihl tos    |  | TCP: sport dport   |
 * |   tci]* type(2)                            |  |  tot_len id frag ttl |  |  seq ack doff/flags|
 * | SLL(113): pkttype hatype halen addr(8)     |  |  proto csum src dst  |  |  win csum urg opts |
 * |   protocol(2)                              |  |  options (ihl*4-20)  |  | UDP: sport dport   |
 * | SLL2(276): protocol rsvd ifindex(4) hatype |->|                      |->|  len csum          |
 * |   pkttype halen addr(8)                    |  | IPv6: 40 bytes, then |  | ICMP: type code    |
 * | NFLOG(239): family ver res_id, TLVs        |  |  extension headers   |  |  csum id seq       |
 * |   (len,type little-endian; values BE)      |  |  (HBH/RT/DST/FRAG/AH)|  |  [quoted IPv4 +8]  |
 * | NULL(0)/LOOP(108): family(4)               |  +----------------------+  +--------------------+
 * | RAW(101,12,14)/IPV4(228)/IPV6(229): none   |
 * +--------------------------------------------+
 * </pre>
 *
 * <p>Lengths follow the kernel: {@link #ipLength()} is the IP total length (the datagram as the kernel
 * sees it in {@code skb->len} after {@code ip_rcv_core} trims link padding), not the captured length. A
 * frame cut by the capture's snaplen (capLen &lt; wireLen) is not malformed: {@link #truncated()} is set,
 * and only if the cut falls inside a header the engine needs does decode return
 * {@link Malformed#HEADERS_NOT_CAPTURED}. "Beyond the frame" checks use wireLen, "can read" uses capLen.
 *
 * <p>Accessors of a layer are valid when decode reached it: link fields whenever decode did not return
 * UNSUPPORTED_LINKTYPE/TRUNCATED_LINK; IP fields when {@link #ipVersion()} != 0; ports when
 * {@link #l4HeaderPresent()}. Absent values read as -1 (or 0 where documented).
 *
 * <p>Not thread-safe: one view per thread; re-wrap for each packet.
 */
public final class PacketView {
  public static final int ETH_P_IP = 0x0800;
  public static final int ETH_P_IPV6 = 0x86dd;
  public static final int IPPROTO_ICMP = 1;
  public static final int IPPROTO_TCP = 6;
  public static final int IPPROTO_UDP = 17;
  public static final int IPPROTO_GRE = 47;
  public static final int IPPROTO_SCTP = 132;
  public static final int IPPROTO_ICMPV6 = 58;

  public static final int TCP_FIN = 0x01;
  public static final int TCP_SYN = 0x02;
  public static final int TCP_RST = 0x04;
  public static final int TCP_PSH = 0x08;
  public static final int TCP_ACK = 0x10;
  public static final int TCP_URG = 0x20;
  public static final int TCP_ECE = 0x40;
  public static final int TCP_CWR = 0x80;

  public static final int TCPOPT_MSS = 2;
  public static final int TCPOPT_WINDOW = 3;
  public static final int TCPOPT_SACK_PERM = 4;
  public static final int TCPOPT_SACK = 5;
  public static final int TCPOPT_TIMESTAMP = 8;

  /** NFLOG hook numbers (NF_INET_*), as in {@code include/uapi/linux/netfilter.h}. */
  public static final int NF_INET_PRE_ROUTING = 0;
  public static final int NF_INET_LOCAL_IN = 1;
  public static final int NF_INET_FORWARD = 2;
  public static final int NF_INET_LOCAL_OUT = 3;
  public static final int NF_INET_POST_ROUTING = 4;

  /** SLL packet types (PACKET_* of {@code include/uapi/linux/if_packet.h}). */
  public static final int PACKET_HOST = 0;
  public static final int PACKET_BROADCAST = 1;
  public static final int PACKET_MULTICAST = 2;
  public static final int PACKET_OTHERHOST = 3;
  public static final int PACKET_OUTGOING = 4;

  /** NFULA_* attribute types of {@code include/uapi/linux/netfilter/nfnetlink_log.h}. */
  private static final int NFULA_PACKET_HDR = 1;
  private static final int NFULA_MARK = 2;
  private static final int NFULA_TIMESTAMP = 3;
  private static final int NFULA_IFINDEX_INDEV = 4;
  private static final int NFULA_IFINDEX_OUTDEV = 5;
  private static final int NFULA_IFINDEX_PHYSINDEV = 6;
  private static final int NFULA_IFINDEX_PHYSOUTDEV = 7;
  private static final int NFULA_HWADDR = 8;
  private static final int NFULA_PAYLOAD = 9;
  private static final int NFULA_PREFIX = 10;
  private static final int NFULA_UID = 11;
  private static final int NFULA_GID = 14;
  /** The whole link-layer header (type in NFULA_HWTYPE 15, length in NFULA_HWLEN 17). */
  private static final int NFULA_HWHEADER = 16;
  /** NLA_TYPE_MASK: strips NLA_F_NESTED / NLA_F_NET_BYTEORDER. */
  private static final int NLA_TYPE_MASK = 0x3fff;

  private static final int MAX_VLAN_TAGS = 8;
  private static final int MAX_IPV6_EXT_HEADERS = 16;

  private ByteBuffer buf;
  private boolean bigEndian = true;
  private int base;
  private int capLen;
  private int wireLen;
  private int linkType;
  /** Captured end (exclusive) of the frame. */
  private int capEnd;
  /** End of the frame on the wire (base + max(capLen, wireLen)), clamped to int. */
  private int wireEnd;

  // link layer
  private int etherType;
  private int dstMacOff;
  private int srcMacOff;
  /** The MACs once read (-1: not yet; a decode stage reads them ahead of the evaluator). */
  private long dstMacValue = -1;
  private long srcMacValue = -1;
  private int vlanId;
  private int innerVlanId;
  private int sllPacketType;
  private int sllHaType;
  private int sll2IfIndex;
  private int nflogFamily;
  private boolean nflogBigEndian;
  private int nflogHwProtocol;
  private int nflogHook;
  private long nflogTimestampNanos;
  private int inIfindex;
  private int outIfindex;
  private int physInIfindex;
  private int physOutIfindex;
  private int uid;
  private int gid;
  private int mark;
  private int prefixOff;
  private int prefixLen;

  // network layer
  private int l3Off;
  private int l3CapEnd;
  private int l3WireEnd;
  private int ipVersion;
  private int ipHeaderLen;
  private int ipTotalLen;
  private int protocol;
  /** IPv4 addresses, read once by decode (hot in every rule's ip_packet_match). */
  private int srcAddrCache;
  private int dstAddrCache;
  private int fragOffset;
  private boolean moreFragments;
  private boolean dontFragment;
  private boolean ipv6FragmentHeader;
  private boolean truncated;

  // transport layer
  private int l4Off;
  private int l4Len;
  /** {@link #l4ChecksumOk()}'s answer once computed (a decode stage may compute it ahead). */
  private byte l4Sum;
  private static final byte SUM_UNKNOWN = -1;
  private int l4CapEnd;
  private boolean l4Present;
  private int tcpDataOff;
  private boolean tcpOptionsCut;
  private int icmpInnerOff;
  private int icmpInnerIhl;
  private int icmpInnerL4Off;
  private boolean icmpQuoteTruncated;

  private int result;

  /**
   * Points the view at a frame. {@code offset}/{@code capLen} delimit the captured bytes in {@code buf};
   * {@code wireLen} is the length on the wire (pcap "len"); {@code linkType} a LINKTYPE_ value. Call
   * {@link #decode()} next.
   */
  public PacketView wrap(ByteBuffer buf, int offset, int capLen, int wireLen, int linkType) {
    this.buf = buf;
    // Multi-byte reads use the buffer's own order (never changed here) and swap when it is not
    // network order: one bounds check per field instead of one per byte.
    this.bigEndian = buf.order() == java.nio.ByteOrder.BIG_ENDIAN;
    this.base = offset;
    this.capLen = Math.max(0, capLen);
    this.wireLen = wireLen;
    this.linkType = linkType;
    this.capEnd = offset + this.capLen;
    final long wl = Math.max(this.capLen, wireLen & 0xffffffffL);
    this.wireEnd = (int) Math.min(Integer.MAX_VALUE, offset + wl);
    return this;
  }

  /** Decodes the wrapped frame; returns {@link Malformed#OK} or a {@link Malformed} code. */
  public int decode() {
    reset();
    int r = decodeLink();
    if (r == Malformed.OK) {
      if (etherType == ETH_P_IP) {
        r = decodeIpv4();
      } else if (etherType == ETH_P_IPV6) {
        r = decodeIpv6();
      } else {
        r = Malformed.NOT_IP;
      }
    }
    result = r;
    return r;
  }

  /**
   * Decodes, as an IPv4 datagram at offset 0 of {@code datagram} (link type IPV4, {@code len} bytes
   * captured of {@code len}), the datagram {@code raw} holds at its layer-3 offset, after the caller
   * copied it there: the state {@link #decode()} would reach, taken from {@code raw} with its offsets
   * shifted instead of reading the bytes again. Only for a datagram {@code raw} decoded as whole IPv4
   * (result OK, nothing cut by the capture); returns false, changing nothing, otherwise (decode it).
   * The L4 checksum verdict is not carried over (it is the caller's to seed).
   */
  public boolean decodeCopyOf(PacketView raw, ByteBuffer datagram, int len) {
    if (raw.result != Malformed.OK || raw.ipVersion != 4 || raw.truncated || len != raw.ipTotalLen) {
      return false;
    }
    wrap(datagram, 0, len, len, LinkType.IPV4);
    reset();
    etherType = ETH_P_IP;
    l3Off = 0;
    final int d = -raw.l3Off;
    ipVersion = 4;
    ipHeaderLen = raw.ipHeaderLen;
    ipTotalLen = raw.ipTotalLen;
    protocol = raw.protocol;
    srcAddrCache = raw.srcAddrCache;
    dstAddrCache = raw.dstAddrCache;
    fragOffset = raw.fragOffset;
    moreFragments = raw.moreFragments;
    dontFragment = raw.dontFragment;
    l4Off = raw.l4Off + d;
    l4Len = raw.l4Len;
    l4CapEnd = raw.l4CapEnd + d;
    l4Present = raw.l4Present;
    tcpDataOff = raw.tcpDataOff;
    tcpOptionsCut = raw.tcpOptionsCut;
    icmpInnerOff = raw.icmpInnerOff < 0 ? -1 : raw.icmpInnerOff + d;
    icmpInnerIhl = raw.icmpInnerIhl;
    icmpInnerL4Off = raw.icmpInnerL4Off < 0 ? -1 : raw.icmpInnerL4Off + d;
    icmpQuoteTruncated = raw.icmpQuoteTruncated;
    result = Malformed.OK;
    return true;
  }

  /** The code the last {@link #decode()} returned. */
  public int result() {
    return result;
  }

  private void reset() {
    l4Sum = SUM_UNKNOWN;
    srcMacValue = -1;
    dstMacValue = -1;
    etherType = -1;
    dstMacOff = -1;
    srcMacOff = -1;
    vlanId = -1;
    innerVlanId = -1;
    sllPacketType = -1;
    sllHaType = -1;
    sll2IfIndex = -1;
    nflogFamily = -1;
    nflogHwProtocol = -1;
    nflogHook = -1;
    nflogTimestampNanos = NO_TIMESTAMP;
    inIfindex = -1;
    outIfindex = -1;
    physInIfindex = -1;
    physOutIfindex = -1;
    uid = -1;
    gid = -1;
    mark = 0;
    prefixOff = -1;
    prefixLen = 0;
    l3Off = -1;
    l3CapEnd = capEnd;
    l3WireEnd = wireEnd;
    ipVersion = 0;
    ipHeaderLen = 0;
    ipTotalLen = 0;
    protocol = -1;
    fragOffset = 0;
    moreFragments = false;
    dontFragment = false;
    ipv6FragmentHeader = false;
    truncated = capLen < wireLen;
    l4Off = -1;
    l4Len = 0;
    l4CapEnd = 0;
    l4Present = false;
    tcpDataOff = 0;
    tcpOptionsCut = false;
    icmpInnerOff = -1;
    icmpInnerIhl = 0;
    icmpInnerL4Off = -1;
    icmpQuoteTruncated = false;
  }

  // ---------------------------------------------------------------- reading helpers

  private int u8(int off) {
    return buf.get(off) & 0xff;
  }

  private int u16(int off) {
    final short v = buf.getShort(off);
    return (bigEndian ? v : Short.reverseBytes(v)) & 0xffff;
  }

  private int le16(int off) {
    return (buf.get(off) & 0xff) | ((buf.get(off + 1) & 0xff) << 8);
  }

  private int s32(int off) {
    final int v = buf.getInt(off);
    return bigEndian ? v : Integer.reverseBytes(v);
  }

  private long s64(int off) {
    final long v = buf.getLong(off);
    return bigEndian ? v : Long.reverseBytes(v);
  }

  private long mac48(int off) {
    return ((long) u16(off) << 32) | (s32(off + 2) & 0xffffffffL);
  }

  /**
   * Checks that {@code [off, off+n)} lies within {@code capLimit}; if not, whether the wire frame
   * ({@code wireLimit}) had it: then the snaplen cut it (HEADERS_NOT_CAPTURED), else {@code reason}.
   */
  private int need(int off, int n, int capLimit, int wireLimit, int reason) {
    final long e = (long) off + n;
    if (e <= capLimit) {
      return Malformed.OK;
    }
    if (e <= wireLimit) {
      truncated = true;
      return Malformed.HEADERS_NOT_CAPTURED;
    }
    return reason;
  }

  // ---------------------------------------------------------------- link layer

  private int decodeLink() {
    switch (linkType) {
      case LinkType.ETHERNET:
        return decodeEthernet();
      case LinkType.LINUX_SLL:
        return decodeSll();
      case LinkType.LINUX_SLL2:
        return decodeSll2();
      case LinkType.RAW:
      case LinkType.RAW_12:
      case LinkType.RAW_14:
        return decodeRaw(0);
      case LinkType.IPV4:
        return decodeRaw(4);
      case LinkType.IPV6:
        return decodeRaw(6);
      case LinkType.NFLOG:
        return decodeNflog();
      case LinkType.NULL:
      case LinkType.LOOP:
        return decodeNull();
      default:
        return Malformed.UNSUPPORTED_LINKTYPE;
    }
  }

  private int decodeEthernet() {
    int r = need(base, 14, capEnd, wireEnd, Malformed.TRUNCATED_LINK);
    if (r != Malformed.OK) {
      return r;
    }
    dstMacOff = base;
    srcMacOff = base + 6;
    int type = u16(base + 12);
    int off = base + 14;
    for (int tags = 0; isVlanTpid(type) && tags < MAX_VLAN_TAGS; tags++) {
      r = need(off, 4, capEnd, wireEnd, Malformed.TRUNCATED_LINK);
      if (r != Malformed.OK) {
        return r;
      }
      final int vid = u16(off) & 0x0fff;
      if (vlanId < 0) {
        vlanId = vid;
      } else if (innerVlanId < 0) {
        innerVlanId = vid;
      }
      type = u16(off + 2);
      off += 4;
    }
    etherType = type;
    l3Off = off;
    return Malformed.OK;
  }

  private static boolean isVlanTpid(int type) {
    return type == 0x8100 || type == 0x88a8 || type == 0x9100;
  }

  private int decodeSll() {
    final int r = need(base, 16, capEnd, wireEnd, Malformed.TRUNCATED_LINK);
    if (r != Malformed.OK) {
      return r;
    }
    sllPacketType = u16(base);
    sllHaType = u16(base + 2);
    if (sllHaType == 1 && u16(base + 4) == 6) {
      srcMacOff = base + 6;
    }
    etherType = u16(base + 14);
    l3Off = base + 16;
    return Malformed.OK;
  }

  private int decodeSll2() {
    final int r = need(base, 20, capEnd, wireEnd, Malformed.TRUNCATED_LINK);
    if (r != Malformed.OK) {
      return r;
    }
    etherType = u16(base);
    sll2IfIndex = s32(base + 4);
    sllHaType = u16(base + 8);
    sllPacketType = u8(base + 10);
    if (sllHaType == 1 && u8(base + 11) == 6) {
      srcMacOff = base + 12;
    }
    l3Off = base + 20;
    return Malformed.OK;
  }

  private int decodeRaw(int version) {
    l3Off = base;
    if (version == 4) {
      etherType = ETH_P_IP;
      return Malformed.OK;
    }
    if (version == 6) {
      etherType = ETH_P_IPV6;
      return Malformed.OK;
    }
    final int r = need(base, 1, capEnd, wireEnd, Malformed.IP_HEADER_TRUNCATED);
    if (r != Malformed.OK) {
      return r;
    }
    final int v = u8(base) >>> 4;
    if (v == 4) {
      etherType = ETH_P_IP;
    } else if (v == 6) {
      etherType = ETH_P_IPV6;
    } else {
      return Malformed.BAD_IP_VERSION;
    }
    return Malformed.OK;
  }

  /**
   * DLT_NULL: the family is in the capturing host's byte order; like tcpdump's {@code null_if_print} we
   * read it little-endian and swap when the upper half is non-zero. DLT_LOOP: network order. IPv6 has
   * different AF_INET6 values per BSD (24 NetBSD/OpenBSD, 28 FreeBSD, 30 Darwin; 10 Linux).
   */
  private int decodeNull() {
    final int r = need(base, 4, capEnd, wireEnd, Malformed.TRUNCATED_LINK);
    if (r != Malformed.OK) {
      return r;
    }
    int family;
    if (linkType == LinkType.LOOP) {
      family = s32(base);
    } else {
      family = Integer.reverseBytes(s32(base));
      if ((family & 0xffff0000) != 0) {
        family = Integer.reverseBytes(family);
      }
    }
    l3Off = base + 4;
    if (family == 2) {
      etherType = ETH_P_IP;
    } else if (family == 10 || family == 24 || family == 28 || family == 30) {
      etherType = ETH_P_IPV6;
    } else {
      etherType = -1;
    }
    return Malformed.OK;
  }

  /**
   * NFLOG (libpcap {@code pcap-util/nflog.h}, tcpdump {@code print-nflog.c}): a 4-byte header (family,
   * version, resource id) then TLVs whose length and type are in the capturing host's byte order
   * (little-endian unless only big-endian makes the first TLV length plausible: libpcap swaps them
   * for byte-swapped files, which we cannot do in a read-only map) and whose values are in network
   * order. Each TLV is padded to 4 bytes; the length includes the 4-byte TLV
   * header but not the padding.
   */
  private int decodeNflog() {
    int r = need(base, 4, capEnd, wireEnd, Malformed.TRUNCATED_LINK);
    if (r != Malformed.OK) {
      return r;
    }
    nflogFamily = u8(base);
    // TLV headers are in the capturing host's order; libpcap swaps them for byte-swapped files, we
    // cannot write the mapped file, so pick the order in which the first TLV length is plausible.
    nflogBigEndian = base + 8 <= capEnd && !plausibleTlv(le16(base + 4), base + 4)
        && plausibleTlv(u16(base + 4), base + 4);
    int payloadOff = -1;
    int payloadLen = 0;
    int off = base + 4;
    while (off + 4 <= capEnd) {
      final int len = nflogBigEndian ? u16(off) : le16(off);
      final int type = (nflogBigEndian ? u16(off + 2) : le16(off + 2)) & NLA_TYPE_MASK;
      if (len < 4 || (long) off + len > wireEnd) {
        return Malformed.BAD_NFLOG_TLV;
      }
      final int v = off + 4;
      final int vlen = len - 4;
      if (type == NFULA_PAYLOAD) {
        payloadOff = v;
        payloadLen = vlen;
      } else if ((long) off + len > capEnd) {
        break;
      } else {
        nflogAttribute(type, v, vlen);
      }
      off += (len + 3) & ~3;
    }
    if (payloadOff < 0) {
      if (capLen < wireLen) {
        truncated = true;
        return Malformed.HEADERS_NOT_CAPTURED;
      }
      return Malformed.BAD_NFLOG_TLV;
    }
    l3Off = payloadOff;
    l3CapEnd = (int) Math.min(capEnd, (long) payloadOff + payloadLen);
    l3WireEnd = (int) Math.min(wireEnd, (long) payloadOff + payloadLen);
    if (nflogHwProtocol > 0) {
      etherType = nflogHwProtocol;
    } else if (nflogFamily == 2) {
      etherType = ETH_P_IP;
    } else if (nflogFamily == 10) {
      etherType = ETH_P_IPV6;
    }
    return Malformed.OK;
  }

  private boolean plausibleTlv(int len, int off) {
    return len >= 4 && (long) off + len <= wireEnd;
  }

  private void nflogAttribute(int type, int v, int vlen) {
    switch (type) {
      case NFULA_PACKET_HDR:
        if (vlen >= 3) {
          nflogHwProtocol = u16(v);
          nflogHook = u8(v + 2);
        }
        break;
      case NFULA_MARK:
        if (vlen >= 4) {
          mark = s32(v);
        }
        break;
      case NFULA_TIMESTAMP:
        // struct nfulnl_msg_packet_timestamp { __aligned_be64 sec; __aligned_be64 usec; }: a time that
        // does not fit is left out rather than taken for a malformed record (the payload is fine)
        if (vlen >= 16) {
          final long sec = s64(v);
          final long usec = s64(v + 8);
          if (sec >= 0 && sec < Long.MAX_VALUE / 1_000_000_000L && usec >= 0 && usec < 1_000_000L) {
            nflogTimestampNanos = sec * 1_000_000_000L + usec * 1_000L;
          }
        }
        break;
      case NFULA_IFINDEX_INDEV:
        inIfindex = vlen >= 4 ? s32(v) : -1;
        break;
      case NFULA_IFINDEX_OUTDEV:
        outIfindex = vlen >= 4 ? s32(v) : -1;
        break;
      case NFULA_IFINDEX_PHYSINDEV:
        physInIfindex = vlen >= 4 ? s32(v) : -1;
        break;
      case NFULA_IFINDEX_PHYSOUTDEV:
        physOutIfindex = vlen >= 4 ? s32(v) : -1;
        break;
      case NFULA_HWADDR:
        // struct nfulnl_msg_packet_hw { __be16 hw_addrlen; __u16 _pad; __u8 hw_addr[8]; }
        if (vlen >= 10 && u16(v) == 6) {
          srcMacOff = v + 4;
        }
        break;
      case NFULA_HWHEADER:
        // An Ethernet header (nfnetlink_log adds it with NFULA_HWTYPE ARPHRD_ETHER and HWLEN 14):
        // the destination MAC tells the packet type (broadcast, multicast, other host).
        if (vlen >= 14) {
          dstMacOff = v;
          if (srcMacOff < 0) {
            srcMacOff = v + 6;
          }
        }
        break;
      case NFULA_PREFIX:
        prefixOff = v;
        int n = 0;
        while (n < vlen && buf.get(v + n) != 0) {
          n++;
        }
        prefixLen = n;
        break;
      case NFULA_UID:
        uid = vlen >= 4 ? s32(v) : -1;
        break;
      case NFULA_GID:
        gid = vlen >= 4 ? s32(v) : -1;
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------- IPv4

  /** Mirrors the checks of {@code ip_rcv_core()} (net/ipv4/ip_input.c) in their order. */
  private int decodeIpv4() {
    final int l3 = l3Off;
    int r = need(l3, 20, l3CapEnd, l3WireEnd, Malformed.IP_HEADER_TRUNCATED);
    if (r != Malformed.OK) {
      return r;
    }
    final int vihl = u8(l3);
    if ((vihl >>> 4) != 4) {
      return Malformed.BAD_IP_VERSION;
    }
    final int ihl = (vihl & 0x0f) * 4;
    if (ihl < 20) {
      return Malformed.BAD_IHL;
    }
    r = need(l3, ihl, l3CapEnd, l3WireEnd, Malformed.BAD_IHL);
    if (r != Malformed.OK) {
      return r;
    }
    ipVersion = 4;
    ipHeaderLen = ihl;
    final int tot = u16(l3 + 2);
    ipTotalLen = tot;
    protocol = u8(l3 + 9);
    srcAddrCache = s32(l3 + 12);
    dstAddrCache = s32(l3 + 16);
    final int frag = u16(l3 + 6);
    fragOffset = (frag & 0x1fff) * 8;
    moreFragments = (frag & 0x2000) != 0;
    dontFragment = (frag & 0x4000) != 0;
    if ((long) l3 + tot > l3WireEnd) {
      return Malformed.IP_TOTAL_LENGTH_BEYOND_CAPTURE;
    }
    if (tot < ihl) {
      return Malformed.IP_TOTAL_LENGTH_TOO_SHORT;
    }
    final int dgEnd = l3 + tot;
    truncated = dgEnd > l3CapEnd;
    l4Off = l3 + ihl;
    l4Len = tot - ihl;
    l4CapEnd = Math.min(l3CapEnd, dgEnd);
    if (fragOffset != 0) {
      return Malformed.OK;
    }
    return firstFragmentL4(decodeL4());
  }

  /**
   * A first fragment (MF set) may legitimately end inside the L4 header or hold less than the UDP
   * length: nf_defrag reassembles fragments before any iptables table sees them
   * ({@code nf_defrag_ipv4}, priority -400), so only the whole datagram can be judged. Such a fragment
   * decodes OK with whatever L4 fields it holds ({@link #l4HeaderPresent()} false if the fixed header
   * is incomplete).
   */
  private int firstFragmentL4(int r) {
    if (!moreFragments) {
      return r;
    }
    if (r == Malformed.L4_TRUNCATED || r == Malformed.TCP_DATA_OFFSET_BEYOND_PACKET
        || r == Malformed.UDP_BAD_LENGTH) {
      return Malformed.OK;
    }
    return r;
  }

  // ---------------------------------------------------------------- IPv6

  /**
   * Recognises IPv6 and walks the extension headers (RFC 8200 4.) far enough to find the upper-layer
   * protocol; nfeval does not evaluate IPv6 yet. A zero payload length (jumbogram) takes the frame end.
   */
  private int decodeIpv6() {
    final int l3 = l3Off;
    int r = need(l3, 40, l3CapEnd, l3WireEnd, Malformed.IP_HEADER_TRUNCATED);
    if (r != Malformed.OK) {
      return r;
    }
    if ((u8(l3) >>> 4) != 6) {
      return Malformed.BAD_IP_VERSION;
    }
    ipVersion = 6;
    ipHeaderLen = 40;
    final int plen = u16(l3 + 4);
    final int dgEnd = plen == 0 ? l3WireEnd : l3 + 40 + plen;
    ipTotalLen = dgEnd - l3;
    if (dgEnd > l3WireEnd) {
      return Malformed.IP_TOTAL_LENGTH_BEYOND_CAPTURE;
    }
    truncated = dgEnd > l3CapEnd;
    final int capLimit = Math.min(l3CapEnd, dgEnd);
    int nxt = u8(l3 + 6);
    int off = l3 + 40;
    for (int i = 0; i < MAX_IPV6_EXT_HEADERS; i++) {
      int hlen;
      switch (nxt) {
        case 0: case 43: case 60: case 135: case 139: case 140:
          r = need(off, 2, capLimit, dgEnd, Malformed.IPV6_EXT_HEADER_TRUNCATED);
          if (r != Malformed.OK) {
            return r;
          }
          hlen = (u8(off + 1) + 1) * 8;
          break;
        case 51:
          r = need(off, 2, capLimit, dgEnd, Malformed.IPV6_EXT_HEADER_TRUNCATED);
          if (r != Malformed.OK) {
            return r;
          }
          hlen = (u8(off + 1) + 2) * 4;
          break;
        case 44:
          r = need(off, 8, capLimit, dgEnd, Malformed.IPV6_EXT_HEADER_TRUNCATED);
          if (r != Malformed.OK) {
            return r;
          }
          ipv6FragmentHeader = true;
          fragOffset = u16(off + 2) & 0xfff8;
          moreFragments = (u16(off + 2) & 1) != 0;
          hlen = 8;
          break;
        default:
          return ipv6UpperLayer(nxt, off, dgEnd, capLimit);
      }
      r = need(off, hlen, capLimit, dgEnd, Malformed.IPV6_EXT_HEADER_TRUNCATED);
      if (r != Malformed.OK) {
        return r;
      }
      nxt = u8(off);
      off += hlen;
      if (ipv6FragmentHeader && fragOffset != 0) {
        protocol = nxt;
        l4Off = off;
        l4Len = dgEnd - off;
        l4CapEnd = capLimit;
        return Malformed.OK;
      }
    }
    return Malformed.IPV6_EXT_HEADER_TRUNCATED;
  }

  private int ipv6UpperLayer(int nxt, int off, int dgEnd, int capLimit) {
    protocol = nxt;
    l4Off = off;
    l4Len = dgEnd - off;
    l4CapEnd = capLimit;
    return nxt == 59 ? Malformed.OK : firstFragmentL4(decodeL4());
  }

  // ---------------------------------------------------------------- transport

  private int needL4(int n) {
    if (l4Len < n) {
      return Malformed.L4_TRUNCATED;
    }
    if (l4Off + n > l4CapEnd) {
      truncated = true;
      return Malformed.HEADERS_NOT_CAPTURED;
    }
    return Malformed.OK;
  }

  private int decodeL4() {
    int r;
    switch (protocol) {
      case IPPROTO_TCP:
        r = needL4(20);
        if (r != Malformed.OK) {
          return r;
        }
        l4Present = true;
        tcpDataOff = (u8(l4Off + 12) >>> 4) * 4;
        if (tcpDataOff < 20) {
          return Malformed.TCP_DATA_OFFSET_TOO_SMALL;
        }
        if (tcpDataOff > l4Len) {
          return Malformed.TCP_DATA_OFFSET_BEYOND_PACKET;
        }
        if (l4Off + tcpDataOff > l4CapEnd) {
          // the snaplen cut the options: ports, flags, seq are there; options are not
          truncated = true;
          tcpOptionsCut = true;
        }
        return Malformed.OK;
      case IPPROTO_UDP:
        r = needL4(8);
        if (r != Malformed.OK) {
          return r;
        }
        l4Present = true;
        final int ulen = u16(l4Off + 4);
        if (ulen < 8 || ulen > l4Len) {
          return Malformed.UDP_BAD_LENGTH;
        }
        return Malformed.OK;
      case IPPROTO_ICMP:
        r = needL4(8);
        if (r != Malformed.OK) {
          return r;
        }
        l4Present = true;
        if (ipVersion == 4 && isIcmpError()) {
          decodeIcmpQuote();
        }
        return Malformed.OK;
      case IPPROTO_ICMPV6:
        r = needL4(8);
        if (r != Malformed.OK) {
          return r;
        }
        l4Present = true;
        return Malformed.OK;
      default:
        return Malformed.OK;
    }
  }

  /**
   * ICMP errors quote the offending IPv4 header and at least 8 bytes of its payload (RFC 792); conntrack
   * ({@code icmp_error_message}) looks the quoted tuple up to relate the error. Fills what is present
   * and sets {@link #icmpQuoteTruncated()} when less than header + 8 bytes were quoted or captured.
   */
  private void decodeIcmpQuote() {
    final int io = l4Off + 8;
    final int avail = l4CapEnd - io;
    icmpQuoteTruncated = true;
    if (avail < 20 || (u8(io) >>> 4) != 4) {
      return;
    }
    final int ihl = (u8(io) & 0x0f) * 4;
    if (ihl < 20 || ihl > avail) {
      return;
    }
    icmpInnerOff = io;
    icmpInnerIhl = ihl;
    if (avail >= ihl + 4) {
      icmpInnerL4Off = io + ihl;
    }
    icmpQuoteTruncated = avail < ihl + 8;
  }

  // ---------------------------------------------------------------- frame / link accessors

  public ByteBuffer buffer() {
    return buf;
  }

  /** Offset of the frame in {@link #buffer()}. */
  public int offset() {
    return base;
  }

  public int capLen() {
    return capLen;
  }

  public int wireLen() {
    return wireLen;
  }

  public int linkType() {
    return linkType;
  }

  /** Ethertype of the L3 payload (from Ethernet/SLL/NFLOG hw_protocol, or implied), -1 if none. */
  public int etherType() {
    return etherType;
  }

  /** Whether a source MAC is known (Ethernet, SLL/SLL2 with ARPHRD_ETHER, NFLOG NFULA_HWADDR). */
  public boolean hasMac() {
    return srcMacOff >= 0;
  }

  /** Whether a destination MAC is known (Ethernet, NFLOG NFULA_HWHEADER). */
  public boolean hasDstMac() {
    return dstMacOff >= 0;
  }

  /** Source MAC as a 48-bit value, 0 if none. */
  public long srcMac() {
    if (srcMacValue < 0) {
      srcMacValue = srcMacOff >= 0 ? mac48(srcMacOff) : 0;
    }
    return srcMacValue;
  }

  /** Destination MAC as a 48-bit value, 0 if none. */
  public long dstMac() {
    if (dstMacValue < 0) {
      dstMacValue = dstMacOff >= 0 ? mac48(dstMacOff) : 0;
    }
    return dstMacValue;
  }

  /** Outermost 802.1Q/802.1ad VLAN id, -1 if untagged. */
  public int vlanId() {
    return vlanId;
  }

  /** Second VLAN id (QinQ), -1 if none. */
  public int innerVlanId() {
    return innerVlanId;
  }

  /** SLL/SLL2 packet type: 0 host, 1 broadcast, 2 multicast, 3 otherhost, 4 outgoing; -1 unknown. */
  public int sllPacketType() {
    return sllPacketType;
  }

  /** SLL/SLL2 ARPHRD_ type, -1 if not SLL. */
  public int sllHaType() {
    return sllHaType;
  }

  /** SLL2 interface index, -1 if not SLL2. */
  public int sll2IfIndex() {
    return sll2IfIndex;
  }

  /** NFLOG address family (2 AF_INET, 10 AF_INET6), -1 if not NFLOG. */
  public int nflogFamily() {
    return nflogFamily;
  }

  /** NFLOG hook (0 PREROUTING, 1 INPUT, 2 FORWARD, 3 OUTPUT, 4 POSTROUTING), -1 if absent. */
  public int nflogHook() {
    return nflogHook;
  }

  /** {@link #nflogTimestampNanos()} of a record without one. */
  public static final long NO_TIMESTAMP = Long.MIN_VALUE;

  /**
   * NFLOG NFULA_TIMESTAMP in nanoseconds since the epoch (microsecond resolution), or {@link
   * #NO_TIMESTAMP}: the kernel's time of the packet (its skb->tstamp, else the time it was logged),
   * which nfnetlink_log adds for the hooks up to FORWARD only.
   */
  public long nflogTimestampNanos() {
    return nflogTimestampNanos;
  }

  /** NFLOG NFULA_IFINDEX_INDEV, -1 if absent. */
  public int inIfindex() {
    return inIfindex;
  }

  /** NFLOG NFULA_IFINDEX_OUTDEV, -1 if absent. */
  public int outIfindex() {
    return outIfindex;
  }

  public int physInIfindex() {
    return physInIfindex;
  }

  public int physOutIfindex() {
    return physOutIfindex;
  }

  /** NFLOG NFULA_UID, -1 if absent. */
  public int uid() {
    return uid;
  }

  /** NFLOG NFULA_GID, -1 if absent. */
  public int gid() {
    return gid;
  }

  /** NFLOG NFULA_MARK (skb->mark), 0 when absent (the kernel omits a zero mark). */
  public int mark() {
    return mark;
  }

  /** Offset of the NFLOG prefix bytes (without the NUL), -1 if absent. */
  public int prefixOffset() {
    return prefixOff;
  }

  /** Length of the NFLOG prefix, 0 if absent. */
  public int prefixLength() {
    return prefixLen;
  }

  // ---------------------------------------------------------------- IP accessors

  /** Offset of the L3 header in {@link #buffer()}, -1 if none. */
  public int l3Offset() {
    return l3Off;
  }

  /** 4 or 6 once the IP header was decoded, else 0. */
  public int ipVersion() {
    return ipVersion;
  }

  public boolean isIpv4() {
    return ipVersion == 4;
  }

  public boolean isIpv6() {
    return ipVersion == 6;
  }

  /** IPv4 header length in bytes (ihl*4); 40 for IPv6. */
  public int headerLength() {
    return ipHeaderLen;
  }

  /** IPv4 tot_len; for IPv6 40 + payload length. */
  public int totalLength() {
    return ipTotalLen;
  }

  /** The datagram length the kernel counts (iptables byte counters): the IP total length. */
  public int ipLength() {
    return ipTotalLen;
  }

  /** True when the capture holds less than the whole frame/datagram (snaplen cut). */
  public boolean truncated() {
    return truncated;
  }

  public int tos() {
    return ipVersion == 4 ? u8(l3Off + 1) : ipVersion == 6 ? (u16(l3Off) >>> 4) & 0xff : 0;
  }

  /** TTL (IPv4) or hop limit (IPv6). */
  public int ttl() {
    return ipVersion == 4 ? u8(l3Off + 8) : ipVersion == 6 ? u8(l3Off + 7) : 0;
  }

  public int id() {
    return ipVersion == 4 ? u16(l3Off + 4) : 0;
  }

  /** IPv4 protocol or IPv6 upper-layer next header (after extension headers), -1 if unknown. */
  public int protocol() {
    return protocol;
  }

  /**
   * Reads a word of each cache line this view's decoded state occupies (a prefetch for a consumer on
   * another core: the loads overlap with its work in progress instead of stalling it later, one at a
   * time). Returns a value only so the loads are not dropped.
   */
  public int touchState() {
    return (int) dstMacValue + base + l3Off + l4Off + result + (l4Present ? 1 : 0);
  }

  /** Reads the packet's network and transport header bytes (a prefetch, see {@link #touchState}). */
  public int touchHeaders() {
    int t = 0;
    final ByteBuffer b = buf;
    if (b != null && l3Off >= 0 && l3Off < b.limit()) {
      t += b.get(l3Off);
      if (l4Off > 0 && l4Off < b.limit()) {
        t += b.get(l4Off);
      }
    }
    return t;
  }

  /** IPv4 source address as an int (network order value), 0 if not IPv4. */
  public int srcAddr() {
    return ipVersion == 4 ? srcAddrCache : 0;
  }

  public int dstAddr() {
    return ipVersion == 4 ? dstAddrCache : 0;
  }

  /** Keeps the cached addresses right after {@link PacketWriter} rewrote them in place. */
  void addressesRewritten() {
    if (ipVersion == 4) {
      srcAddrCache = s32(l3Off + 12);
      dstAddrCache = s32(l3Off + 16);
    }
  }

  /** Offset of the source address (4 bytes IPv4, 16 bytes IPv6), -1 if no IP header. */
  public int srcAddrOffset() {
    return ipVersion == 4 ? l3Off + 12 : ipVersion == 6 ? l3Off + 8 : -1;
  }

  public int dstAddrOffset() {
    return ipVersion == 4 ? l3Off + 16 : ipVersion == 6 ? l3Off + 24 : -1;
  }

  /** Fragment offset in bytes. */
  public int fragmentOffset() {
    return fragOffset;
  }

  public boolean moreFragments() {
    return moreFragments;
  }

  public boolean dontFragment() {
    return dontFragment;
  }

  /** MF set or offset non-zero (IPv6: a fragment header is present). */
  public boolean isFragment() {
    return moreFragments || fragOffset != 0 || ipv6FragmentHeader;
  }

  /** Offset of IPv4 options, valid when {@link #optionsLength()} &gt; 0. */
  public int optionsOffset() {
    return l3Off + 20;
  }

  public int optionsLength() {
    return ipVersion == 4 ? ipHeaderLen - 20 : 0;
  }

  /** Verifies the IPv4 header checksum (ip_rcv_core drops on failure: IPSTATS_MIB_CSUMERRORS). */
  public boolean headerChecksumOk() {
    return ipVersion != 4
        || Checksums.fold(Checksums.sum(buf, l3Off, ipHeaderLen, 0)) == 0xffff;
  }

  // ---------------------------------------------------------------- L4 accessors

  /** Offset of the L4 header, -1 if none. */
  public int l4Offset() {
    return l4Off;
  }

  /** L4 length according to the IP header (datagram length minus IP/extension headers). */
  public int l4Length() {
    return l4Len;
  }

  /**
   * An SCTP common header (ports, verification tag, checksum: 12 bytes) in the datagram and the capture,
   * of a whole packet or first fragment. SCTP is not decoded further here ({@link #l4HeaderPresent} stays
   * false): conntrack and {@code -m sctp} walk its chunks themselves.
   */
  public boolean sctpHeaderPresent() {
    return protocol == IPPROTO_SCTP && l4Off >= 0 && fragOffset == 0 && l4Len >= 12 && l4Off + 12 <= l4CapEnd;
  }

  public int sctpSrcPort() {
    return sctpHeaderPresent() ? u16(l4Off) : -1;
  }

  public int sctpDstPort() {
    return sctpHeaderPresent() ? u16(l4Off + 2) : -1;
  }

  /** True when the fixed TCP/UDP/ICMP header was decoded (not a later fragment, not cut). */
  public boolean l4HeaderPresent() {
    return l4Present;
  }

  private boolean ports() {
    return l4Present && (protocol == IPPROTO_TCP || protocol == IPPROTO_UDP);
  }

  /** TCP/UDP source port, -1 otherwise. */
  public int srcPort() {
    return ports() ? u16(l4Off) : -1;
  }

  public int dstPort() {
    return ports() ? u16(l4Off + 2) : -1;
  }

  private boolean tcp() {
    return l4Present && protocol == IPPROTO_TCP;
  }

  /** TCP flags byte (FIN=0x01 ... CWR=0x80), 0 if not TCP. */
  public int tcpFlags() {
    return tcp() ? u8(l4Off + 13) : 0;
  }

  public long tcpSeq() {
    return tcp() ? s32(l4Off + 4) & 0xffffffffL : 0;
  }

  public long tcpAck() {
    return tcp() ? s32(l4Off + 8) & 0xffffffffL : 0;
  }

  public int tcpWindow() {
    return tcp() ? u16(l4Off + 14) : 0;
  }

  public int tcpUrgentPointer() {
    return tcp() ? u16(l4Off + 18) : 0;
  }

  /** TCP header length in bytes (doff*4). */
  public int tcpDataOffset() {
    return tcpDataOff;
  }

  public int tcpPayloadLength() {
    return tcp() ? Math.max(0, l4Len - tcpDataOff) : 0;
  }

  /** End (exclusive, in {@link #buffer()}) of the captured bytes of the L4 header and payload. */
  public int l4CapturedEnd() {
    return l4CapEnd;
  }

  /** Offset of the TCP payload in {@link #buffer()} (absolute), -1 if not TCP. */
  public int tcpPayloadOffset() {
    return tcp() ? l4Off + tcpDataOff : -1;
  }

  /** Bytes of the TCP payload that were captured (at most {@link #tcpPayloadLength()}). */
  public int tcpPayloadCaptured() {
    return tcp() ? Math.max(0, Math.min(l4CapEnd - (l4Off + tcpDataOff), tcpPayloadLength())) : 0;
  }

  /**
   * Offset of the first TCP option of {@code kind}, -1 if absent. Walks the options as
   * {@code tcp_parse_options} does: EOL ends, NOP is one byte, a length below 2 or beyond the header
   * ends the walk ("silly options").
   */
  public int tcpOptionOffset(int kind) {
    if (!tcp() || tcpDataOff <= 20) {
      return -1;
    }
    final int end = Math.min(l4Off + tcpDataOff, l4CapEnd);
    int p = l4Off + 20;
    while (p < end) {
      final int k = u8(p);
      if (k == 0) {
        return -1;
      }
      if (k == 1) {
        p++;
        continue;
      }
      if (p + 1 >= end) {
        return -1;
      }
      final int len = u8(p + 1);
      if (len < 2 || p + len > end) {
        return -1;
      }
      if (k == kind) {
        return p;
      }
      p += len;
    }
    return -1;
  }

  /**
   * False when the snaplen cut the TCP options (decode still returns OK: ports, flags and sequence
   * numbers are present); option accessors then see only the captured options.
   */
  public boolean tcpOptionsCaptured() {
    return !tcpOptionsCut;
  }

  public boolean hasTcpOption(int kind) {
    return tcpOptionOffset(kind) >= 0;
  }

  /** MSS option value, -1 if absent or of the wrong length. */
  public int tcpMss() {
    final int p = tcpOptionOffset(TCPOPT_MSS);
    return p >= 0 && u8(p + 1) == 4 ? u16(p + 2) : -1;
  }

  /** Window scale shift, -1 if absent. */
  public int tcpWindowScale() {
    final int p = tcpOptionOffset(TCPOPT_WINDOW);
    return p >= 0 && u8(p + 1) == 3 ? u8(p + 2) : -1;
  }

  public boolean tcpSackPermitted() {
    return hasTcpOption(TCPOPT_SACK_PERM);
  }

  /** Timestamp TSval (unsigned), -1 if absent. */
  public long tcpTsVal() {
    final int p = tcpOptionOffset(TCPOPT_TIMESTAMP);
    return p >= 0 && u8(p + 1) == 10 ? s32(p + 2) & 0xffffffffL : -1;
  }

  /** Timestamp TSecr (unsigned), -1 if absent. */
  public long tcpTsEcr() {
    final int p = tcpOptionOffset(TCPOPT_TIMESTAMP);
    return p >= 0 && u8(p + 1) == 10 ? s32(p + 6) & 0xffffffffL : -1;
  }

  /** UDP length field, -1 if not UDP. */
  public int udpLength() {
    return l4Present && protocol == IPPROTO_UDP ? u16(l4Off + 4) : -1;
  }

  private boolean icmp() {
    return l4Present && (protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6);
  }

  /** ICMP/ICMPv6 type, -1 otherwise. */
  public int icmpType() {
    return icmp() ? u8(l4Off) : -1;
  }

  public int icmpCode() {
    return icmp() ? u8(l4Off + 1) : -1;
  }

  /** Echo id (bytes 4-5 of the ICMP header). */
  public int icmpId() {
    return icmp() ? u16(l4Off + 4) : -1;
  }

  public int icmpSeq() {
    return icmp() ? u16(l4Off + 6) : -1;
  }

  /**
   * ICMPv4 error types (dest unreachable 3, source quench 4, redirect 5, time exceeded 11, parameter
   * problem 12), as {@code icmp_is_err()} in include/linux/icmp.h.
   */
  public boolean isIcmpError() {
    if (!l4Present || protocol != IPPROTO_ICMP) {
      return false;
    }
    final int t = u8(l4Off);
    return t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
  }

  /** Offset of the IPv4 header quoted in an ICMP error, -1 if absent. */
  public int icmpInnerOffset() {
    return icmpInnerOff;
  }

  public int icmpInnerSrcAddr() {
    return icmpInnerOff >= 0 ? s32(icmpInnerOff + 12) : 0;
  }

  public int icmpInnerDstAddr() {
    return icmpInnerOff >= 0 ? s32(icmpInnerOff + 16) : 0;
  }

  public int icmpInnerProtocol() {
    return icmpInnerOff >= 0 ? u8(icmpInnerOff + 9) : -1;
  }

  /** Offset of the quoted L4 header (at least 4 bytes present), -1 otherwise. */
  public int icmpInnerL4Offset() {
    return icmpInnerL4Off;
  }

  private boolean innerPorts() {
    final int p = icmpInnerProtocol();
    return icmpInnerL4Off >= 0 && (p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_SCTP);
  }

  public int icmpInnerSrcPort() {
    return innerPorts() ? u16(icmpInnerL4Off) : -1;
  }

  public int icmpInnerDstPort() {
    return innerPorts() ? u16(icmpInnerL4Off + 2) : -1;
  }

  /** Echo id of a quoted ICMP packet (needs 6 quoted bytes), -1 otherwise. */
  public int icmpInnerIcmpId() {
    return icmpInnerL4Off >= 0 && icmpInnerProtocol() == IPPROTO_ICMP
        && icmpInnerL4Off + 6 <= l4CapEnd ? u16(icmpInnerL4Off + 4) : -1;
  }

  /** True when an ICMP error quotes (or the capture holds) less than the inner header + 8 bytes. */
  public boolean icmpQuoteTruncated() {
    return icmpQuoteTruncated;
  }

  // ---------------------------------------------------------------- L4 checksum

  /**
   * Whether the L4 checksum can be verified: TCP/UDP/ICMP header present, not a fragment, whole
   * datagram captured.
   */
  public boolean l4ChecksumVerifiable() {
    return l4Present && !isFragment() && !truncated && l4Off + l4Len <= l4CapEnd
        && (protocol == IPPROTO_TCP || protocol == IPPROTO_UDP || protocol == IPPROTO_ICMP
            || protocol == IPPROTO_ICMPV6);
  }

  /**
   * Verifies the TCP/UDP (pseudo-header) or ICMP checksum; computed on demand. A UDP checksum of 0
   * means "none" over IPv4 and is accepted. Returns true when not verifiable (see
   * {@link #l4ChecksumVerifiable()}), as the kernel trusts what it cannot check.
   */
  public boolean l4ChecksumOk() {
    if (l4Sum == SUM_UNKNOWN) {
      l4Sum = (byte) (computeL4ChecksumOk() ? 1 : 0);
    }
    return l4Sum == 1;
  }

  /**
   * {@link #l4ChecksumOk()} if it was computed since the last {@link #decode()}: 1 ok, 0 bad, -1 not
   * computed. Lets a copy of these bytes reuse the verdict without summing them again.
   */
  public int l4ChecksumKnown() {
    return l4Sum;
  }

  /**
   * Seeds {@link #l4ChecksumOk()} with a verdict computed on a byte-identical copy of this datagram
   * ({@link #l4ChecksumKnown()} of that copy); -1 leaves it to be computed.
   */
  public void seedL4Checksum(int known) {
    l4Sum = (byte) known;
  }

  private boolean computeL4ChecksumOk() {
    if (!l4ChecksumVerifiable()) {
      return true;
    }
    if (protocol == IPPROTO_UDP && ipVersion == 4 && u16(l4Off + 6) == 0) {
      return true;
    }
    long acc;
    if (protocol == IPPROTO_ICMP) {
      acc = 0;
    } else if (ipVersion == 4) {
      acc = Checksums.ipv4Pseudo(srcAddr(), dstAddr(), protocol, l4Len);
    } else {
      acc = Checksums.ipv6Pseudo(buf, l3Off + 8, l3Off + 24, protocol, l4Len);
    }
    return Checksums.fold(Checksums.sum(buf, l4Off, l4Len, acc)) == 0xffff;
  }
}
