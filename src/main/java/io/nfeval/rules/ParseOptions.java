package io.nfeval.rules;

/**
 * How the parser treats what nfeval does not know, and iptables-restore's {@code --noflush}.
 *
 * @param unknown what to do with an unknown match or target module
 * @param noflush if true, a {@code *table} block adds to an earlier block of the same table instead of
 *     replacing it (iptables-restore {@code --noflush})
 */
public record ParseOptions(UnknownPolicy unknown, boolean noflush) {
  /** Unknown modules: fail (exit 2), or keep the rule flagged and assume it always/never matches. */
  public enum UnknownPolicy { FAIL, MATCH, NOMATCH }

  public static final ParseOptions DEFAULT = new ParseOptions(UnknownPolicy.FAIL, false);

  public static ParseOptions unknown(UnknownPolicy p) {
    return new ParseOptions(p, false);
  }
}
