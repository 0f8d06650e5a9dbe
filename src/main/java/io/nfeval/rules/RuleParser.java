package io.nfeval.rules;

import io.nfeval.rules.ext.ExtContext;
import io.nfeval.rules.ext.ExtException;
import io.nfeval.rules.ext.ExtSpec;
import io.nfeval.rules.ext.Extensions;
import io.nfeval.rules.ext.JumpTarget;
import io.nfeval.rules.ext.Match;
import io.nfeval.rules.ext.NoTarget;
import io.nfeval.rules.ext.Num;
import io.nfeval.rules.ext.OptSpec;
import io.nfeval.rules.ext.Opts;
import io.nfeval.rules.ext.Protocols;
import io.nfeval.rules.ext.Save;
import io.nfeval.rules.ext.Target;
import io.nfeval.rules.ext.UnknownMatch;
import io.nfeval.rules.ext.UnknownTarget;
import io.nfeval.rules.ext.VerdictTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Parses the options of one rule ({@code -s ... -m tcp --dport 22 -j ACCEPT}) the way iptables'
 * {@code do_parse} in {@code iptables/xshared.c} does with getopt_long over the merged option tables:
 * an option goes to the most recently loaded extension that declares it, an unknown option loads the
 * protocol's match implicitly when {@code -p} was given, {@code !} may precede an option or (old
 * style) its value, and long options may be abbreviated to a unique prefix.
 */
final class RuleParser {
  /** The result: one IpMatch per address combination ({@code -s a,b} makes two rules). */
  record Parsed(List<IpMatch> ips, List<Match> matches, Target target, boolean unknown,
      long[] counters, boolean ipv6Only, List<String> intrapositioned) {}

  private static final Map<String, Character> BASE_LONG = Map.ofEntries(
      Map.entry("source", 's'), Map.entry("src", 's'), Map.entry("destination", 'd'),
      Map.entry("dst", 'd'), Map.entry("in-interface", 'i'), Map.entry("out-interface", 'o'),
      Map.entry("protocol", 'p'), Map.entry("fragment", 'f'), Map.entry("fragments", 'f'),
      Map.entry("jump", 'j'), Map.entry("goto", 'g'), Map.entry("match", 'm'),
      Map.entry("set-counters", 'c'), Map.entry("ipv4", '4'), Map.entry("ipv6", '6'));

  private static final java.util.Set<String> IPV6_ONLY = java.util.Set.of("icmp6", "icmpv6", "rt", "hl", "mh",
      "frag", "hbh", "dst", "ipv6header", "eui64", "srh");

  /** One loaded extension and the options given to it so far. */
  private static final class Loaded {
    final ExtSpec<?> spec;
    final Opts opts = new Opts();
    final boolean target;
    final String unknownName;
    final List<String> raw = new ArrayList<>();

    Loaded(ExtSpec<?> spec, boolean target, String unknownName) {
      this.spec = spec;
      this.target = target;
      this.unknownName = unknownName;
    }
  }

  private final List<String> args;
  private final String table;
  private final String chain;
  private final ParseOptions options;
  private int pos;
  private final List<Loaded> loaded = new ArrayList<>();
  private final List<String> srcs = new ArrayList<>();
  private final List<String> dsts = new ArrayList<>();
  private boolean invSrc;
  private boolean invDst;
  private String inIface;
  private boolean invIn;
  private String outIface;
  private boolean invOut;
  private int proto;
  private boolean invProto;
  private boolean protoGiven;
  private boolean protoLoaded;
  private IpMatch.Fragment fragment = IpMatch.Fragment.NONE;
  private String jumpName;
  private boolean isGoto;
  private Loaded targetExt;
  private long[] counters;
  private boolean ipv6Only;
  private boolean unknown;
  /**
   * Options written with iptables 1.4's intrapositioned negation ({@code -d ! X}, {@code --dport ! 22}):
   * read with that meaning, but iptables-restore 1.8.9 refuses the line, so the ruleset says so.
   */
  private final List<String> intrapositioned = new ArrayList<>();

  private final int hooks;

  private RuleParser(List<String> args, int start, String table, String chain, ParseOptions options, int hooks) {
    this.hooks = hooks;
    this.args = args;
    this.pos = start;
    this.table = table;
    this.chain = chain;
    this.options = options;
  }

  /** Parses {@code args[start..]}; throws ExtException with iptables-like messages on bad input. */
  static Parsed parse(List<String> args, int start, String table, String chain, ParseOptions options) {
    return new RuleParser(args, start, table, chain, options, Builtins.hook(table, chain)).run();
  }

