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
     * An older iptables' syntax nfeval reads with that iptables' meaning, but which the iptables-restore
     * of today refuses (iptables 1.4's {@code --option ! value}).
     */
    LEGACY_SYNTAX
  }

  public Diagnostic(SourceRef source, String message) {
    this(source, message, Kind.GENERAL);
  }

  @Override
  public String toString() {
    return source + ": " + message;
  }
}
