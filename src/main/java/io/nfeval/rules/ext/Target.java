package io.nfeval.rules.ext;

/**
 * The target of a rule (the kernel's {@code struct xt_entry_target}). Implementations are immutable.
 */
public interface Target {
  /** The target name as after {@code -j} ({@code ACCEPT}, {@code DNAT}, a user chain, or "" for none). */
  String name();

  /** Appends the canonical iptables-save text, starting with {@code " -j NAME"} (or {@code " -g"}). */
  void save(StringBuilder sb);

  /**
   * Runs the target on a packet, as the kernel's {@code xt_target->target()}: returns an
   * {@link XtVerdict} ({@code CONTINUE} for non-terminal targets). Targets that act on the engine's own
   * state (NAT, REJECT, CT, NFQUEUE, TRACE) are carried out by the engine instead, and the standard
   * targets (verdicts, jumps, none) by the evaluator: theirs throws IllegalStateException.
   */
  int execute(PacketContext ctx);
}
