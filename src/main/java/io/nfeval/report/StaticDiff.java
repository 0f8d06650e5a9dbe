package io.nfeval.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nfeval.engine.Json;
import io.nfeval.rules.Chain;
import io.nfeval.rules.Rule;
import io.nfeval.rules.Ruleset;
import io.nfeval.rules.Table;
import io.nfeval.rules.ext.ConntrackMatch;
import io.nfeval.rules.ext.JumpTarget;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The static half of {@code nfeval diff}: header-space regions of the filter table's INPUT, FORWARD and
 * OUTPUT chains whose verdict differs between two rulesets, whether or not a captured packet fell in
 * them. It samples representative packets at the boundaries of every rule's address ranges, ports,
 * protocols, ICMP types, interfaces and marks (both rulesets' "interesting points": inside each rule, and
 * just outside each edge), in every conntrack state, and walks both filter tables with them as
 * {@code ipt_do_table} does (jumps, gotos, RETURN, policies). Each change is reported once per
 * (chain, state, before, after) with one concrete example packet.
 *
 * <p>Honest limits: only the filter table (no raw/mangle/nat effects, no NAT before filter), no
 * conntrack side effects (the state is an input), and a sample whose walk meets a match or target outside
 * the model ({@link RuleSpace}) is counted as undecided, never guessed. Regions between sampled points
 * are not proven equal: the sampling covers every edge of every rule, not every combination of edges.
 */
final class StaticDiff {
  static final String[] CHAINS = {"INPUT", "FORWARD", "OUTPUT"};
  static final int[] STATES = {ConntrackMatch.STATE_NEW, ConntrackMatch.STATE_ESTABLISHED,
      ConntrackMatch.STATE_RELATED, ConntrackMatch.STATE_INVALID, ConntrackMatch.STATE_UNTRACKED};
  static final String[] STATE_NAMES = {"NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"};
  static final String COVERS = "The static diff covers the filter table's INPUT, FORWARD and OUTPUT chains"
      + " (with the user chains they reach) over addresses, protocols, ports, ICMP types, interfaces, marks"
      + " and each conntrack state, sampled at every rule's boundaries.";
  static final String DOES_NOT_COVER = "It does not cover raw/mangle/nat tables, NAT rewrites before"
      + " filtering, routing, conntrack transitions, or matches outside that model (such samples count as"
      + " undecided); combinations of edges that no sample hit are not proven equal.";
  private static final int MAX_REGIONS = 200;
  private static final int MAX_POINTS = 50_000;
  private static final int MAX_DEPTH = 64;

  /** Verdict of one walk; {@code verdict} null when undecided. */
  record Outcome(String verdict, String decidedBy) {
  }

  private final Map<Rule, RuleSpace> spaces = new IdentityHashMap<>();
  private long steps;
  private final long budget;

  private StaticDiff(long budget) {
    this.budget = budget;
  }

  /** Compares the two filter tables; fills {@code out}; returns the number of changed regions. */
  static int run(Ruleset before, Ruleset after, long stepBudget, ObjectNode out) {
    return new StaticDiff(stepBudget).compare(before, after, out);
  }

  private int compare(Ruleset before, Ruleset after, ObjectNode out) {
    out.put("covers", COVERS);
    out.put("doesNotCover", DOES_NOT_COVER);
    final Table ta = before.table("filter");
    final Table tb = after.table("filter");
    final List<RuleSpace.Point> points = points(ta, tb);
    long samples = 0;
    long undecided = 0;
    boolean capped = false;
    final Map<String, ObjectNode> regions = new LinkedHashMap<>();
    long moreRegions = 0;
    outer:
    for (String chain : CHAINS) {
      for (RuleSpace.Point base : points) {
        final RuleSpace.Point p = base.copy();
        if (chain.equals("INPUT")) {
          p.out = null;
        } else if (chain.equals("OUTPUT")) {
          p.in = null;
        }
        for (int s = 0; s < STATES.length; s++) {
          if (steps > budget) {
            capped = true;
            break outer;
          }
          p.state = STATES[s];
          samples++;
          final Outcome a = walk(ta, chain, p);
          final Outcome b = walk(tb, chain, p);
          if (a.verdict() == null || b.verdict() == null) {
            undecided++;
            continue;
          }
          if (a.verdict().equals(b.verdict())) {
            continue;
          }
          final String key = chain + "|" + a + "|" + b;
          final ObjectNode r = regions.get(key);
          if (r != null) {
            r.put("samples", r.path("samples").asLong() + 1);
            addState(r, STATE_NAMES[s]);
          } else if (regions.size() < MAX_REGIONS) {
            final ObjectNode o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            o.put("chain", chain);
            o.put("samples", 1);
            o.putArray("ctstates").add(STATE_NAMES[s]);
            o.set("example", example(p, STATE_NAMES[s]));
            o.putObject("before").put("verdict", a.verdict()).put("decidedBy", a.decidedBy());
            o.putObject("after").put("verdict", b.verdict()).put("decidedBy", b.decidedBy());
            regions.put(key, o);
          } else {
            moreRegions++;
          }
        }
      }
    }
    out.put("samples", samples);
    out.put("undecided", undecided);
    out.put("capped", capped);
    out.put("otherRegionSamples", moreRegions);
    final ArrayNode list = out.putArray("regions");
    regions.values().forEach(list::add);
    return regions.size() + (moreRegions > 0 ? 1 : 0);
  }

