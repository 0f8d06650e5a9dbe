package io.nfeval.rules;

import io.nfeval.rules.ext.ExtContext;
import java.util.List;
import java.util.Map;

/**
 * The tables iptables knows and their built-in chains in hook order, as the kernel registers them
 * ({@code iptable_filter.c}, {@code iptable_nat.c}, {@code iptable_mangle.c}, {@code iptable_raw.c},
 * {@code iptable_security.c}) and iptables-save lists them.
 */
public final class Builtins {
  private static final Map<String, List<String>> CHAINS = Map.of(
      "filter", List.of("INPUT", "FORWARD", "OUTPUT"),
      "nat", List.of("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
      "mangle", List.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
      "raw", List.of("PREROUTING", "OUTPUT"),
      "security", List.of("INPUT", "FORWARD", "OUTPUT"));

  private Builtins() {}

  /** Built-in chains of a table in hook order, or null for an unknown table. */
  public static List<String> chains(String table) {
    return CHAINS.get(table);
  }

  public static boolean isBuiltin(String table, String chain) {
    final List<String> c = CHAINS.get(table);
    return c != null && c.contains(chain);
  }

  /** The {@link ExtContext} hook bit of a built-in chain name, or -1 for a user chain. */
  public static int hook(String table, String chain) {
    if (!isBuiltin(table, chain)) {
      return -1;
    }
    return switch (chain) {
      case "PREROUTING" -> ExtContext.PRE_ROUTING;
      case "INPUT" -> ExtContext.LOCAL_IN;
      case "FORWARD" -> ExtContext.FORWARD;
      case "OUTPUT" -> ExtContext.LOCAL_OUT;
      default -> ExtContext.POST_ROUTING;
    };
  }
}
