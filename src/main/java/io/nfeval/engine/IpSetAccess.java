package io.nfeval.engine;

import io.nfeval.rules.ext.PacketContext;

/**
 * The ipsets the set match and the SET target consult ({@code ip_set_test}, {@code ip_set_add},
 * {@code ip_set_del} of {@code net/netfilter/ipset/ip_set_core.c}). The engine hands every call of
 * {@link Skb} through this seam; the integrator wires it to the ipset package. Dimension {@code i}
 * of an element takes the packet's source when bit {@code i} of {@code srcFlags} is set, else its
 * destination (the {@code src,dst} flags of {@code --match-set}/{@code --add-set}).
 *
 * <p>Time is packet time ({@link PacketContext#nowNanos()}), for timeouts.
 */
public interface IpSetAccess {
  /** No sets at all: every test answers {@link PacketContext#IPSET_NO_SET}. */
  IpSetAccess NONE = new IpSetAccess() {
    @Override
    public int test(String set, PacketContext pkt, int srcFlags, int dims, boolean updateCounters) {
      return PacketContext.IPSET_NO_SET;
    }

    @Override
    public void add(String set, PacketContext pkt, int srcFlags, int dims, long timeout, boolean exist) {}

    @Override
    public void del(String set, PacketContext pkt, int srcFlags, int dims) {}
  };

  /** One of {@link PacketContext#IPSET_NO_SET}, {@code IPSET_NO}, {@code IPSET_YES}, {@code IPSET_NOMATCH}. */
  int test(String set, PacketContext pkt, int srcFlags, int dims, boolean updateCounters);

  /**
   * The set match's test with its counter conditions ({@code --packets-*}/{@code --bytes-*}: IPSET_COUNTER_*
   * operators, 0 none) and {@code ! --update-subcounters}. Implementations that keep no counters answer
   * without the conditions and say so.
   */
  default int test(String set, PacketContext pkt, int srcFlags, int dims, boolean updateCounters,
      boolean updateSubcounters, int packetsOp, long packets, int bytesOp, long bytes) {
    if (packetsOp != 0 || bytesOp != 0) {
      pkt.assume("set-counters");
    }
    return test(set, pkt, srcFlags, dims, updateCounters);
  }

  /** Adds the packet's element; {@code timeout} seconds or -1 for the set default. */
  void add(String set, PacketContext pkt, int srcFlags, int dims, long timeout, boolean exist);

  void del(String set, PacketContext pkt, int srcFlags, int dims);
}