  /**
   * Parses a user chain's rule again knowing which hooks reach the chain ({@link ExtContext} bits), so
   * that extensions check their hooks as the kernel's {@code xt_check_match/target} does at load time.
   */
  static Parsed parseForHooks(List<String> args, String table, String chain, ParseOptions options, int hooks) {
    return new RuleParser(args, 0, table, chain, options, hooks).run();
  }

  private Parsed run() {
    boolean inv = false;
    while (pos < args.size()) {
      final String t = args.get(pos++);
      if (t.equals("!")) {
        if (inv) {
          throw new ExtException("multiple consecutive ! not allowed");
        }
        inv = true;
        continue;
      }
      if (t.startsWith("--") && t.length() > 2) {
        longOption(t.substring(2), inv);
      } else if (t.startsWith("-") && t.length() >= 2) {
        shortOption(t.charAt(1), t.length() > 2 ? t.substring(2) : null, inv);
      } else {
        throw new ExtException("Bad argument `" + t + "'");
      }
      inv = false;
    }
    if (inv) {
      throw new ExtException("! not followed by an option");
    }
    return finish();
  }

  private void longOption(String nameEq, boolean inv) {
    String name = nameEq;
    String glued = null;
    final int eq = nameEq.indexOf('=');
    if (eq > 0) {
      name = nameEq.substring(0, eq);
      glued = nameEq.substring(eq + 1);
    }
    // exact match: most recently loaded extension first, then the base options
    for (int k = loaded.size() - 1; k >= 0; k--) {
      final Loaded l = loaded.get(k);
      if (l.spec != null && l.spec.option(name) != null) {
        extOption(l, l.spec.option(name), name, glued, inv);
        return;
      }
    }
    final Character base = BASE_LONG.get(name);
    if (base != null) {
      shortOption(base, glued, inv);
      return;
    }
    final Loaded lastLoaded = loaded.isEmpty() ? null : loaded.get(loaded.size() - 1);
    if (lastLoaded != null && lastLoaded.spec == null) {
      // options after an unknown module belong to it: keep them verbatim
      if (inv) {
        lastLoaded.raw.add("!");
      }
      lastLoaded.raw.add("--" + nameEq);
      while (pos < args.size() && !isBoundary(pos)) {
        lastLoaded.raw.add(args.get(pos++));
      }
      return;
    }
    if (loadImplicitProto()) {
      longOption(nameEq, inv);
      return;
    }
    // getopt_long accepts a unique abbreviation
    Loaded hit = null;
    OptSpec hitSpec = null;
    Character hitBase = null;
    int candidates = 0;
    for (int k = loaded.size() - 1; k >= 0; k--) {
      final Loaded l = loaded.get(k);
      if (l.spec == null) {
        continue;
      }
      for (String n : l.spec.optionNames()) {
        if (n.startsWith(name) && (hitSpec == null || l.spec.option(n) != hitSpec)) {
          candidates++;
          hit = l;
          hitSpec = l.spec.option(n);
        }
      }
    }
    for (Map.Entry<String, Character> e : BASE_LONG.entrySet()) {
      if (e.getKey().startsWith(name) && !e.getValue().equals(hitBase)) {
        candidates++;
        hitBase = e.getValue();
      }
    }
    if (candidates == 1 && hitSpec != null) {
      extOption(hit, hitSpec, name, glued, inv);
      return;
    }
    if (candidates == 1) {
      shortOption(hitBase, glued, inv);
      return;
    }
    final String after = loaded.isEmpty() ? "" : " (after " + (loaded.get(loaded.size() - 1).target ? "-j " : "-m ")
        + loaded.get(loaded.size() - 1).spec.name() + ")";
    throw new ExtException(candidates > 1 ? "option \"--" + name + "\" is ambiguous"
        : "unknown option \"--" + name + "\"" + after);
  }

  /** True when args[i] starts a new base option, match or target (ends an unknown module's options). */
  private boolean isBoundary(int i) {
    String t = args.get(i);
    if (t.equals("!") && i + 1 < args.size()) {
      t = args.get(i + 1);
      if (t.startsWith("--") && !BASE_LONG.containsKey(t.substring(2))) {
        return false;
      }
    }
    if (t.startsWith("--")) {
      return BASE_LONG.containsKey(t.substring(2));
    }
    return t.length() >= 2 && t.charAt(0) == '-' && "sdiopfjgmc46".indexOf(t.charAt(1)) >= 0;
  }

  /** iptables loads the match named after {@code -p} when it meets an option nobody knows. */
  private boolean loadImplicitProto() {
    if (protoLoaded || !protoGiven || invProto) {
      return false;
    }
    final ExtSpec<Match> spec = Extensions.match(Protocols.name(proto));
    if (spec == null) {
      return false;
    }
    protoLoaded = true;
    loaded.add(new Loaded(spec, false, null));
    return true;
  }

