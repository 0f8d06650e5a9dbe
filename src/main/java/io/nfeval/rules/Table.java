package io.nfeval.rules;

import java.util.List;

/** One table ({@code *filter}, {@code *nat}, ...) with its chains in iptables-save order. */
public final class Table {
  private final String name;
  private final List<Chain> chains;
  private final SourceRef source;

  public Table(String name, List<Chain> chains, SourceRef source) {
    this.name = name;
    this.chains = List.copyOf(chains);
    this.source = source;
  }

  public String name() { return name; }

  /** Built-in chains first in the kernel's hook order, then user chains sorted by name (as iptables-save). */
  public List<Chain> chains() { return chains; }

  /** The chain of that name, or null. */
  public Chain chain(String chainName) {
    for (Chain c : chains) {
      if (c.name().equals(chainName)) {
        return c;
      }
    }
    return null;
  }

  public SourceRef source() { return source; }
}
