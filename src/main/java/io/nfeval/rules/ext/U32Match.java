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

  // ---- evaluation (xt_u32.c u32_match_it) -------------------------------------------------------

  /** Operators of a location ({@code XT_U32_AND/LEFTSH/RIGHTSH/AT}). */
  private static final int AND = 0;
  private static final int LEFTSH = 1;
  private static final int RIGHTSH = 2;
  private static final int AT = 3;

  /** One test: location numbers and the operator before each, then value ranges. */
  private record Test(int[] ops, long[] nums, long[] min, long[] max) {}

  /** The tests, parsed once from the canonical text. */
  private static final class Program {
    final Test[] tests;

    Program(Test[] tests) {
      this.tests = tests;
    }
  }

  private Program program;

  private Program program() {
    Program p = program;
    if (p == null) {
      p = parseProgram(tests);
      program = p;
    }
    return p;
  }

  private static long num(String s) {
    return Num.tryUnsigned(s);
  }

  private static Program parseProgram(String text) {
    final String[] parts = text.split("&&");
    final Test[] out = new Test[parts.length];
    for (int t = 0; t < parts.length; t++) {
      final String p = parts[t];
      final int eq = p.indexOf('=');
      final String loc = p.substring(0, eq);
      final java.util.List<Integer> ops = new java.util.ArrayList<>();
      final java.util.List<Long> nums = new java.util.ArrayList<>();
      int i = 0;
      int op = AND;
      while (i < loc.length()) {
        int j = i;
        while (j < loc.length() && Character.isLetterOrDigit(loc.charAt(j))) {
          j++;
        }
        ops.add(op);
        nums.add(num(loc.substring(i, j)));
        if (j >= loc.length()) {
          break;
        }
        if (loc.startsWith("<<", j)) {
          op = LEFTSH;
          i = j + 2;
        } else if (loc.startsWith(">>", j)) {
          op = RIGHTSH;
          i = j + 2;
        } else if (loc.charAt(j) == '@') {
          op = AT;
          i = j + 1;
        } else {
          op = AND;
          i = j + 1;
        }
      }
      final String[] vals = p.substring(eq + 1).split(",");
      final long[] min = new long[vals.length];
      final long[] max = new long[vals.length];
      for (int k = 0; k < vals.length; k++) {
        final int c = vals[k].indexOf(':');
        min[k] = num(c < 0 ? vals[k] : vals[k].substring(0, c));
        max[k] = c < 0 ? min[k] : num(vals[k].substring(c + 1));
      }
      final int[] o = new int[ops.size()];
      final long[] n = new long[nums.size()];
      for (int k = 0; k < o.length; k++) {
        o[k] = ops.get(k);
        n[k] = nums.get(k);
      }
      out[t] = new Test(o, n, min, max);
    }
    return new Program(out);
  }

  /**
   * u32_mt / u32_match_it over the datagram from its IP header: each test reads a big-endian word
   * at the location, applies {@code &}, {@code <<}, {@code >>} and {@code @} (move the base by the
   * value and read at the next number), and needs the result in one of its ranges; a read past
   * skb->len fails the test. Bytes the capture did not keep make the answer assumed.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final io.nfeval.packet.PacketView v = ctx.ip();
    final long len = ctx.length() & 0xffffffffL;
    boolean ok = true;
    outer:
    for (Test t : program().tests) {
      long at = 0;
      long pos = t.nums()[0];
      if (len < 4 || pos > len - 4) {
        ok = false;
        break;
      }
      long val = PacketBytes.u32(v, (int) pos);
      if (val < 0) {
        ctx.assume("u32-truncated");
        return ctx.assumeUnknowableMatches();
      }
      for (int i = 1; i < t.ops().length; i++) {
        final long number = t.nums()[i];
        switch (t.ops()[i]) {
          case AND -> val &= number;
          case LEFTSH -> val = (val << (number & 31)) & 0xffffffffL;
          case RIGHTSH -> val = val >>> (number & 31);
          default -> {
            if (((at + val) & 0xffffffffL) < at) {
              ok = false;
              break outer;
            }
            at = (at + val) & 0xffffffffL;
            pos = number;
            if (at + 4 > 0xffffffffL || len < at + 4 || pos > len - at - 4) {
              ok = false;
              break outer;
            }
            val = PacketBytes.u32(v, (int) (at + pos));
            if (val < 0) {
              ctx.assume("u32-truncated");
              return ctx.assumeUnknowableMatches();
            }
          }
        }
      }
      boolean inRange = false;
      for (int i = 0; i < t.min().length; i++) {
        if (t.min()[i] <= val && val <= t.max()[i]) {
          inRange = true;
          break;
        }
      }
      if (!inRange) {
        ok = false;
        break;
      }
    }
    return ok != invert;
  }
}
