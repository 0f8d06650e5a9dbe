package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -m u32 --u32 "tests"} ({@code xt_u32.c}). The expression is parsed into its numbers and
 * operators and printed back as {@code u32_dump} does: every number in hex, no spaces.
 * (Evaluation is future work; the test text is kept in canonical form.)
 */
public final class U32Match implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("u32",
      List.of(invArg("u32")), Map.of(), U32Match::new);

  private final String tests;
  private final boolean invert;

  private U32Match(Opts o, ExtContext c) {
    o.require("u32: --u32 is required", "u32");
    tests = canonical(o.str("u32"));
    invert = o.inv("u32");
  }

  private static String canonical(String s) {
    final StringBuilder out = new StringBuilder();
    final String t = s.replaceAll("\\s+", "");
    if (t.isEmpty()) {
      throw new ExtException("u32: empty test");
    }
    int i = 0;
    while (i < t.length()) {
      final char ch = t.charAt(i);
      if (Character.isDigit(ch)) {
        int j = i;
        while (j < t.length() && (Character.isLetterOrDigit(t.charAt(j)))) {
          j++;
        }
        final long v = Num.tryUnsigned(t.substring(i, j));
        if (v < 0 || v > 0xffffffffL) {
          throw new ExtException("u32: bad number \"" + t.substring(i, j) + "\"");
        }
        out.append(Num.hex(v));
        i = j;
      } else if (t.startsWith("&&", i)) {
        out.append("&&");
        i += 2;
      } else if (t.startsWith("<<", i) || t.startsWith(">>", i)) {
        out.append(t, i, i + 2);
        i += 2;
      } else if ("&@=:,".indexOf(ch) >= 0) {
        out.append(ch);
        i++;
      } else {
        throw new ExtException("u32: unexpected character '" + ch + "'");
      }
    }
    return out.toString();
  }

  /** The tests in canonical text. */
  public String tests() { return tests; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "u32";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m u32").append(invert ? " ! --u32 \"" : " --u32 \"").append(tests).append('"');
  }
}