  private static void addState(ObjectNode r, String state) {
    final ArrayNode a = (ArrayNode) r.get("ctstates");
    for (var x : a) {
      if (x.asText().equals(state)) {
        return;
      }
    }
    a.add(state);
  }

  private RuleSpace space(Rule r) {
    return spaces.computeIfAbsent(r, RuleSpace::of);
  }

  /** Walks a built-in chain of the filter table with one packet, as ipt_do_table does. */
  Outcome walk(Table t, String builtin, RuleSpace.Point p) {
    if (t == null || t.chain(builtin) == null) {
      return new Outcome("accept", "no filter " + builtin + " chain");
    }
    final Chain start = t.chain(builtin);
    final Deque<Object[]> stack = new ArrayDeque<>();
    Chain c = start;
    int i = 0;
    while (true) {
      if (i >= c.rules().size()) {
        if (stack.isEmpty()) {
          return policy(start);
        }
        final Object[] f = stack.pop();
        c = (Chain) f[0];
        i = (Integer) f[1];
        continue;
      }
      final Rule r = c.rules().get(i);
      steps++;
      final Boolean m = space(r).matches(p);
      if (Boolean.FALSE.equals(m)) {
        i++;
        continue;
      }
      final String where = "filter " + c.name() + " #" + r.number() + ": " + r.save();
      if (m == null) {
        return new Outcome(null, where + " (" + String.join(", ", space(r).unmodeled()) + ")");
      }
      if (r.target() instanceof JumpTarget j) {
        final Chain next = t.chain(j.chain());
        if (next == null || stack.size() >= MAX_DEPTH) {
          return new Outcome(null, where);
        }
        if (!j.isGoto()) {
          stack.push(new Object[] {c, i + 1});
        }
        c = next;
        i = 0;
        continue;
      }
      switch (r.target().name()) {
        case "ACCEPT":
          return new Outcome("accept", where);
        case "DROP":
          return new Outcome("drop", where);
        case "REJECT":
          return new Outcome("reject", where);
        case "QUEUE", "NFQUEUE":
          return new Outcome("queue", where);
        case "RETURN":
          if (stack.isEmpty()) {
            return policy(start);
          }
          final Object[] f = stack.pop();
          c = (Chain) f[0];
          i = (Integer) f[1];
          continue;
        case "", "LOG", "NFLOG", "ULOG", "TRACE", "NFACCT":
          i++;
          continue;
        default:
          return new Outcome(null, where + " (target " + r.target().name() + " changes the packet)");
      }
    }
  }

  private static Outcome policy(Chain builtin) {
    return new Outcome("DROP".equals(builtin.policy()) ? "drop" : "accept",
        "filter " + builtin.name() + " policy " + builtin.policy());
  }

  // ---- sample points ---------------------------------------------------------------------------

  private List<RuleSpace.Point> points(Table a, Table b) {
    final List<Rule> rules = new ArrayList<>();
    for (Table t : new Table[] {a, b}) {
      if (t != null) {
        t.chains().forEach(c -> rules.addAll(c.rules()));
      }
    }
    final Set<String> ifaces = new TreeSet<>();
    for (Rule r : rules) {
      space(r).in.samples(ifaces);
      space(r).out.samples(ifaces);
    }
    ifaces.add("other0"); // a name the rulesets' patterns hardly name
    final List<RuleSpace.Point> out = new ArrayList<>();
    final Set<List<Object>> seen = new HashSet<>();
    add(out, seen, defaults());
    for (Rule r : rules) {
      final RuleSpace s = space(r);
      final RuleSpace.Point w = witness(s);
      add(out, seen, w);
      vary(out, seen, w, boundaries(s.src), (p, x) -> p.src = x);
      vary(out, seen, w, boundaries(s.dst), (p, x) -> p.dst = x);
      vary(out, seen, w, boundaries(s.proto, 6, 17, 1), (p, x) -> p.proto = (int) x);
      vary(out, seen, w, boundaries(s.sport), (p, x) -> p.sport = (int) x);
      vary(out, seen, w, boundaries(s.dport), (p, x) -> p.dport = (int) x);
      vary(out, seen, w, boundaries(s.icmp), (p, x) -> p.icmp = (int) x);
      for (String n : ifaces) {
        RuleSpace.Point p = w.copy();
        p.in = n;
        add(out, seen, p);
        p = w.copy();
        p.out = n;
        add(out, seen, p);
      }
      for (int[] m : s.marks) {
        final RuleSpace.Point p = w.copy();
        p.mark = m[0] ^ m[1];
        add(out, seen, p);
      }
      if (out.size() >= MAX_POINTS) {
        break;
      }
    }
    return out;
  }

