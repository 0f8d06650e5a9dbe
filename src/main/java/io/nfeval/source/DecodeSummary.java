package io.nfeval.source;

import io.nfeval.packet.LinkType;
import io.nfeval.packet.Malformed;
import io.nfeval.packet.PacketView;
import java.io.PrintWriter;
import java.util.Arrays;

/**
 * Counts decoded packets for the decode summary that {@code nfeval replay} prints (and the engine
 * prints after evaluation): packets and bytes by linktype and by protocol, not-evaluable packets and
 * malformed ones by {@link Malformed} reason, snaplen-truncated packets, and direction. Allocation-free
 * per packet; one instance per thread, {@link #merge} to combine.
 *
 * <p>Bytes by linktype are frame bytes on the wire (pcap "len"); bytes by protocol are what the kernel
 * counts for an IP packet (the IP total length, as iptables' byte counters) and the wire length for the
 * rest.
 */
public final class DecodeSummary {
  public static final int TCP = 0;
  public static final int UDP = 1;
  public static final int ICMP = 2;
  public static final int OTHER_IPV4 = 3;
  public static final int IPV6 = 4;
  public static final int NON_IP = 5;
  /** No IP header decoded for another reason: unsupported linktype, malformed or cut link/IP header. */
  public static final int UNDECODED = 6;
  private static final String[] PROTO_NAMES = {
    "tcp", "udp", "icmp", "other_ipv4", "ipv6", "non_ip", "undecoded"};

  private int[] linkTypes = new int[4];
  private long[] linkPackets = new long[4];
  private long[] linkBytes = new long[4];
  private int nLinks;
  private final long[] protoPackets = new long[PROTO_NAMES.length];
  private final long[] protoBytes = new long[PROTO_NAMES.length];
  private final long[] codes = new long[Malformed.COUNT];
  private long packets;
  private long bytes;
  private long truncated;
  private long arriving;
  private long local;
  private String[] ingressNames = new String[4];
  private long[] ingressPackets = new long[4];
  private int nIngress;

  /** Counts one packet after {@code v.decode()} returned {@code code}; {@code isLocal} its direction. */
  public void add(CapturedPacket p, PacketView v, int code, boolean isLocal) {
    final long wire = Integer.toUnsignedLong(p.wireLen());
    packets++;
    bytes += wire;
    final int li = linkIndex(p.linkType());
    linkPackets[li]++;
    linkBytes[li] += wire;
    final int proto = protocolClass(v, code);
    protoPackets[proto]++;
    protoBytes[proto] += v.ipVersion() != 0 ? v.ipLength() : wire;
    codes[code]++;
    if (v.truncated()) {
      truncated++;
    }
    if (isLocal) {
      local++;
    } else {
      arriving++;
    }
  }

  /**
   * As {@link #add(CapturedPacket, PacketView, int, boolean)}, also counting the ingress interface
   * (null = unknown); names should be the interned Strings of {@link PacketOrigins}.
   */
  public void add(CapturedPacket p, PacketView v, int code, boolean isLocal, String ingress) {
    add(p, v, code, isLocal);
    final int i = ingressIndex(ingress); // before reading the field: ingressIndex may grow the array
    ingressPackets[i]++;
  }

  private int ingressIndex(String name) {
    for (int i = 0; i < nIngress; i++) {
      if (ingressNames[i] == name || (name != null && name.equals(ingressNames[i]))) {
        return i;
      }
    }
    if (nIngress == ingressNames.length) {
      ingressNames = Arrays.copyOf(ingressNames, nIngress * 2);
      ingressPackets = Arrays.copyOf(ingressPackets, nIngress * 2);
    }
    ingressNames[nIngress] = name;
    return nIngress++;
  }

  /** The protocol class of a decoded packet: {@link #TCP} ... {@link #UNDECODED}. */
  public static int protocolClass(PacketView v, int code) {
    if (v.ipVersion() == 4) {
      switch (v.protocol()) {
        case PacketView.IPPROTO_TCP: return TCP;
        case PacketView.IPPROTO_UDP: return UDP;
        case PacketView.IPPROTO_ICMP: return ICMP;
        default: return OTHER_IPV4;
      }
    }
    if (v.ipVersion() == 6) {
      return IPV6;
    }
    return code == Malformed.NOT_IP ? NON_IP : UNDECODED;
  }

