package io.nfeval.rules.ext;

import java.util.Map;

/** TOS value parsing shared by {@code -m tos} and {@code -j TOS} ({@code tos_parse_symbolic}). */
final class Tos {
  private static final Map<String, Integer> NAMES = Map.of("Minimize-Cost", 0x02,
      "Maximize-Reliability", 0x04, "Maximize-Throughput", 0x08, "Minimize-Delay", 0x10,
      "Normal-Service", 0x00);

  private Tos() {}

  /** Returns {value, mask}: a name gives mask 0x3f, a bare number mask {@code defMask}. */
  static int[] parse(String s, int defMask) {
    final Integer n = NAMES.get(s);
    if (n != null) {
      return new int[] {n, 0x3f};
    }
    final int slash = s.indexOf('/');
    if (slash < 0) {
      return new int[] {(int) Num.parseUnsigned(s, 255, "TOS"), defMask};
    }
    return new int[] {(int) Num.parseUnsigned(s.substring(0, slash), 255, "TOS"),
        (int) Num.parseUnsigned(s.substring(slash + 1), 255, "TOS mask")};
  }

  static String hex2(int v) {
    return String.format("0x%02x", v);
  }
}
