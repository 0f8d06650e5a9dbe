package io.nfeval.ipset;

import io.nfeval.InputException;
import io.nfeval.rules.ext.ExtException;
import io.nfeval.rules.ext.Num;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@code ipset save} output ({@code create NAME TYPE opts} and {@code add NAME ELEMENT opts}
 * lines). Options that do not change membership (hashsize, maxelem, comment, skbinfo, counters values)
 * are accepted and ignored; {@code timeout} and {@code nomatch} are kept.
 */
public final class IpsetParser {
  private static final Map<String, Integer> ICMP = Map.of("echo-reply", 0, "echo-request", 8 << 8,
      "destination-unreachable", 3 << 8, "port-unreachable", 3 << 8 | 3, "host-unreachable", 3 << 8 | 1,
      "time-exceeded", 11 << 8, "network-unreachable", 3 << 8, "fragmentation-needed", 3 << 8 | 4);

  private IpsetParser() {}

  public static IpsetRegistry parse(Path file) {
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (IOException | java.io.UncheckedIOException e) {
      throw InputException.ofFile(file, "cannot read: " + e.getMessage(), e);
    }
  }

  /** A builder for one set while its lines are read. */
  private static final class Builder {
    String name;
    SetType type;
    boolean inet6;
    long timeout = -1;
    boolean counters;
    int netmask = 32;
    long rangeMin;
    long rangeMax = 0xffffffffL;
    int line;
    final List<IpsetDef.Entry> entries = new ArrayList<>();

    IpsetDef build() {
      return new IpsetDef(name, type, inet6, timeout, counters, netmask, rangeMin, rangeMax, entries, line);
    }
  }