  private int linkIndex(int lt) {
    for (int i = 0; i < nLinks; i++) {
      if (linkTypes[i] == lt) {
        return i;
      }
    }
    if (nLinks == linkTypes.length) {
      linkTypes = Arrays.copyOf(linkTypes, nLinks * 2);
      linkPackets = Arrays.copyOf(linkPackets, nLinks * 2);
      linkBytes = Arrays.copyOf(linkBytes, nLinks * 2);
    }
    linkTypes[nLinks] = lt;
    return nLinks++;
  }

  /** Adds another summary's counts (per-thread summaries merged at the end). */
  public void merge(DecodeSummary o) {
    for (int i = 0; i < o.nLinks; i++) {
      final int li = linkIndex(o.linkTypes[i]);
      linkPackets[li] += o.linkPackets[i];
      linkBytes[li] += o.linkBytes[i];
    }
    for (int i = 0; i < protoPackets.length; i++) {
      protoPackets[i] += o.protoPackets[i];
      protoBytes[i] += o.protoBytes[i];
    }
    for (int i = 0; i < codes.length; i++) {
      codes[i] += o.codes[i];
    }
    for (int i = 0; i < o.nIngress; i++) {
      final int j = ingressIndex(o.ingressNames[i]);
      ingressPackets[j] += o.ingressPackets[i];
    }
    packets += o.packets;
    bytes += o.bytes;
    truncated += o.truncated;
    arriving += o.arriving;
    local += o.local;
  }

  public long packets() {
    return packets;
  }

  public long bytes() {
    return bytes;
  }

  public long truncated() {
    return truncated;
  }

  /** Packets whose decode returned {@code code}. */
  public long count(int code) {
    return codes[code];
  }

  public long malformed() {
    long n = 0;
    for (int c = 0; c < codes.length; c++) {
      if (Malformed.isMalformed(c)) {
        n += codes[c];
      }
    }
    return n;
  }

  public long protocolPackets(int protoClass) {
    return protoPackets[protoClass];
  }

  public long protocolBytes(int protoClass) {
    return protoBytes[protoClass];
  }

  /** Packets counted for a LINKTYPE_ value. */
  public long linkTypePackets(int linkType) {
    for (int i = 0; i < nLinks; i++) {
      if (linkTypes[i] == linkType) {
        return linkPackets[i];
      }
    }
    return 0;
  }

  public long arriving() {
    return arriving;
  }

  public long local() {
    return local;
  }

  /**
   * Prints the summary: a headline, then sections "by linktype", "by protocol", "direction",
   * "not evaluated" and "malformed" (only non-zero lines; names are stable for scripts).
   */
  public void print(PrintWriter out) {
    out.printf("decode summary: %d packets, %d bytes, %d malformed, %d truncated by snaplen%n",
        packets, bytes, malformed(), truncated);
    out.println("by linktype:");
    final Integer[] order = new Integer[nLinks];
    for (int i = 0; i < nLinks; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Integer.compare(linkTypes[a], linkTypes[b]));
    for (int i : order) {
      out.printf("  %-24s %10d packets %12d bytes%n",
          LinkType.name(linkTypes[i]) + " (" + linkTypes[i] + ")", linkPackets[i], linkBytes[i]);
    }
    out.println("by protocol:");
    for (int i = 0; i < PROTO_NAMES.length; i++) {
      if (protoPackets[i] != 0) {
        out.printf("  %-24s %10d packets %12d bytes%n", PROTO_NAMES[i], protoPackets[i], protoBytes[i]);
      }
    }
    out.println("direction:");
    out.printf("  %-24s %10d packets%n", "arriving", arriving);
    out.printf("  %-24s %10d packets%n", "local", local);
    if (nIngress > 0) {
      out.println("ingress interface:");
      for (int i = 0; i < nIngress; i++) {
        out.printf("  %-24s %10d packets%n",
            ingressNames[i] == null ? "(unknown)" : ingressNames[i], ingressPackets[i]);
      }
    }
    out.println("not evaluated:");
    for (int c = Malformed.NOT_IP; c <= Malformed.HEADERS_NOT_CAPTURED; c++) {
      if (codes[c] != 0) {
        out.printf("  %-24s %10d packets%n", Malformed.name(c), codes[c]);
      }
    }
    out.println("malformed:");
    for (int c = 0; c < codes.length; c++) {
      if (Malformed.isMalformed(c) && codes[c] != 0) {
        out.printf("  %-32s %10d packets%n", Malformed.name(c), codes[c]);
      }
    }
    out.flush();
  }
}
