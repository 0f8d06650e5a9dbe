package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;
import static io.nfeval.rules.ext.OptSpec.invArg;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** {@code -m string} ({@code xt_string.c}): a byte pattern searched in the packet with bm or kmp. */
public final class StringMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("string",
      List.of(invArg("string"), invArg("hex-string"), arg("algo"), arg("from"), arg("to"), flag("icase")),
      Map.of(), StringMatch::new);

  private final byte[] pattern;
  private final boolean invert;
  private final String algo;
  private final int from;
  private final int to;
  private final boolean icase;

  private StringMatch(Opts o, ExtContext c) {
    if (o.has("string") == o.has("hex-string")) {
      throw new ExtException("STRING match: exactly one of --string or --hex-string is required");
    }
    o.require("STRING match: You must specify `--algo'", "algo");
    algo = o.str("algo");
    if (!algo.equals("bm") && !algo.equals("kmp")) {
      throw new ExtException("STRING match: bad --algo \"" + algo + "\"");
    }
    pattern = o.has("string") ? o.str("string").getBytes(StandardCharsets.UTF_8) : hex(o.str("hex-string"));
    if (pattern.length == 0 || pattern.length > 128) {
      throw new ExtException("STRING match: pattern must be 1..128 bytes");
    }
    invert = o.inv("string") || o.inv("hex-string");
    from = o.has("from") ? (int) Num.parseUnsigned(o.str("from"), 65535, "from") : 0;
    to = o.has("to") ? (int) Num.parseUnsigned(o.str("to"), 65535, "to") : 65535;
    icase = o.has("icase");
  }

  private static byte[] hex(String s) {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    boolean inHex = false;
    for (int i = 0; i < s.length(); i++) {
      final char ch = s.charAt(i);
      if (ch == '|') {
        inHex = !inHex;
      } else if (inHex) {
        if (ch == ' ') {
          continue;
        }
        if (i + 1 >= s.length()) {
          throw new ExtException("STRING match: odd number of hex digits");
        }
        try {
          out.write(Integer.parseInt(s.substring(i, i + 2), 16));
        } catch (NumberFormatException e) {
          throw new ExtException("STRING match: bad hex digits");
        }
        i++;
      } else {
        out.write(ch);
      }
    }
    if (inHex) {
      throw new ExtException("STRING match: unterminated hex block");
    }
    return out.toByteArray();
  }

  public byte[] pattern() { return pattern.clone(); }
  public boolean invert() { return invert; }
  public String algo() { return algo; }
  public int from() { return from; }
  public int to() { return to; }
  public boolean icase() { return icase; }

  @Override
  public String name() {
    return "string";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m string");
    boolean printable = true;
    for (byte b : pattern) {
      printable &= b >= 0x20 && b < 0x7f;
    }
    if (printable) {
      sb.append(invert ? " ! --string \"" : " --string \"");
      for (byte b : pattern) {
        if (b == '"' || b == '\\') {
          sb.append('\\');
        }
        sb.append((char) b);
      }
    } else {
      sb.append(invert ? " ! --hex-string \"|" : " --hex-string \"|");
      for (byte b : pattern) {
        sb.append(String.format("%02x", b & 0xff));
      }
      sb.append('|');
    }
    sb.append("\" --algo ").append(algo);
    if (from != 0) {
      sb.append(" --from ").append(from);
    }
    if (to != 65535) {
      sb.append(" --to ").append(to);
    }
    if (icase) {
      sb.append(" --icase");
    }
  }
}
