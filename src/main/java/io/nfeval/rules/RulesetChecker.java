package io.nfeval.rules;

import io.nfeval.rules.ext.CommentMatch;
import io.nfeval.rules.ext.JumpTarget;
import io.nfeval.rules.ext.Match;
import io.nfeval.rules.ext.NfacctMatch;
import io.nfeval.rules.ext.NoTarget;
import io.nfeval.rules.ext.PhysdevMatch;
import io.nfeval.rules.ext.SetMatch;
import io.nfeval.rules.ext.SetTarget;
import io.nfeval.rules.ext.Target;
import io.nfeval.rules.ext.UnknownMatch;
import io.nfeval.rules.ext.UnknownTarget;
import io.nfeval.rules.ext.VerdictTarget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Static checks of a parsed ruleset, in the spirit of the kernel's load-time {@code mark_source_chains}
 * (loops) plus what an operator wants to know: unknown modules, jumps to missing chains, references
 * to missing ipsets and interfaces, rules shadowed by an unconditional terminal rule, unreachable user
 * chains. Each finding is one line {@code FILE:LINE: what}.
 */
public final class RulesetChecker {
  private RulesetChecker() {}

  /**
   * @param sets names of the ipsets that exist, or null to skip that check
   * @param ifaces names of the host's interfaces, or null to skip that check
   */
  public static List<String> check(Ruleset rs, Set<String> sets, Set<String> ifaces) {
    final List<String> out = new ArrayList<>();
    for (Table t : rs.tables()) {
      checkTable(rs, t, sets, ifaces, out);
    }
    // The line means something to nfeval but would not load on the host (iptables-restore 1.8.9
    // answers "Bad argument", "invalid port/service `!'", "table name invalid"...), or loads meaning
    // something its text hides (a CR in an interface name): the operator needs to know before deploying it.
    for (Diagnostic d : rs.diagnostics()) {
      if (d.kind() == Diagnostic.Kind.REFUSED_BY_RESTORE || d.kind() == Diagnostic.Kind.LOADS_OTHERWISE) {
        out.add(d.toString());
      }
    }
    out.sort(java.util.Comparator.comparingLong(f -> lineOf(rs, f))); // stable: file order
    return out;
  }

