package io.nfeval.rules;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits an iptables-restore line into arguments as {@code add_param_to_argv} in iptables'
 * {@code xshared.c} does: whitespace separates, double (and single) quotes group, and inside quotes a
 * backslash escapes the next character.
 */
final class Tokenizer {
  private Tokenizer() {}

  /** Returns the arguments, or throws IllegalArgumentException for an unterminated quote. */
  static List<String> split(String line) {
    final List<String> out = new ArrayList<>();
    final StringBuilder cur = new StringBuilder();
    boolean inToken = false;
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      final char c = line.charAt(i);
      if (quote != 0) {
        if (c == '\\' && i + 1 < line.length()) {
          cur.append(line.charAt(++i));
        } else if (c == quote) {
          quote = 0;
        } else {
          cur.append(c);
        }
        continue;
      }
      if (c == '"' || c == '\'') {
        quote = c;
        inToken = true;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        if (inToken) {
          out.add(cur.toString());
          cur.setLength(0);
          inToken = false;
        }
      } else {
        cur.append(c);
        inToken = true;
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("unterminated quote");
    }
    if (inToken) {
      out.add(cur.toString());
    }
    return out;
  }
}
