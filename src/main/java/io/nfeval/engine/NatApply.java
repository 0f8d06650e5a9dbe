package io.nfeval.engine;

import io.nfeval.nat.NatCore;
import io.nfeval.nat.NatRewrite;
import io.nfeval.packet.PacketView;
import io.nfeval.packet.PacketWriter;

/**
 * Writes a NAT translation into the packet bytes (nf_nat_ipv4_manip_pkt and the L4 manip functions of
 * nf_nat_proto.c), keeping checksums valid for the outer headers.
 */
final class NatApply {
  private NatApply() {}

  static void apply(Skb skb, NatRewrite rw) {
    final PacketView v = skb.view;
    if (rw.inner) {
      applyInner(skb, rw);
    }
    if (rw.manip == NatCore.MANIP_SRC) {
      if (v.srcAddr() != rw.addr) {
        PacketWriter.setSrcAddr(v, rw.addr);
      }
    } else {
      if (v.dstAddr() != rw.addr) {
        PacketWriter.setDstAddr(v, rw.addr);
      }
    }
    if (rw.hasPort && v.sctpHeaderPresent()) {
      // sctp_manip_pkt: the port; the kernel then recomputes the CRC32c, which nothing after NAT reads
      final int off = v.l4Offset() + (rw.manip == NatCore.MANIP_SRC ? 0 : 2);
      skb.buffer.putShort(off, (short) rw.port);
      return;
    }
    if (rw.hasPort && v.protocol() == PacketView.IPPROTO_GRE) {
      PacketWriter.setGreCallId(v, rw.port); // hasPort only for a destination manip
      return;
    }
    if (!rw.hasPort || !v.l4HeaderPresent()) {
      return;
    }
    final int proto = v.protocol();
    if (proto == PacketView.IPPROTO_ICMP) {
      if (!v.isIcmpError() && v.icmpId() != rw.port) {
        PacketWriter.setIcmpId(v, rw.port);
      }
      return;
    }
    if (rw.manip == NatCore.MANIP_SRC) {
      if (v.srcPort() != rw.port) {
        PacketWriter.setSrcPort(v, rw.port);
      }
    } else if (v.dstPort() != rw.port) {
      PacketWriter.setDstPort(v, rw.port);
    }
  }

  /** The quoted header of an ICMP error: addresses, then ports or the echo id. */
  private static void applyInner(Skb skb, NatRewrite rw) {
    final PacketView v = skb.view;
    final int ip = v.icmpInnerOffset();
    if (ip < 0 || ip + 20 > skb.present) {
      return;
    }
    final boolean src = rw.innerManip == NatCore.MANIP_SRC;
    skb.buffer.putInt(ip + (src ? 12 : 16), rw.innerAddr);
    final int l4 = v.icmpInnerL4Offset();
    if (!rw.innerHasPort || l4 < 0) {
      return;
    }
    final int proto = v.icmpInnerProtocol();
    if (proto == PacketView.IPPROTO_ICMP) {
      if (l4 + 6 <= skb.present) {
        skb.buffer.putShort(l4 + 4, (short) rw.innerPort);
      }
    } else if (proto == PacketView.IPPROTO_GRE) {
      // gre_manip_pkt on the quoted header: the call id, for a destination manip
      if (!src) {
        PacketWriter.putGreCallId(skb.buffer, l4, skb.present, rw.innerPort);
      }
    } else if (l4 + 4 <= skb.present) {
      skb.buffer.putShort(l4 + (src ? 0 : 2), (short) rw.innerPort);
    }
  }
}
