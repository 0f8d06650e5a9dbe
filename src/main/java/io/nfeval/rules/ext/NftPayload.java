package io.nfeval.rules.ext;

import io.nfeval.packet.PacketView;

/**
 * The native nf_tables form iptables-nft 1.8 gives the tcp and udp matches ({@code add_nft_tcp},
 * {@code add_nft_udp}, {@code add_nft_tcpudp}, {@code add_nft_tcpflags} in iptables' {@code nft.c}):
 * payload loads from the transport header compared with cmp/range expressions. Unlike xt's
 * tcp_mt/udp_mt, a payload load reads at ihl*4 in every fragment (non-first fragments included:
 * observed on 6.18) and a load past the packet only ends the rule (NFT_BREAK), never hot-drops.
 */
final class NftPayload {
  private NftPayload() {}

  /**
   * Ports as add_nft_tcpudp compiles them: two single ports with the same inversion become one
   * 4-byte compare (so {@code ! --sport a ! --dport b} matches when either differs); otherwise a
   * port range that is not 0:65535 becomes a range compare (a full range is dropped, its inversion
   * with it).
   */
  static boolean ports(PacketView v, int sMin, int sMax, boolean invS, int dMin, int dMax, boolean invD) {
    final int th = PacketBytes.thoff(v);
    if (sMin != 0 && sMin == sMax && dMin != 0 && dMin == dMax && invS == invD) {
      final long word = PacketBytes.u32(v, th);
      if (word < 0) {
        return false;
      }
      return (word == (((long) sMin << 16) | dMin)) != invS;
    }
    if (sMin != 0 || sMax < 0xffff) {
      final int sp = PacketBytes.u16(v, th);
      if (sp < 0 || (sp >= sMin && sp <= sMax) == invS) {
        return false;
      }
    }
    if (dMin != 0 || dMax < 0xffff) {
      final int dp = PacketBytes.u16(v, th + 2);
      return dp >= 0 && (dp >= dMin && dp <= dMax) != invD;
    }
    return true;
  }

  /** add_nft_tcpflags: {@code th[13] & mask} compared (eq, or neq when inverted) with comp. */
  static boolean tcpFlags(PacketView v, int mask, int comp, boolean inv) {
    final int f = PacketBytes.u8(v, PacketBytes.thoff(v) + 13);
    return f >= 0 && ((f & mask) == comp) != inv;
  }
}
