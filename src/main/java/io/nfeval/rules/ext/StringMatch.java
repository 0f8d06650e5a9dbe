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

  // ---- evaluation (xt_string.c string_mt, skb_find_text) ----------------------------------------

  /**
   * string_mt: the pattern must lie wholly within bytes [from, to) of the datagram (offset 0 is the
   * IP header), clipped to skb->len; --icase compares ASCII letters without case. bm and kmp find
   * the same occurrences in a linear buffer (the kernel's bm can miss a pattern spanning two skb
   * fragments; a replay's datagram is linear). If the capture cut the searched range short and the
   * pattern was not found in what remains, the answer is assumed.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final io.nfeval.packet.PacketView v = ctx.ip();
    final int end = Math.min(to, ctx.length());
    final int readable = Math.min(end, PacketBytes.readable(v));
    final java.nio.ByteBuffer b = v.buffer();
    final int base = v.l3Offset();
    final int n = pattern.length;
    for (int i = from; i + n <= readable; i++) {
      int k = 0;
      while (k < n && same(b.get(base + i + k), pattern[k])) {
        k++;
      }
      if (k == n) {
        return !invert;
      }
    }
    if (readable < end && from + n <= end) {
      ctx.assume("string-truncated");
      return ctx.assumeUnknowableMatches();
    }
    return invert;
  }

  private boolean same(byte a, byte p) {
    if (a == p) {
      return true;
    }
    if (!icase) {
      return false;
    }
    return Character.toLowerCase((char) (a & 0xff)) == Character.toLowerCase((char) (p & 0xff))
        && (a & 0xff) < 0x80 && (p & 0xff) < 0x80;
  }
}
