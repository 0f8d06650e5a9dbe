package io.nfeval.engine;

import io.nfeval.host.HostModel;
import io.nfeval.host.NetInterface;
import io.nfeval.host.RouteResult;

/**
 * An input routing decision computed ahead by the decode stage, on the addresses the packet arrived
 * with (mark 0). Routing is a pure function of the host model and its inputs, so when the engine
 * later routes the packet and its inputs are still these (no DNAT, no MARK or TOS rewrite in
 * PREROUTING, same host model), the decision is this one, and the lookup it saves, the heaviest part
 * of a stateless ruleset's per-packet work after the rules, ran on the other core. Any difference in
 * the inputs and the engine routes as usual. Reused per pipeline slot; written by the decode thread
 * and read by the evaluator after the ring's release/acquire hand-over.
 */
final class RouteHint {
  HostModel host;
  int saddr;
  int daddr;
  int tos;
  NetInterface in;
  boolean valid;
  /** The decision (a route cache's immutable pool entry). */
  RouteResult result;

  /** Whether this decision is the one for these inputs (mark 0) on {@code h}. */
  boolean answers(HostModel h, int s, int d, int t, NetInterface dev) {
    return valid && host == h && saddr == s && daddr == d && tos == t && in == dev;
  }
}
