package io.nfeval.rules.ext;

/** Helpers for the canonical text, mirroring iptables' print helpers. */
public final class Save {
  private static final String NO_QUOTE =
      "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

  private Save() {}

  /** Appends {@code " [!] --name"}. */
  public static StringBuilder opt(StringBuilder sb, boolean inv, String name) {
    return sb.append(inv ? " ! --" : " --").append(name);
  }

  /** Appends {@code " [!] --name value"}. */
  public static StringBuilder opt(StringBuilder sb, boolean inv, String name, String value) {
    return opt(sb, inv, name).append(' ').append(value);
  }

  /**
   * Appends a string argument as {@code xtables_save_string} does: bare when it is only
   * {@code [A-Za-z0-9_-]}, else in double quotes with {@code " \ '} escaped by a backslash.
   */
  public static StringBuilder string(StringBuilder sb, String value) {
    boolean plain = !value.isEmpty();
    for (int i = 0; i < value.length() && plain; i++) {
      plain = NO_QUOTE.indexOf(value.charAt(i)) >= 0;
    }
    sb.append(' ');
    if (plain) {
      return sb.append(value);
    }
    sb.append('"');
    for (int i = 0; i < value.length(); i++) {
      final char c = value.charAt(i);
      if (c == '"' || c == '\\' || c == '\'') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.append('"');
  }
}
