package io.nfeval.rules.ext;

/**
 * One match of a rule (the kernel's {@code struct xt_entry_match}). Implementations are immutable and
 * hold their options as typed final fields.
 */
public interface Match {
  /** The module name as after {@code -m} (e.g. {@code tcp}). */
  String name();

  /** Appends the canonical iptables-save text of this match, starting with {@code " -m name"}. */
  void save(StringBuilder sb);

  /**
   * Evaluates the match on a packet, as the kernel's {@code xt_match->match()}: true when it matches
   * (inversion included). A match that finds the packet too broken calls {@link PacketContext#hotdrop()}.
   */
  boolean matches(PacketContext ctx);

  /**
   * Per-rule mutable state this match needs while evaluating (token buckets, counters), created once
   * per rule by the engine and handed back through {@link PacketContext#matchState()}; null if none.
   */
  default Object newState() {
    return null;
  }

  /**
   * Whether this match's verdict on a packet may depend on packets evaluated before it (a token bucket,
   * a counter, a table of recent sources): the engine then evaluates packets in capture order, one at
   * a time. By default, exactly the matches that keep {@link #newState() state}.
   */
  default boolean dependsOnEarlierPackets() {
    return newState() != null;
  }
}
