package io.nfeval.engine;

import io.nfeval.host.HostModel;
import io.nfeval.ipset.IpsetRegistry;
import io.nfeval.rules.Backend;
import io.nfeval.rules.Chain;
import io.nfeval.rules.Ruleset;
import io.nfeval.rules.Table;
import io.nfeval.rules.ext.Match;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A new ruleset (and, when they changed, a new host model and ipsets) compiled for a running engine,
 * to be installed between two packets without losing the run's state: the conntrack table and NAT
 * bindings, and the counters and match state of every rule that did not change.
 *
 * <p>Built off the evaluating thread by {@link #prepare}: parsing, compiling the kernel-like table
 * blobs, building the classifiers and fresh match state are done here, so that the evaluator only
 * copies counters when it installs the swap ({@link Engine#offer}, {@link Engine#installPending}).
 *
 * <p>"Unchanged" is what a careful operator means: same table, same chain, same rule text (the rule's
 * {@code save()} form). Rules are paired by chain and text in order, so a rule that moved within its
 * chain keeps its counters and duplicates are paired first to first. A built-in chain's policy
 * counter is kept when the chain remains. New rules start at zero.
 *
 * <p>The kernel itself keeps nothing per rule across {@code iptables-restore} (counters only with
 * {@code -c}, and limit/quota/statistic state is reallocated by checkentry); named state — recent
 * lists, hashlimit tables, nfacct objects — lives on while a rule still names it, as here (the
 * engine's shared state map is kept). This swap also keeps the per-rule match state (limit buckets,
 * quota, statistic nth counters, connlimit) of unchanged rules, so that a reload that does not touch
 * a rule does not change its behaviour.
 */
public final class RulesetSwap {
  /** Told on the evaluating thread when a swap took effect. */
  public interface Applied {
    void applied(RulesetSwap swap, long packetIndex);
  }

  final Ruleset ruleset;
  /** The new host model, or null to keep the engine's. */
  final HostModel host;
  /** The new ipsets, or null to keep the engine's (with what SET targets added at run time). */
  final IpsetRegistry ipsets;
  /** The new tables with fresh counters and match state (the old ones' carried over at install). */
  final CompiledRuleset compiled;
  final boolean conntrackOn;
  final boolean defragOn;
  final HookGraph graph;
  final Backend backend;
  final Applied onApplied;

  /** The tables the pairing below was computed against. */
  List<CompiledTable> base;
  /** Per new table: new entry → the entry of {@link #base}'s table whose counters it keeps, or -1. */
  int[][] keptFrom;
  /** Per new table: index of the same-named table in {@link #base}, or -1. */
  int[] baseTable;

  private int kept;
  private int rules;
  private int baseRules;
  private volatile long appliedAt = -1;

  private RulesetSwap(Ruleset ruleset, HostModel host, IpsetRegistry ipsets, boolean classify,
      Backend defaultBackend, Applied onApplied) {
    this.ruleset = ruleset;
    this.host = host;
    this.ipsets = ipsets;
    this.onApplied = onApplied;
    backend = ruleset.backend() == Backend.UNKNOWN ? defaultBackend : ruleset.backend();
    graph = new HookGraph(backend);
    compiled = new CompiledRuleset(ruleset, classify);
    conntrackOn = Engine.needsConntrack(ruleset);
    defragOn = conntrackOn || Engine.usesAny(ruleset, "socket", "TPROXY");
  }

  /**
   * Compiles {@code ruleset} for {@code engine} and pairs its rules with the engine's current ones.
   * Safe to call from any thread while the engine evaluates. {@code host} / {@code ipsets}: the new
   * ones, or null to keep the engine's. {@code onApplied}: called on the evaluating thread when the
   * swap takes effect, or null. Throws {@link io.nfeval.InputException} for a ruleset that cannot be
   * compiled (a jump to a missing chain, a loop).
   */
  public static RulesetSwap prepare(Engine engine, Ruleset ruleset, HostModel host,
      IpsetRegistry ipsets, Applied onApplied) {
    final RulesetSwap s = new RulesetSwap(ruleset, host, ipsets, engine.options.classify,
        engine.options.defaultBackend, onApplied);
    s.pair(engine.baseTables());
    return s;
  }

  /** Pairs every new rule and policy with the same one of {@code old}, by chain and text in order. */
  void pair(List<CompiledTable> old) {
    base = old;
    keptFrom = new int[compiled.tables.size()][];
    baseTable = new int[compiled.tables.size()];
    kept = 0;
    rules = 0;
    baseRules = 0;
    for (CompiledTable o : old) {
      baseRules += o.entries() - o.chainCount();
    }
    for (CompiledTable t : compiled.tables) {
      final int[] from = new int[t.entries()];
      java.util.Arrays.fill(from, -1);
      keptFrom[t.id] = from;
      baseTable[t.id] = -1;
      rules += t.entries() - t.chainCount();
      CompiledTable o = null;
      for (CompiledTable c : old) {
        if (c.name().equals(t.name())) {
          o = c;
        }
      }
      if (o == null) {
        continue;
      }
      baseTable[t.id] = o.id;
      final Map<String, Integer> oldChains = new HashMap<>();
      for (int c = 0; c < o.chainCount(); c++) {
        oldChains.put(o.chain(c).name(), c);
      }
      for (int c = 0; c < t.chainCount(); c++) {
        final Chain ch = t.chain(c);
        final Integer oc = oldChains.get(ch.name());
        if (oc == null) {
          continue;
        }
        if (ch.builtin() && o.chain(oc).builtin()) {
          from[t.chainEnd(c)] = o.chainEnd(oc); // the policy counter stays with its chain
        }
        final Map<String, ArrayDeque<Integer>> byText = new HashMap<>();
        for (int e = o.chainStart(oc); e < o.chainEnd(oc); e++) {
          byText.computeIfAbsent(o.rule(e).save(), k -> new ArrayDeque<>()).add(e);
        }
        for (int e = t.chainStart(c); e < t.chainEnd(c); e++) {
          final ArrayDeque<Integer> q = byText.get(t.rule(e).save());
          if (q != null && !q.isEmpty()) {
            final int oe = q.poll();
            if (o.matches[oe].length == t.matches[e].length) {
              from[e] = oe;
              kept++;
            }
          }
        }
      }
    }
  }

  /**
   * Carries the old tables' counters and match state over (on the evaluating thread, between two
   * packets). {@code old} must be the engine's current tables.
   */
  void carryOver(List<CompiledTable> old, TableCounters[] oldCounters, Object[] oldStates) {
    if (old != base) {
      pair(old); // another swap took effect after this one was prepared
    }
    for (CompiledTable t : compiled.tables) {
      final int ob = baseTable[t.id];
      if (ob < 0) {
        continue;
      }
      final CompiledTable o = old.get(ob);
      final TableCounters from = oldCounters[ob];
      final TableCounters to = compiled.counters[t.id];
      final int[] map = keptFrom[t.id];
      for (int e = 0; e < map.length; e++) {
        final int oe = map[e];
        if (oe < 0) {
          continue;
        }
        to.packets[e] = from.packets[oe];
        to.bytes[e] = from.bytes[oe];
        final int n = t.matches[e].length;
        for (int i = 0; i < n; i++) {
          compiled.matchStates[t.matchSlot[e] + i] = oldStates[o.matchSlot[oe] + i];
        }
      }
    }
  }

  void applied(long packetIndex) {
    appliedAt = packetIndex;
    if (onApplied != null) {
      onApplied.applied(this, packetIndex);
    }
  }

  /** The new ruleset. */
  public Ruleset ruleset() {
    return ruleset;
  }

  /** Rules of the new ruleset. */
  public int rules() {
    return rules;
  }

  /** Rules that kept their counters (and match state): unchanged ones. */
  public int kept() {
    return kept;
  }

  /** New rules (starting at zero). */
  public int added() {
    return rules - kept;
  }

  /** Rules of the old ruleset that are gone. */
  public int removed() {
    return baseRules - kept;
  }

  /** Whether the swap brings a new host model. */
  public boolean replacesHost() {
    return host != null;
  }

  /** Whether the swap brings new ipsets. */
  public boolean replacesIpsets() {
    return ipsets != null;
  }

  /** Index of the first packet evaluated with the new ruleset, or -1 while it is pending. */
  public long appliedAt() {
    return appliedAt;
  }
}
