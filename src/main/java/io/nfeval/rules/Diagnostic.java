package io.nfeval.rules;

/**
 * A finding about a parsed ruleset that does not stop parsing (an unknown module accepted under
 * {@link ParseOptions.UnknownPolicy}, a -6 line skipped, ...).
 */
public record Diagnostic(SourceRef source, String message, Kind kind) {
  /** What a finding is, for those who treat kinds differently (check, the conformance runner). */
  public enum Kind {
    /** Skipped, kept under a policy, or left unresolved (a -6 line, an unknown module, a missing chain). */
    GENERAL,
    /**
     * A line nfeval reads but the iptables-restore of today refuses, so that the file would not load on
     * the host: an older iptables' syntax read with that iptables' meaning (iptables 1.4's {@code --option
     * ! value}), or whitespace iptables-restore does not strip (a {@code COMMIT} or table line of a CRLF
     * file, the last argument of a rule line of a CRLF file where it is not free text).
     */
    REFUSED_BY_RESTORE,
    /**
     * A line the kernel loads with a meaning its text hides: in a CRLF file, the CR that stays in a rule's
     * last argument when that is an interface name, which then matches no interface.
     */
    LOADS_OTHERWISE
  }

  public Diagnostic(SourceRef source, String message) {
    this(source, message, Kind.GENERAL);
  }

  @Override
  public String toString() {
    return source + ": " + message;
  }
}