  private void extOption(Loaded l, OptSpec spec, String name, String glued, boolean inv) {
    final List<String> vals = new ArrayList<>();
    boolean invert = inv;
    if (spec.nargs() == OptSpec.OPTIONAL) {
      // libxt_rateest: the value is taken only when the next word is not an option or a "!"
      if (glued != null) {
        vals.add(glued);
      } else if (pos < args.size() && !args.get(pos).startsWith("-") && !args.get(pos).startsWith("!")) {
        vals.add(args.get(pos++));
      }
      l.opts.add(spec, invert, vals);
      return;
    }
    for (int k = 0; k < spec.nargs(); k++) {
      if (k == 0 && glued != null) {
        vals.add(glued);
        continue;
      }
      if (k == 0 && pos < args.size() && args.get(pos).equals("!") && spec.invertible()) {
        invert = true; // old style: --option ! value
        intrapositioned.add("--" + name);
        pos++;
      }
      if (pos >= args.size()) {
        throw new ExtException("option \"--" + name + "\" requires an argument");
      }
      vals.add(args.get(pos++));
    }
    l.opts.add(spec, invert, vals);
  }

  private String value(char opt, String glued) {
    if (glued != null) {
      return glued;
    }
    if (pos >= args.size()) {
      throw new ExtException("option \"-" + opt + "\" requires an argument");
    }
    return args.get(pos++);
  }

  private boolean oldInv(boolean inv, String glued) {
    if (glued == null && pos < args.size() && args.get(pos).equals("!")) {
      intrapositioned.add(args.get(pos - 1)); // the option as written: -d, --destination
      pos++;
      return true;
    }
    return inv;
  }

  private void shortOption(char c, String glued, boolean inv) {
    switch (c) {
      case 's', 'd' -> {
        final boolean i = oldInv(inv, glued);
        final String v = value(c, glued);
        final List<String> list = c == 's' ? srcs : dsts;
        if (!list.isEmpty()) {
          throw new ExtException("multiple -" + c + " flags not allowed");
        }
        for (String a : v.split(",")) {
          list.add(a);
        }
        if (c == 's') {
          invSrc = i;
        } else {
          invDst = i;
        }
      }
      case 'i', 'o' -> {
        final boolean i = oldInv(inv, glued);
        final String v = value(c, glued);
        if (v.length() > 15 || v.isEmpty()) {
          throw new ExtException("interface name `" + v + "' must be shorter than IFNAMSIZ (15)");
        }
        final String iface = v.equals("+") && !i ? null : v;
        if (c == 'i') {
          inIface = iface;
          invIn = i;
        } else {
          outIface = iface;
          invOut = i;
        }
      }
      case 'p' -> {
        final boolean i = oldInv(inv, glued);
        final String v = value(c, glued);
        if (protoGiven) {
          throw new ExtException("multiple -p flags not allowed");
        }
        proto = Protocols.parse(v);
        invProto = i;
        protoGiven = true;
        if (proto == 0 && i) {
          throw new ExtException("rule would never match protocol");
        }
      }
      case 'f' -> {
        if (fragment != IpMatch.Fragment.NONE) {
          throw new ExtException("multiple -f flags not allowed");
        }
        fragment = inv ? IpMatch.Fragment.NOT_FRAGS : IpMatch.Fragment.FRAGS;
      }
      case 'j', 'g' -> {
        noInv(inv, c);
        final String v = value(c, glued);
        if (jumpName != null) {
          throw new ExtException("multiple -j/-g flags not allowed");
        }
        jumpName = v;
        isGoto = c == 'g';
        if (!isGoto && VerdictTarget.of(v) == null) {
          final ExtSpec<Target> spec = Extensions.target(v);
          if (spec != null) {
            targetExt = new Loaded(spec, true, null);
            loaded.add(targetExt);
          } else if (looksLikeUnknownTarget()) {
            if (options.unknown() == ParseOptions.UnknownPolicy.FAIL) {
              throw new ExtException("unknown target '" + v + "'");
            }
            targetExt = new Loaded(null, true, v);
            loaded.add(targetExt);
            unknown = true;
          }
        }
      }
      case 'm' -> {
        noInv(inv, c);
        final String v = value(c, glued);
        final ExtSpec<Match> spec = Extensions.match(v);
        if (spec != null) {
          loaded.add(new Loaded(spec, false, null));
          if (v.equals(Protocols.name(proto))) {
            protoLoaded = true;
          }
        } else {
          if (options.unknown() == ParseOptions.UnknownPolicy.FAIL) {
            throw new ExtException("unknown match '" + v + "'" + (IPV6_ONLY.contains(v)
                ? " (IPv6-only module: an ip6tables ruleset?)" : ""));
          }
          loaded.add(new Loaded(null, false, v));
          unknown = true;
        }
      }
      case 'c' -> {
        noInv(inv, c);
        final String first = value(c, glued);
        final String p;
        final String b;
        if (first.indexOf(',') >= 0) {
          p = first.substring(0, first.indexOf(','));
          b = first.substring(first.indexOf(',') + 1);
        } else {
          p = first;
          b = value(c, null);
        }
        final long pk = Num.tryUnsigned(p);
        final long by = Num.tryUnsigned(b);
        if (pk < 0 || by < 0) {
          throw new ExtException("-c packet counter not numeric");
        }
        counters = new long[] {pk, by};
      }
      case '4' -> { }
      case '6' -> ipv6Only = true;
      default -> {
        if (loadImplicitProto()) {
          shortOption(c, glued, inv);
          return;
        }
        throw new ExtException("unknown option \"-" + c + "\"");
      }
    }
  }

