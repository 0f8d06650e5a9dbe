package io.nfeval.engine;

/** What finally happened to a packet. */
public enum Disposition {
  /** Delivered to a local socket (passed INPUT). */
  DELIVERED("accept:input"),
  /** Forwarded and sent out (passed FORWARD and POSTROUTING). */
  FORWARDED("accept:forward"),
  /** Bridged at layer 2 under br_netfilter (passed FORWARD and POSTROUTING of the bridge). */
  BRIDGED("accept:bridge"),
  /** Dropped by the bridge: a frame would have to leave through the port it came in on. */
  BRIDGE_DROP("drop:bridge-hairpin"),
  /** Locally generated and sent out (passed OUTPUT and POSTROUTING). */
  SENT("accept:output"),
  /** Dropped by a rule or policy (see the trace for the hook and table). */
  DROPPED("drop"),
  /** Refused with REJECT (a drop that answers). */
  REJECTED("reject"),
  /** Queued to userspace: no listener in a replay, so the kernel drops it. */
  QUEUED("queue"),
  /** Dropped by the routing decision (martian, rp_filter, no route, forwarding off). */
  ROUTING_DROP("drop:routing"),
  /** Dropped because the TTL ran out while forwarding. */
  TTL_EXCEEDED("drop:ttl"),
  /** Too big for the next link with DF set (ip_forward sends ICMP fragmentation needed). */
  FRAG_NEEDED("drop:frag-needed"),
  /** Dropped by conntrack itself. */
  CONNTRACK_DROP("drop:conntrack"),
  /** A fragment held for reassembly (it is evaluated as part of the whole datagram). */
  FRAGMENT_HELD("held:defrag"),
  /** Not evaluated: not IPv4, or malformed. */
  NOT_EVALUATED("not-evaluated"),
  /** Not evaluated: a captured arrival on lo, which nfeval produces itself from the sent packet. */
  LOOPBACK_SKIPPED("skipped:loopback");

  private final String label;

  Disposition(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
