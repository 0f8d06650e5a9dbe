package io.nfeval.engine;

import io.nfeval.rules.Backend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which iptables tables run at each hook, and in which order: the kernel's hook priorities as data
 * ({@code include/uapi/linux/netfilter_ipv4.h}: RAW -300, CONNTRACK -200, MANGLE -150, NAT_DST -100,
 * FILTER 0, SECURITY 50, NAT_SRC 100, CONNTRACK_CONFIRM INT_MAX).
 *
 * <p>The back end matters: iptables-nft registers the security table at priority 150, after nat
 * INPUT (100); iptables-legacy at 50, before it (KERNEL-NOTES "Backends differ").
 */
public final class HookGraph {
  /** One step of a hook: a table, or one of conntrack's own hook functions. */
  public enum Step {
    RAW("raw"),
    CONNTRACK_IN(null),
    MANGLE("mangle"),
    NAT("nat"),
    FILTER("filter"),
    SECURITY("security"),
    CONNTRACK_CONFIRM(null);

    private final String table;

    Step(String table) {
      this.table = table;
    }

    /** The iptables table name, or null for conntrack's own steps. */
    public String table() {
      return table;
    }
  }

  private final Step[][] steps = new Step[5][];

  public HookGraph(Backend backend) {
    final int securityPrio = backend == Backend.LEGACY ? 50 : 150;
    for (Hook h : Hook.values()) {
      List<int[]> prio = new ArrayList<>();
      switch (h) {
        case PREROUTING:
          add(prio, Step.RAW, -300);
          add(prio, Step.CONNTRACK_IN, -200);
          add(prio, Step.MANGLE, -150);
          add(prio, Step.NAT, -100);
          break;
        case INPUT:
          add(prio, Step.MANGLE, -150);
          add(prio, Step.FILTER, 0);
          add(prio, Step.SECURITY, securityPrio);
          add(prio, Step.NAT, 100);
          add(prio, Step.CONNTRACK_CONFIRM, Integer.MAX_VALUE);
          break;
        case FORWARD:
          add(prio, Step.MANGLE, -150);
          add(prio, Step.FILTER, 0);
          add(prio, Step.SECURITY, securityPrio);
          break;
        case OUTPUT:
          add(prio, Step.RAW, -300);
          add(prio, Step.CONNTRACK_IN, -200);
          add(prio, Step.MANGLE, -150);
          add(prio, Step.NAT, -100);
          add(prio, Step.FILTER, 0);
          add(prio, Step.SECURITY, securityPrio);
          break;
        case POSTROUTING:
          add(prio, Step.MANGLE, -150);
          add(prio, Step.NAT, 100);
          add(prio, Step.CONNTRACK_CONFIRM, Integer.MAX_VALUE);
          break;
        default:
          throw new AssertionError(h);
      }
      // Stable sort by priority: equal priorities keep registration order, as nf_hook_entries.
      prio.sort((a, b) -> Integer.compare(a[1], b[1]));
      steps[h.ordinal()] = prio.stream().map(p -> Step.values()[p[0]]).toArray(Step[]::new);
    }
  }

  private static void add(List<int[]> list, Step s, int priority) {
    list.add(new int[] {s.ordinal(), priority});
  }

  /** The steps of a hook in the kernel's order. */
  public Step[] steps(Hook hook) {
    return steps[hook.ordinal()];
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Hook h : Hook.values()) {
      sb.append(h).append(": ").append(Arrays.toString(steps(h))).append('\n');
    }
    return sb.toString();
  }
}
