package io.nfeval.rules;

/**
 * A finding about a parsed ruleset that does not stop parsing (an unknown module accepted under
 * {@link ParseOptions.UnknownPolicy}, a -6 line skipped, ...).
 */
public record Diagnostic(SourceRef source, String message) {
  @Override
  public String toString() {
    return source + ": " + message;
  }
}
