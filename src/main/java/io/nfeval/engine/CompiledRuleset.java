package io.nfeval.engine;

import io.nfeval.rules.Ruleset;
import io.nfeval.rules.Table;
import io.nfeval.rules.ext.Match;
import java.util.ArrayList;
import java.util.List;

/**
 * A ruleset compiled for evaluation: each table as a kernel-like blob ({@link CompiledTable}, with its
 * classifier), fresh counters, and fresh state for every match that keeps some (limit buckets, quota,
 * nth counters...). Built once for an engine and again, off the evaluating thread, for a live swap.
 */
final class CompiledRuleset {
  final List<CompiledTable> tables = new ArrayList<>();
  CompiledTable raw;
  CompiledTable mangle;
  CompiledTable nat;
  CompiledTable filter;
  CompiledTable security;
  final TableCounters[] counters;
  final Object[] matchStates;
  final int maxDepth;

  CompiledRuleset(Ruleset ruleset, boolean classify) {
    int slot = 0;
    int depth = 0;
    for (Table t : ruleset.tables()) {
      final CompiledTable ct = new CompiledTable(t, slot, tables.size());
      if (classify) {
        ct.buildClassifier();
      }
      slot = ct.matchSlotEnd;
      depth = Math.max(depth, ct.maxDepth);
      tables.add(ct);
      switch (t.name()) {
        case "raw": raw = ct; break;
        case "mangle": mangle = ct; break;
        case "nat": nat = ct; break;
        case "filter": filter = ct; break;
        case "security": security = ct; break;
        default: break;
      }
    }
    maxDepth = depth;
    counters = new TableCounters[tables.size()];
    matchStates = new Object[slot];
    freshState();
  }

  /**
   * The same compiled tables (immutable once built: blob, classifier and rule objects are only read
   * while evaluating) with fresh counters and match state: a second evaluator of the same ruleset,
   * like the kernel's per-CPU copies of a table's counters beside the one shared rule blob.
   */
  CompiledRuleset(CompiledRuleset shared) {
    tables.addAll(shared.tables);
    raw = shared.raw;
    mangle = shared.mangle;
    nat = shared.nat;
    filter = shared.filter;
    security = shared.security;
    maxDepth = shared.maxDepth;
    counters = new TableCounters[tables.size()];
    matchStates = new Object[shared.matchStates.length];
    freshState();
  }

  private void freshState() {
    for (CompiledTable t : tables) {
      counters[t.id] = new TableCounters(t.entries());
      for (int e = 0; e < t.entries(); e++) {
        final Match[] ms = t.matches[e];
        for (int i = 0; i < ms.length; i++) {
          matchStates[t.matchSlot[e] + i] = ms[i].newState();
        }
      }
    }
  }
}
