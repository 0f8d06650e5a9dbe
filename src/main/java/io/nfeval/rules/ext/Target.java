package io.nfeval.rules.ext;

/**
 * The target of a rule (the kernel's {@code struct xt_entry_target}). Implementations are immutable.
 */
public interface Target {
  /** The target name as after {@code -j} ({@code ACCEPT}, {@code DNAT}, a user chain, or "" for none). */
  String name();

  /** Appends the canonical iptables-save text, starting with {@code " -j NAME"} (or {@code " -g"}). */
  void save(StringBuilder sb);
}
