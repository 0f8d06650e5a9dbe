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
}
