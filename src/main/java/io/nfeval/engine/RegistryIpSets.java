package io.nfeval.engine;

import io.nfeval.ipset.IpSet;
import io.nfeval.ipset.IpsetRegistry;
import io.nfeval.ipset.SetKey;
import io.nfeval.ipset.SetType;
import io.nfeval.packet.PacketView;
import io.nfeval.rules.ext.PacketContext;

/**
 * The snapshot's ipsets behind the set match and the SET target: builds the lookup key from the
 * packet the way ip_set's {@code ip_set_get_ip4_port} / {@code ip4addrptr} do, dimension by dimension
 * (bit i of the flags: source, else destination), and keeps set time on packet time.
 */
final class RegistryIpSets implements IpSetAccess {
  private final IpsetRegistry registry;
  private final SetKey key = new SetKey();
  private long firstNanos = Long.MIN_VALUE;

  RegistryIpSets(IpsetRegistry registry) {
    this.registry = registry.start(0);
  }

  /** Set time in ms since the first packet: timeouts in ipset.save count from the snapshot. */
  private long now(PacketContext pkt) {
    if (firstNanos == Long.MIN_VALUE) {
      firstNanos = pkt.nowNanos();
    }
    return (pkt.nowNanos() - firstNanos) / 1_000_000L;
  }

  private boolean fill(IpSet set, PacketContext pkt, int srcFlags) {
    final PacketView v = pkt.ip();
    final boolean s0 = (srcFlags & 1) != 0;
    final boolean s1 = (srcFlags & 2) != 0;
    final boolean s2 = (srcFlags & 4) != 0;
    key.addr = s0 ? v.srcAddr() : v.dstAddr();
    key.addr2 = s2 ? v.srcAddr() : v.dstAddr();
    key.mac = pkt.hasSourceMac() ? pkt.sourceMac() : 0;
    key.iface = s1 ? pkt.inIface() : pkt.outIface();
    final SetType type = set.type();
    final boolean portFirst = type == SetType.BITMAP_PORT;
    final boolean sp = portFirst ? s0 : s1;
    key.proto = v.protocol();
    if (type == SetType.HASH_MAC && !pkt.hasSourceMac()) {
      return false;
    }
    switch (v.protocol()) {
      case PacketView.IPPROTO_TCP:
      case PacketView.IPPROTO_UDP:
      case 132:
        key.port = v.l4HeaderPresent() ? (sp ? v.srcPort() : v.dstPort()) : 0;
        break;
      case PacketView.IPPROTO_ICMP:
        key.port = v.l4HeaderPresent() ? (v.icmpType() << 8) | v.icmpCode() : 0;
        break;
      default:
        key.port = 0;
        break;
    }
    return true;
  }

  @Override
  public int test(String name, PacketContext pkt, int srcFlags, int dims, boolean updateCounters) {
    return test(name, pkt, srcFlags, dims, updateCounters, true, IpSet.COUNTER_NONE, 0, IpSet.COUNTER_NONE, 0);
  }

  @Override
  public int test(String name, PacketContext pkt, int srcFlags, int dims, boolean updateCounters,
      boolean updateSubcounters, int packetsOp, long packets, int bytesOp, long bytes) {
    final IpSet set = registry.get(name);
    if (set == null) {
      return PacketContext.IPSET_NO_SET;
    }
    if (set.type() == SetType.LIST_SET && set.def().counters()
        && (packetsOp != IpSet.COUNTER_NONE || bytesOp != IpSet.COUNTER_NONE)) {
      pkt.assume("set-counters of list:set " + name + " (its own per-member counters are not kept)");
    }
    if (!fill(set, pkt, srcFlags)) {
      return PacketContext.IPSET_NO;
    }
    final int r = set.lookup(key, now(pkt), pkt.length(), updateCounters, updateSubcounters, packetsOp, packets,
        bytesOp, bytes);
    return r == IpSet.MEMBER ? PacketContext.IPSET_YES
        : r == IpSet.NOMATCH ? PacketContext.IPSET_NOMATCH : PacketContext.IPSET_NO;
  }

  @Override
  public void add(String name, PacketContext pkt, int srcFlags, int dims, long timeout, boolean exist) {
    final IpSet set = registry.get(name);
    if (set != null && fill(set, pkt, srcFlags)) {
      set.add(key, timeout, exist, now(pkt), pkt.length());
    }
  }

  @Override
  public void del(String name, PacketContext pkt, int srcFlags, int dims) {
    final IpSet set = registry.get(name);
    if (set != null && fill(set, pkt, srcFlags)) {
      set.del(key);
    }
  }
}
