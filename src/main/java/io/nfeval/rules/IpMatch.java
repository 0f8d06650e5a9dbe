package io.nfeval.rules;

import io.nfeval.rules.ext.Num;
import io.nfeval.rules.ext.Protocols;

/**
 * The fixed IPv4 header part of a rule, the kernel's {@code struct ipt_ip} matched by
 * {@code ip_packet_match} in {@code net/ipv4/netfilter/ip_tables.c}. Addresses are stored already
 * masked; interfaces keep iptables' {@code +} wildcard suffix; null means any interface.
 */
public final class IpMatch {
  /** The {@code -f} flag: {@code IPT_F_FRAG} with or without {@code IPT_INV_FRAG}. */
  public enum Fragment { NONE, FRAGS, NOT_FRAGS }

  /** Matches every packet. */
  public static final IpMatch ANY =
      new IpMatch(0, 0, false, 0, 0, false, null, false, null, false, 0, false, Fragment.NONE);

  private final int src;
  private final int srcMask;
  private final boolean invSrc;
  private final int dst;
  private final int dstMask;
  private final boolean invDst;
  private final String inIface;
  private final boolean invIn;
  private final String outIface;
  private final boolean invOut;
  private final int proto;
  private final boolean invProto;
  private final Fragment fragment;

  public IpMatch(int src, int srcMask, boolean invSrc, int dst, int dstMask, boolean invDst,
      String inIface, boolean invIn, String outIface, boolean invOut, int proto, boolean invProto,
      Fragment fragment) {
    this.src = src & srcMask;
    this.srcMask = srcMask;
    this.invSrc = invSrc;
    this.dst = dst & dstMask;
    this.dstMask = dstMask;
    this.invDst = invDst;
    this.inIface = inIface;
    this.invIn = invIn;
    this.outIface = outIface;
    this.invOut = invOut;
    this.proto = proto;
    this.invProto = invProto;
    this.fragment = fragment;
  }

  public int src() { return src; }
  public int srcMask() { return srcMask; }
  public boolean invSrc() { return invSrc; }
  public int dst() { return dst; }
  public int dstMask() { return dstMask; }
  public boolean invDst() { return invDst; }
  /** Input interface name, possibly ending in {@code +}; null = any. */
  public String inIface() { return inIface; }
  public boolean invIn() { return invIn; }
  /** Output interface name, possibly ending in {@code +}; null = any. */
  public String outIface() { return outIface; }
  public boolean invOut() { return invOut; }
  /** Protocol number, 0 = any. */
  public int proto() { return proto; }
  public boolean invProto() { return invProto; }
  public Fragment fragment() { return fragment; }

  /**
   * Appends the canonical text, in iptables-save's order: -s, -d, -i, -o, -p, -f
   * ({@code nft_ipv4_save_rule} / {@code print_rule4}). A source/destination of 0.0.0.0/0 without
   * {@code !} and an interface {@code +} without {@code !} print nothing.
   */
  public void save(StringBuilder sb) {
    if (srcMask != 0 || invSrc) {
      sb.append(invSrc ? " ! -s " : " -s ").append(Num.addrMask(src, srcMask));
    }
    if (dstMask != 0 || invDst) {
      sb.append(invDst ? " ! -d " : " -d ").append(Num.addrMask(dst, dstMask));
    }
    if (inIface != null) {
      sb.append(invIn ? " ! -i " : " -i ").append(inIface);
    }
    if (outIface != null) {
      sb.append(invOut ? " ! -o " : " -o ").append(outIface);
    }
    if (proto != 0 || invProto) {
      sb.append(invProto ? " ! -p " : " -p ").append(Protocols.name(proto));
    }
    if (fragment != Fragment.NONE) {
      sb.append(fragment == Fragment.NOT_FRAGS ? " ! -f" : " -f");
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof IpMatch m)) {
      return false;
    }
    final StringBuilder a = new StringBuilder();
    final StringBuilder b = new StringBuilder();
    save(a);
    m.save(b);
    return a.toString().equals(b.toString());
  }

  @Override
  public int hashCode() {
    final StringBuilder a = new StringBuilder();
    save(a);
    return a.toString().hashCode();
  }
}