  /** The boundaries of one field's interval set, plus {@code extra} values, in order. */
  private static Set<Long> boundaries(IntervalSet field, long... extra) {
    final Set<Long> v = new TreeSet<>();
    field.boundaries(v);
    for (long x : extra) {
      v.add(x);
    }
    return v;
  }

  /** Adds a copy of the witness {@code w} with one field set to each of {@code values}. */
  private static void vary(List<RuleSpace.Point> out, Set<List<Object>> seen, RuleSpace.Point w,
      Set<Long> values, java.util.function.ObjLongConsumer<RuleSpace.Point> field) {
    for (long x : values) {
      final RuleSpace.Point p = w.copy();
      field.accept(p, x);
      add(out, seen, p);
    }
  }

  private static void add(List<RuleSpace.Point> out, Set<List<Object>> seen, RuleSpace.Point p) {
    if (out.size() < MAX_POINTS && seen.add(List.of(p.src, p.dst, p.proto, p.sport, p.dport, p.icmp,
        String.valueOf(p.in), String.valueOf(p.out), p.mark, p.frag))) {
      out.add(p);
    }
  }

  private static RuleSpace.Point defaults() {
    final RuleSpace.Point p = new RuleSpace.Point();
    p.src = 0xc6336401L; // 198.51.100.1 (documentation range)
    p.dst = 0xcb007101L; // 203.0.113.1
    p.proto = 6;
    p.sport = 40000;
    p.dport = 80;
    p.icmp = 8 * 256;
    p.in = "other0";
    p.out = "other0";
    return p;
  }

  /** A packet inside the rule's space on every modeled field. */
  private static RuleSpace.Point witness(RuleSpace s) {
    final RuleSpace.Point p = defaults();
    p.src = s.src.contains(p.src) ? p.src : s.src.first();
    p.dst = s.dst.contains(p.dst) ? p.dst : s.dst.first();
    p.proto = s.proto.contains(6) ? 6 : s.proto.contains(17) ? 17 : s.proto.contains(1) ? 1 : (int) s.proto.first();
    p.sport = s.sport.contains(p.sport) ? p.sport : (int) s.sport.first();
    p.dport = s.dport.contains(p.dport) ? p.dport : (int) s.dport.first();
    p.icmp = s.icmp.contains(p.icmp) ? p.icmp : (int) s.icmp.first();
    p.in = ifaceIn(s.in, p.in);
    p.out = ifaceIn(s.out, p.out);
    for (int[] m : s.marks) {
      if (m[2] == 0) {
        p.mark = m[0];
      }
    }
    p.frag = (s.frag & RuleSpace.FRAG_FIRST) != 0 ? RuleSpace.FRAG_FIRST : RuleSpace.FRAG_LATER;
    return p;
  }

  private static String ifaceIn(RuleSpace.Iface f, String dflt) {
    if (f.pattern() == null || f.negated()) {
      return f.matches(dflt) ? dflt : "other1";
    }
    final String pat = f.pattern();
    return pat.endsWith("+") ? pat.substring(0, pat.length() - 1) + "0" : pat;
  }

  private static ObjectNode example(RuleSpace.Point p, String state) {
    final ObjectNode o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    o.put("proto", Json.protoName(p.proto));
    o.put("src", Json.ipString((int) p.src));
    o.put("dst", Json.ipString((int) p.dst));
    if (p.proto == 6 || p.proto == 17) {
      o.put("sport", p.sport);
      o.put("dport", p.dport);
    } else if (p.proto == 1) {
      o.put("type", p.icmp >> 8);
      o.put("code", p.icmp & 0xff);
    }
    o.put("in", p.in);
    o.put("out", p.out);
    o.put("ctstate", state);
    if (p.mark != 0) {
      o.put("mark", Integer.toUnsignedString(p.mark));
    }
    if (p.frag == RuleSpace.FRAG_LATER) {
      o.put("fragment", true);
    }
    return o;
  }
}