  public static IpsetRegistry parse(String text, String file) {
    final Map<String, Builder> sets = new LinkedHashMap<>();
    final String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      final String l = lines[i].strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      try {
        line(tokens(l), sets, i + 1);
      } catch (ExtException | IllegalArgumentException e) {
        throw InputException.atLine(file, i + 1, e.getMessage());
      } catch (IndexOutOfBoundsException | ArithmeticException e) {
        throw InputException.atLine(file, i + 1, "malformed line (missing value?)");
      }
    }
    final List<IpsetDef> defs = new ArrayList<>();
    sets.values().forEach(b -> defs.add(b.build()));
    return new IpsetRegistry(defs);
  }

  private static List<String> tokens(String l) {
    final List<String> out = new ArrayList<>();
    final StringBuilder cur = new StringBuilder();
    boolean q = false;
    boolean in = false;
    for (int i = 0; i < l.length(); i++) {
      final char c = l.charAt(i);
      if (c == '"') {
        q = !q;
        in = true;
      } else if (!q && Character.isWhitespace(c)) {
        if (in) {
          out.add(cur.toString());
          cur.setLength(0);
          in = false;
        }
      } else {
        cur.append(c);
        in = true;
      }
    }
    if (q) {
      throw new IllegalArgumentException("unterminated quote");
    }
    if (in) {
      out.add(cur.toString());
    }
    return out;
  }

  private static void line(List<String> t, Map<String, Builder> sets, int line) {
    final String cmd = t.get(0);
    if (cmd.equals("create") || cmd.equals("-N") || cmd.equals("n")) {
      if (t.size() < 3) {
        throw new ExtException("create needs a name and a type");
      }
      final Builder b = new Builder();
      b.name = t.get(1);
      b.type = SetType.of(t.get(2));
      b.line = line;
      if (b.type == null) {
        throw new ExtException("unsupported set type \"" + t.get(2) + "\"");
      }
      if (sets.containsKey(b.name)) {
        throw new ExtException("set " + b.name + " already exists");
      }
      for (int i = 3; i < t.size(); i++) {
        final String o = t.get(i);
        switch (o) {
          case "family" -> b.inet6 = t.get(++i).equals("inet6");
          case "timeout" -> b.timeout = num(t.get(++i));
          case "counters" -> b.counters = true;
          case "netmask" -> b.netmask = (int) Num.parseUnsigned(t.get(++i), 32, "netmask");
          case "range" -> {
            final String r = t.get(++i);
            if (b.type == SetType.BITMAP_PORT) {
              final int dash = r.indexOf('-');
              b.rangeMin = Num.port(r.substring(0, dash));
              b.rangeMax = Num.port(r.substring(dash + 1));
            } else {
              final long[] ab = ipRange(r);
              b.rangeMin = ab[0];
              b.rangeMax = ab[1];
            }
          }
          case "hashsize", "maxelem", "size", "bucketsize", "initval", "markmask", "probes", "resize" -> i++;
          case "comment", "skbinfo", "forceadd", "bitmask" -> {
            if (o.equals("bitmask")) {
              i++;
            }
          }
          default -> throw new ExtException("unknown create option \"" + o + "\"");
        }
      }
      sets.put(b.name, b);
      return;
    }
    if (cmd.equals("add") || cmd.equals("-A") || cmd.equals("a")) {
      if (t.size() < 3) {
        throw new ExtException("add needs a set name and an element");
      }
      final Builder b = sets.get(t.get(1));
      if (b == null) {
        throw new ExtException("add to unknown set " + t.get(1));
      }
      long timeout = -1;
      boolean nomatch = false;
      long packets = 0;
      long bytes = 0;
      for (int i = 3; i < t.size(); i++) {
        switch (t.get(i)) {
          case "timeout" -> timeout = num(t.get(++i));
          case "nomatch" -> nomatch = true;
          case "packets" -> packets = counter(t, ++i);
          case "bytes" -> bytes = counter(t, ++i);
          case "comment", "skbmark", "skbprio", "skbqueue" -> i++;
          default -> throw new ExtException("unknown add option \"" + t.get(i) + "\"");
        }
      }
      if (b.inet6) {
        b.entries.add(new IpsetDef.Entry(0, 0, 0, 0, t.get(2), nomatch, timeout, line));
        return;
      }
      final int first = b.entries.size();
      element(b, t.get(2), nomatch, timeout, line);
      if (packets != 0 || bytes != 0) {
        // the counters ipset save printed (ip_set_init_counter on restore)
        for (int i = first; i < b.entries.size(); i++) {
          b.entries.set(i, b.entries.get(i).withCounters(packets, bytes));
        }
      }
      return;
    }
    throw new ExtException("unknown ipset command \"" + cmd + "\"");
  }

  private static long counter(List<String> t, int i) {
    if (i >= t.size()) {
      throw new ExtException("missing counter value");
    }
    try {
      return Long.parseUnsignedLong(t.get(i));
    } catch (NumberFormatException e) {
      throw new ExtException("bad counter value \"" + t.get(i) + "\"");
    }
  }

  private static long num(String s) {
    return Num.parseUnsigned(s, 0xffffffffL, "number");
  }

  private static long[] ipRange(String s) {
    final int dash = s.indexOf('-');
    if (dash >= 0) {
      final long a = Num.ipv4(s.substring(0, dash)) & 0xffffffffL;
      final long b = Num.ipv4(s.substring(dash + 1)) & 0xffffffffL;
      if (a > b) {
        throw new ExtException("bad range " + s);
      }
      return new long[] {a, b};
    }
    final int[] am = Num.addrMask(s);
    final long a = am[0] & 0xffffffffL;
    return new long[] {a, a | (~am[1] & 0xffffffffL)};
  }

  /** Returns {net, cidr}. */
  private static long[] net(String s) {
    final int slash = s.indexOf('/');
    final int cidr = slash < 0 ? 32 : (int) Num.parseUnsigned(s.substring(slash + 1), 32, "cidr");
    final int a = Num.ipv4(slash < 0 ? s : s.substring(0, slash));
    final long m = cidr == 0 ? 0 : (0xffffffffL << (32 - cidr)) & 0xffffffffL;
    return new long[] {(a & 0xffffffffL) & m, cidr};
  }

  /** Returns {proto, port}; default protocol tcp. */
  private static int[] protoPort(String s) {
    final int colon = s.indexOf(':');
    if (colon < 0) {
      return new int[] {6, Num.port(s)};
    }
    final String p = s.substring(0, colon).toLowerCase(Locale.ROOT);
    final String v = s.substring(colon + 1);
    return switch (p) {
      case "tcp" -> new int[] {6, Num.port(v)};
      case "udp" -> new int[] {17, Num.port(v)};
      case "sctp" -> new int[] {132, Num.port(v)};
      case "udplite" -> new int[] {136, Num.port(v)};
      case "icmp" -> {
        final Integer named = ICMP.get(v);
        if (named != null) {
          yield new int[] {1, named};
        }
        final int slash = v.indexOf('/');
        if (slash < 0) {
          throw new ExtException("bad ICMP type/code \"" + v + "\"");
        }
        yield new int[] {1, (int) Num.parseUnsigned(v.substring(0, slash), 255, "type") << 8
            | (int) Num.parseUnsigned(v.substring(slash + 1), 255, "code")};
      }
      default -> new int[] {(int) Num.parseUnsigned(p, 255, "protocol"), 0};
    };
  }

  private static long ipPort(long ip, int[] pp) {
    return ip | ((long) pp[0] << 32) | ((long) pp[1] << 40);
  }

  private static void element(Builder b, String e, boolean nomatch, long timeout, int line) {
    final String[] p = e.split(",", -1);
    if (b.type != SetType.LIST_SET && p.length != b.type.dimensions()) {
      throw new ExtException("element \"" + e + "\" does not fit " + b.type.text());
    }
    final long nm = b.netmask == 0 ? 0 : (0xffffffffL << (32 - b.netmask)) & 0xffffffffL;
    switch (b.type) {
      case HASH_IP, BITMAP_IP -> {
        final long[] r = p[0].contains("-") || p[0].contains("/") ? ipRange(p[0]) : ipRange(p[0] + "/32");
        if (r[1] - r[0] > 1 << 20) {
          throw new ExtException("range too large: " + p[0]);
        }
        for (long a = r[0]; a <= r[1]; a++) {
          b.entries.add(new IpsetDef.Entry(a & nm, 0, 32, 32, null, false, timeout, line));
        }
      }
      case BITMAP_PORT -> {
        final int dash = p[0].indexOf('-');
        final int lo = Num.port(dash < 0 ? p[0] : p[0].substring(0, dash));
        final int hi = dash < 0 ? lo : Num.port(p[0].substring(dash + 1));
        for (int x = lo; x <= hi; x++) {
          b.entries.add(new IpsetDef.Entry(x, 0, 32, 32, null, false, timeout, line));
        }
      }
      case HASH_MAC -> b.entries.add(new IpsetDef.Entry(mac(p[0]), 0, 32, 32, null, false, timeout, line));
      case HASH_NET -> {
        final long[] n = net(p[0]);
        b.entries.add(new IpsetDef.Entry(n[0] | n[1] << 32, 0, (int) n[1], 32, null, nomatch, timeout, line));
      }
      case HASH_NET_IFACE -> {
        final long[] n = net(p[0]);
        final String iface = p[1].startsWith("physdev:") ? p[1].substring(8) : p[1];
        b.entries.add(new IpsetDef.Entry(n[0] | n[1] << 32, 0, (int) n[1], 32, iface, nomatch, timeout, line));
      }
      case HASH_IP_PORT -> b.entries.add(new IpsetDef.Entry(ipPort(net(p[0])[0], protoPort(p[1])), 0, 32, 32,
          null, false, timeout, line));
      case HASH_NET_PORT -> {
        final long[] n = net(p[0]);
        b.entries.add(new IpsetDef.Entry(ipPort(n[0], protoPort(p[1])) | n[1] << 56, 0, (int) n[1], 32, null,
            nomatch, timeout, line));
      }
      case HASH_IP_PORT_IP -> b.entries.add(new IpsetDef.Entry(ipPort(net(p[0])[0], protoPort(p[1])),
          net(p[2])[0], 32, 32, null, false, timeout, line));
      case HASH_IP_PORT_NET -> {
        final long[] n2 = net(p[2]);
        b.entries.add(new IpsetDef.Entry(ipPort(net(p[0])[0], protoPort(p[1])), n2[0] | n2[1] << 32, 32,
            (int) n2[1], null, nomatch, timeout, line));
      }
      case LIST_SET -> b.entries.add(new IpsetDef.Entry(0, 0, 32, 32, e, false, timeout, line));
      default -> throw new ExtException("unsupported type");
    }
  }

  /** Parses {@code aa:bb:cc:dd:ee:ff}. */
  public static long mac(String s) {
    final String[] p = s.split(":", -1);
    if (p.length != 6) {
      throw new ExtException("bad MAC address \"" + s + "\"");
    }
    long v = 0;
    for (String x : p) {
      try {
        final int b = Integer.parseInt(x, 16);
        if (x.isEmpty() || x.length() > 2 || b < 0) {
          throw new NumberFormatException();
        }
        v = v << 8 | b;
      } catch (NumberFormatException ex) {
        throw new ExtException("bad MAC address \"" + s + "\"");
      }
    }
    return v;
  }
}