  /** An unknown {@code -j NAME} is a target module when options follow it, else a jump to a chain. */
  private boolean looksLikeUnknownTarget() {
    return pos < args.size() && !isBoundary(pos)
        && (args.get(pos).startsWith("--") || args.get(pos).equals("!"));
  }

  private static void noInv(boolean inv, char c) {
    if (inv) {
      throw new ExtException("unexpected ! flag before -" + c);
    }
  }

  private Parsed finish() {
    if ((inIface != null || invIn) && (chain.equals("OUTPUT") || chain.equals("POSTROUTING"))
        && Builtins.isBuiltin(table, chain)) {
      throw new ExtException("Can't use -i with " + chain);
    }
    if ((outIface != null || invOut) && (chain.equals("INPUT") || chain.equals("PREROUTING"))
        && Builtins.isBuiltin(table, chain)) {
      throw new ExtException("Can't use -o with " + chain);
    }
    final ExtContext ctx = new ExtContext(proto, invProto, table, chain, hooks);
    final List<Match> matches = new ArrayList<>();
    Target target = null;
    final List<Loaded> ordered = new ArrayList<>(loaded);
    ordered.sort((a, b) -> Boolean.compare(a.target, b.target)); // matches first, then the target
    for (Loaded l : ordered) {
      if (l.spec == null) {
        final StringBuilder raw = new StringBuilder();
        for (String r : l.raw) {
          if (r.equals("!") || r.startsWith("-")) {
            raw.append(' ').append(r);
          } else {
            Save.string(raw, r);
          }
        }
        if (l.target) {
          target = new UnknownTarget(l.unknownName, raw.toString());
        } else {
          matches.add(new UnknownMatch(l.unknownName, raw.toString(),
              options.unknown() == ParseOptions.UnknownPolicy.MATCH));
        }
        continue;
      }
      try {
        final Object ext = l.spec.create(l.opts, l.target ? new ExtContext(proto, invProto, table, chain,
            ctx.hooks(), List.copyOf(matches)) : ctx);
        if (l.target) {
          target = (Target) ext;
        } else {
          matches.add((Match) ext);
        }
      } catch (ExtException e) {
        throw new ExtException(l.spec.name() + ": " + e.getMessage());
      }
    }
    if (target == null) {
      if (jumpName == null) {
        target = NoTarget.INSTANCE;
      } else if (!isGoto && VerdictTarget.of(jumpName) != null) {
        target = VerdictTarget.of(jumpName);
      } else {
        if (Builtins.isBuiltin(table, jumpName) || VerdictTarget.of(jumpName) != null) {
          throw new ExtException("cannot jump to built-in chain " + jumpName);
        }
        target = new JumpTarget(jumpName, isGoto);
      }
    }
    return new Parsed(ips(), matches, target, unknown, counters, ipv6Only, List.copyOf(intrapositioned));
  }

  private List<IpMatch> ips() {
    final List<String> s = srcs.isEmpty() ? List.of("0.0.0.0/0") : srcs;
    final List<String> d = dsts.isEmpty() ? List.of("0.0.0.0/0") : dsts;
    final List<IpMatch> out = new ArrayList<>();
    for (String a : s) {
      final int[] sm = Num.addrMask(a);
      for (String b : d) {
        final int[] dm = Num.addrMask(b);
        out.add(new IpMatch(sm[0], sm[1], invSrc, dm[0], dm[1], invDst, inIface, invIn, outIface,
            invOut, proto, invProto, fragment));
      }
    }
    return out;
  }
}
