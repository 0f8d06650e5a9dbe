package io.nfeval.rules;

import java.util.List;

/** A chain of a table: built-in (with a policy and policy counters) or user-defined. */
public final class Chain {
  private final String name;
  private final boolean builtin;
  private final String policy;
  private final long packets;
  private final long bytes;
  private final List<Rule> rules;
  private final SourceRef source;

  public Chain(String name, boolean builtin, String policy, long packets, long bytes, List<Rule> rules,
      SourceRef source) {
    this.name = name;
    this.builtin = builtin;
    this.policy = policy;
    this.packets = packets;
    this.bytes = bytes;
    this.rules = List.copyOf(rules);
    this.source = source;
  }

  public String name() { return name; }
  public boolean builtin() { return builtin; }
  /** "ACCEPT" or "DROP" for built-in chains; null for user chains. */
  public String policy() { return policy; }
  /** Policy counter packets (built-in) or the saved chain counter. */
  public long packets() { return packets; }
  public long bytes() { return bytes; }
  public List<Rule> rules() { return rules; }
  /** Where the chain was declared or first used; null if it is an implicit built-in chain. */
  public SourceRef source() { return source; }
}