  private static long lineOf(Ruleset rs, String finding) {
    final String rest = finding.substring(rs.file().length() + 1);
    final int colon = rest.indexOf(':');
    try {
      return colon > 0 ? Long.parseLong(rest.substring(0, colon)) : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String at(Ruleset rs, SourceRef src) {
    return src == null ? rs.file() + ":0" : src.toString();
  }

  private static void checkTable(Ruleset rs, Table t, Set<String> sets, Set<String> ifaces, List<String> out) {
    final Map<String, List<String>> edges = new HashMap<>();
    for (Chain c : t.chains()) {
      final List<String> to = new ArrayList<>();
      edges.put(c.name(), to);
      boolean shadowReported = false;
      Rule terminal = null;
      for (Rule r : c.rules()) {
        if (terminal != null && !shadowReported) {
          final int last = c.rules().size();
          out.add(at(rs, r.source()) + ": " + (r.number() == last ? "rule " + last
              : "rules " + r.number() + "-" + last) + " of " + t.name() + "/" + c.name()
              + " never reached: rule " + terminal.number() + " (line " + terminal.source().line()
              + ") ends the chain unconditionally (" + terminal.target().name() + ")");
          shadowReported = true;
        }
        if (r.unknown()) {
          out.add(at(rs, r.source()) + ": unsupported module in " + t.name() + "/" + c.name() + " rule "
              + r.number() + ": " + unknownNames(r) + " (kept, evaluation assumes a fixed answer)");
        }
        if (r.target() instanceof JumpTarget j) {
          to.add(j.chain());
          if (t.chain(j.chain()) == null) {
            out.add(at(rs, r.source()) + ": " + (j.isGoto() ? "goto" : "jump") + " to missing chain "
                + j.chain() + " in table " + t.name());
          }
        }
        if (sets != null) {
          for (Match m : r.matches()) {
            if (m instanceof SetMatch s && !sets.contains(s.setName())) {
              out.add(at(rs, r.source()) + ": reference to missing ipset " + s.setName());
            }
          }
          if (r.target() instanceof SetTarget st) {
            for (String n : new String[] {st.addSet(), st.delSet()}) {
              if (n != null && !sets.contains(n)) {
                out.add(at(rs, r.source()) + ": reference to missing ipset " + n);
              }
            }
          }
        }
        if (ifaces != null) {
          for (String i : interfaceRefs(r)) {
            if (!ifaceExists(i, ifaces)) {
              out.add(at(rs, r.source()) + ": interface " + i + " does not exist on the host");
            }
          }
        }
        if (terminal == null && unconditional(r) && terminal(r.target())) {
          terminal = r;
        }
      }
    }
    loops(rs, t, edges, out);
    unreachable(rs, t, edges, out);
    hooks(rs, t, edges, out);
  }

  /**
   * Extensions valid only in some hooks (DNAT, REJECT, owner, ...) are checked by the kernel for every
   * hook that can reach a user chain; iptables itself only checks built-in chains. Re-validate user-chain
   * rules with the hooks that reach them.
   */
  private static void hooks(Ruleset rs, Table t, Map<String, List<String>> edges, List<String> out) {
    final Map<String, Integer> mask = new HashMap<>();
    for (Chain c : t.chains()) {
      if (c.builtin()) {
        mask.put(c.name(), Builtins.hook(t.name(), c.name()));
      }
    }
    boolean changed = true;
    while (changed) {
      changed = false;
      for (Map.Entry<String, List<String>> e : edges.entrySet()) {
        final int from = mask.getOrDefault(e.getKey(), 0);
        for (String to : e.getValue()) {
          final int before = mask.getOrDefault(to, 0);
          if ((before | from) != before) {
            mask.put(to, before | from);
            changed = true;
          }
        }
      }
    }
    for (Chain c : t.chains()) {
      final int m = mask.getOrDefault(c.name(), 0);
      if (c.builtin() || m == 0) {
        continue;
      }
      for (Rule r : c.rules()) {
        try {
          RuleParser.parseForHooks(Tokenizer.split(r.spec()), t.name(), c.name(),
              ParseOptions.unknown(ParseOptions.UnknownPolicy.MATCH), m);
        } catch (io.nfeval.rules.ext.ExtException e) {
          out.add(at(rs, r.source()) + ": " + e.getMessage() + " (chain " + t.name() + "/" + c.name()
              + " is reached from " + hookNames(m) + "; the kernel refuses this ruleset)");
        } catch (RuntimeException e) {
          // the rule parsed once already; anything else is not a hook problem
        }
      }
    }
  }

  private static String hookNames(int m) {
    final List<String> n = new ArrayList<>();
    final String[] names = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"};
    for (int i = 0; i < names.length; i++) {
      if ((m & (1 << i)) != 0) {
        n.add(names[i]);
      }
    }
    return String.join(", ", n);
  }

  private static String unknownNames(Rule r) {
    final List<String> n = new ArrayList<>();
    for (Match m : r.matches()) {
      if (m instanceof UnknownMatch) {
        n.add("match '" + m.name() + "'");
      }
    }
    if (r.target() instanceof UnknownTarget) {
      n.add("target '" + r.target().name() + "'");
    }
    return String.join(", ", n);
  }

  private static List<String> interfaceRefs(Rule r) {
    final List<String> out = new ArrayList<>();
    if (r.ip().inIface() != null) {
      out.add(r.ip().inIface());
    }
    if (r.ip().outIface() != null) {
      out.add(r.ip().outIface());
    }
    for (Match m : r.matches()) {
      if (m instanceof PhysdevMatch p) {
        if (p.physIn() != null) {
          out.add(p.physIn());
        }
        if (p.physOut() != null) {
          out.add(p.physOut());
        }
      }
    }
    return out;
  }

  private static boolean ifaceExists(String name, Set<String> ifaces) {
    if (name.endsWith("+")) {
      final String prefix = name.substring(0, name.length() - 1);
      return ifaces.stream().anyMatch(i -> i.startsWith(prefix));
    }
    return ifaces.contains(name);
  }

  /** No address/interface/protocol test and only always-true matches (comment, nfacct). */
  static boolean unconditional(Rule r) {
    if (!r.ip().equals(IpMatch.ANY)) {
      return false;
    }
    for (Match m : r.matches()) {
      if (!(m instanceof CommentMatch) && !(m instanceof NfacctMatch)) {
        return false;
      }
    }
    return true;
  }

  /** Targets after which no later rule of the chain runs. */
  static boolean terminal(Target t) {
    if (t instanceof VerdictTarget) {
      return true;
    }
    if (t instanceof JumpTarget j) {
      return j.isGoto();
    }
    if (t instanceof NoTarget || t instanceof UnknownTarget) {
      return false;
    }
    return switch (t.name()) {
      case "REJECT", "DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP", "NFQUEUE", "TPROXY" -> true;
      default -> false;
    };
  }

  private static void loops(Ruleset rs, Table t, Map<String, List<String>> edges, List<String> out) {
    final Map<String, Integer> state = new HashMap<>();
    final Set<String> reported = new HashSet<>();
    for (Chain c : t.chains()) {
      dfs(c.name(), edges, state, new ArrayList<>(), rs, t, out, reported);
    }
  }

  private static void dfs(String n, Map<String, List<String>> edges, Map<String, Integer> state,
      List<String> path, Ruleset rs, Table t, List<String> out, Set<String> reported) {
    final Integer s = state.get(n);
    if (s != null && s == 2) {
      return;
    }
    if (s != null && s == 1) {
      final List<String> cycle = new ArrayList<>(path.subList(path.indexOf(n), path.size()));
      cycle.add(n);
      final String key = new java.util.TreeSet<>(cycle).toString();
      if (reported.add(key)) {
        final Chain c = t.chain(n);
        out.add(at(rs, c == null ? null : c.source()) + ": loop in chain graph of table " + t.name() + ": "
            + String.join(" -> ", cycle) + " (the kernel refuses such a ruleset: ELOOP)");
      }
      return;
    }
    state.put(n, 1);
    path.add(n);
    for (String m : edges.getOrDefault(n, List.of())) {
      if (edges.containsKey(m)) {
        dfs(m, edges, state, path, rs, t, out, reported);
      }
    }
    path.remove(path.size() - 1);
    state.put(n, 2);
  }

  private static void unreachable(Ruleset rs, Table t, Map<String, List<String>> edges, List<String> out) {
    final Set<String> seen = new LinkedHashSet<>();
    final List<String> work = new ArrayList<>();
    for (Chain c : t.chains()) {
      if (c.builtin()) {
        work.add(c.name());
      }
    }
    while (!work.isEmpty()) {
      final String n = work.remove(work.size() - 1);
      if (seen.add(n)) {
        work.addAll(edges.getOrDefault(n, List.of()));
      }
    }
    for (Chain c : t.chains()) {
      if (!c.builtin() && !seen.contains(c.name())) {
        out.add(at(rs, c.source()) + ": user chain " + t.name() + "/" + c.name()
            + " is unreachable (no jump to it from a built-in chain)");
      }
    }
  }
}
