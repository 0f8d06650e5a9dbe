package io.nfeval.engine;

import io.nfeval.host.HostModel;
import io.nfeval.host.NetInterface;
import io.nfeval.host.RouteResult;
import io.nfeval.host.RouteType;
import io.nfeval.rules.ext.Jiffies;

/** The host questions extensions ask (addrtype, rpfilter), answered from the host model. */
final class HostView {
  HostModel host; // replaced (through use) when a RulesetSwap brings a new host model
  /** The host's tick rate (250 when its snapshot did not record it). */
  Jiffies ticks;
  /** Where its ticks fall: CLOCK_REALTIME - CLOCK_MONOTONIC, 0 when its snapshot did not record it. */
  long tickPhase;
  private final RouteResult scratch = new RouteResult();

  HostView(HostModel host) {
    use(host);
  }

  void use(HostModel h) {
    host = h;
    ticks = h.configHz() == HostModel.HZ_UNKNOWN ? Jiffies.DEFAULT : Jiffies.of(h.configHz());
    tickPhase = h.realtimeMinusMonotonic() == HostModel.CLOCK_UNKNOWN ? 0 : h.realtimeMinusMonotonic();
  }

  int addrType(int addr, String limitDev) {
    NetInterface dev = limitDev == null ? null : host.byName(limitDev);
    return host.addrType(addr, dev);
  }

  /**
   * xt_rpfilter's rpfilter_mt: broadcast/multicast and loopback packets pass; otherwise the reverse
   * route to the source (flowi4_iif = lo, so an output-style lookup) must be unicast (or local with
   * --accept-local) and, unless --loose, leave through the input device.
   */
  boolean rpfilterOk(Skb skb, boolean loose, boolean validMark, boolean acceptLocal) {
    if (skb.pktType == io.nfeval.packet.PacketView.PACKET_BROADCAST
        || skb.pktType == io.nfeval.packet.PacketView.PACKET_MULTICAST
        || (skb.in != null && skb.in.isLoopback())) {
      return true;
    }
    final int saddr = skb.saddr();
    final int daddr = skb.daddr();
    if (saddr == 0 && (daddr == -1 || (daddr & 0xffffff00) == 0xe0000000)) {
      return true;
    }
    final int flowSrc = (daddr & 0xf0000000) == 0xe0000000 || daddr == -1 ? 0 : daddr;
    final RouteResult rt = host.fib(scratch, flowSrc, saddr, skb.view.tos() & 0x1e,
        validMark ? skb.mark : 0);
    if (!rt.ok()) {
      return false;
    }
    if (rt.type() != RouteType.UNICAST) {
      if (rt.type() != RouteType.LOCAL || !acceptLocal) {
        return false;
      }
    }
    return loose || (rt.oif() != null && skb.in != null && rt.oif().index() == skb.in.index());
  }
}
