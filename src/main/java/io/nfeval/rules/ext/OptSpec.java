package io.nfeval.rules.ext;

/**
 * One command-line option of an extension, as in the {@code struct xt_option_entry} tables of
 * iptables' {@code extensions/libxt_*.c}: its long name, how many arguments it takes, and whether a
 * {@code !} may precede it.
 *
 * @param name long option name without the leading dashes
 * @param nargs number of arguments (0, 1, or 2 for {@code --tcp-flags}); {@link #OPTIONAL} for an
 *     argument taken only when the next word does not start with {@code -} or {@code !} (libxt_rateest)
 * @param invertible whether {@code ! --name} is allowed
 * @param multi whether the option may be given more than once
 */
public record OptSpec(String name, int nargs, boolean invertible, boolean multi) {
  /** {@link #nargs()} of an option whose argument is optional. */
  public static final int OPTIONAL = -1;

  public static OptSpec optArg(String name) {
    return new OptSpec(name, OPTIONAL, false, false);
  }

  public static OptSpec flag(String name) {
    return new OptSpec(name, 0, false, false);
  }

  public static OptSpec invFlag(String name) {
    return new OptSpec(name, 0, true, false);
  }

  public static OptSpec arg(String name) {
    return new OptSpec(name, 1, false, false);
  }

  public static OptSpec invArg(String name) {
    return new OptSpec(name, 1, true, false);
  }

  public static OptSpec multi(String name) {
    return new OptSpec(name, 1, false, true);
  }
}
