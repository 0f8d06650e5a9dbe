package io.nfeval.rules.ext;

/**
 * A NAT range {@code [ip[-ip]][:port[-port[/base]]]} ({@code struct nf_nat_range2}), as DNAT/SNAT/
 * MASQUERADE/REDIRECT take it. Addresses 0 with {@link #hasAddr()} false mean "keep"/"interface address".
 */
public record NatRange(boolean hasAddr, int minAddr, int maxAddr, boolean hasPorts, int minPort, int maxPort,
    int basePort) {

  /** Parses DNAT/SNAT's {@code --to-destination}/{@code --to-source} argument. */
  static NatRange parse(String s, ExtContext c, boolean allowBase) {
    String addr = s;
    String ports = null;
    final int colon = s.indexOf(':');
    if (colon >= 0) {
      addr = s.substring(0, colon);
      ports = s.substring(colon + 1);
    }
    boolean hasAddr = false;
    int min = 0;
    int max = 0;
    if (!addr.isEmpty()) {
      final int dash = addr.indexOf('-');
      min = Num.ipv4(dash < 0 ? addr : addr.substring(0, dash));
      max = dash < 0 ? min : Num.ipv4(addr.substring(dash + 1));
      if (Integer.compareUnsigned(min, max) > 0) {
        throw new ExtException("bad address range \"" + addr + "\"");
      }
      hasAddr = true;
    }
    if (ports == null) {
      if (!hasAddr) {
        throw new ExtException("bad NAT range \"" + s + "\"");
      }
      return new NatRange(true, min, max, false, 0, 0, 0);
    }
    final int[] p = ports(ports, c, allowBase);
    return new NatRange(hasAddr, min, max, true, p[0], p[1], p[2]);
  }

  /** Appends {@code --to-ports MIN[-MAX]} as MASQUERADE's and REDIRECT's save print it. */
  static void saveToPorts(StringBuilder sb, int min, int max) {
    sb.append(" --to-ports ").append(min);
    if (max != min) {
      sb.append('-').append(max);
    }
  }

  /** Parses {@code port[-port[/base]]}; needs a protocol with ports. Returns {min, max, base}. */
  static int[] ports(String s, ExtContext c, boolean allowBase) {
    if (c.invProto() || (c.proto() != 6 && c.proto() != 17 && c.proto() != 132 && c.proto() != 33
        && c.proto() != 136)) {
      throw new ExtException("Need TCP, UDP, SCTP or DCCP with port specification");
    }
    String r = s;
    int base = 0;
    final int slash = s.indexOf('/');
    if (slash >= 0) {
      if (!allowBase) {
        throw new ExtException("bad port range \"" + s + "\"");
      }
      r = s.substring(0, slash);
      base = Num.port(s.substring(slash + 1));
      if (base == 0) {
        throw new ExtException("bad base port \"" + s + "\"");
      }
    }
    // a whole service name (may contain '-', e.g. ftp-data) or numeric a-b
    final int whole = Num.tryUnsigned(r) >= 0 || r.indexOf('-') < 0 ? Num.port(r) : Services.port(r);
    final int dash = r.indexOf('-');
    final int a;
    final int b;
    if (whole >= 0) {
      a = whole;
      b = whole;
    } else {
      final long x = Num.tryUnsigned(r.substring(0, dash));
      final long y = Num.tryUnsigned(r.substring(dash + 1));
      if (x < 0 || y < 0 || x > 65535 || y > 65535) {
        throw new ExtException("invalid port range \"" + r + "\"");
      }
      a = (int) x;
      b = (int) y;
    }
    if (a > b) {
      throw new ExtException("bad port range \"" + s + "\"");
    }
    return new int[] {a, b, base};
  }

  String text() {
    final StringBuilder sb = new StringBuilder();
    if (hasAddr) {
      sb.append(Num.ipv4(minAddr));
      if (maxAddr != minAddr) {
        sb.append('-').append(Num.ipv4(maxAddr));
      }
    }
    if (hasPorts) {
      sb.append(':').append(minPort);
      if (maxPort != minPort) {
        sb.append('-').append(maxPort);
      }
      if (basePort != 0) {
        sb.append('/').append(basePort);
      }
    }
    return sb.toString();
  }
}
