package io.nfeval.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nfeval.rules.Chain;
import io.nfeval.rules.Rule;
import io.nfeval.rules.Ruleset;
import io.nfeval.rules.Table;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rules added, removed and moved between two rulesets, compared per table and chain by canonical text
 * ({@link Rule#save()}, iptables-save's own form, so spacing and option order do not matter). A rule
 * present on both sides is "moved" when it is not on the longest run of common rules kept in the same
 * order (a longest increasing subsequence over the new positions: O(n log n) per chain). Chain policy
 * changes are listed too.
 */
final class RuleChanges {
  private RuleChanges() {
  }

  /** Fills {@code out} with added/removed/moved/policies; returns the number of changes. */
  static int compare(Ruleset before, Ruleset after, ObjectNode out) {
    final ArrayNode added = out.putArray("added");
    final ArrayNode removed = out.putArray("removed");
    final ArrayNode moved = out.putArray("moved");
    final ArrayNode policies = out.putArray("policies");
    final Set<String> tables = new LinkedHashSet<>();
    before.tables().forEach(t -> tables.add(t.name()));
    after.tables().forEach(t -> tables.add(t.name()));
    for (String tn : tables) {
      final Table a = before.table(tn);
      final Table b = after.table(tn);
      final Set<String> chains = new LinkedHashSet<>();
      if (a != null) {
        a.chains().forEach(c -> chains.add(c.name()));
      }
      if (b != null) {
        b.chains().forEach(c -> chains.add(c.name()));
      }
      for (String cn : chains) {
        final Chain ca = a == null ? null : a.chain(cn);
        final Chain cb = b == null ? null : b.chain(cn);
        if (ca != null && cb != null && ca.builtin() && !String.valueOf(ca.policy()).equals(String.valueOf(cb.policy()))) {
          policies.addObject().put("table", tn).put("chain", cn).put("from", ca.policy()).put("to", cb.policy());
        }
        chain(tn, cn, ca == null ? List.of() : ca.rules(), cb == null ? List.of() : cb.rules(), added, removed,
            moved);
      }
    }
    return added.size() + removed.size() + moved.size() + policies.size();
  }

  private static void chain(String table, String chain, List<Rule> a, List<Rule> b, ArrayNode added,
      ArrayNode removed, ArrayNode moved) {
    // pair the k-th occurrence of a text on one side with the k-th on the other
    final Map<String, List<Integer>> inB = new HashMap<>();
    for (int j = 0; j < b.size(); j++) {
      inB.computeIfAbsent(b.get(j).save(), k -> new ArrayList<>()).add(j);
    }
    final Map<String, Integer> used = new HashMap<>();
    final int[] pair = new int[a.size()];
    final boolean[] bPaired = new boolean[b.size()];
    for (int i = 0; i < a.size(); i++) {
      final String s = a.get(i).save();
      final List<Integer> js = inB.get(s);
      final int k = used.getOrDefault(s, 0);
      if (js != null && k < js.size()) {
        pair[i] = js.get(k);
        bPaired[js.get(k)] = true;
        used.put(s, k + 1);
      } else {
        pair[i] = -1;
        removed.add(rule(table, chain, a.get(i), i + 1));
      }
    }
    for (int j = 0; j < b.size(); j++) {
      if (!bPaired[j]) {
        added.add(rule(table, chain, b.get(j), j + 1));
      }
    }
    // longest increasing subsequence of the paired new positions: those kept their order
    final List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      if (pair[i] >= 0) {
        idx.add(i);
      }
    }
    final boolean[] inOrder = lis(idx, pair, a.size());
    for (int i : idx) {
      if (!inOrder[i]) {
        final ObjectNode o = rule(table, chain, a.get(i), i + 1);
        o.remove("position");
        o.put("from", i + 1);
        o.put("to", pair[i] + 1);
        moved.add(o);
      }
    }
  }

  private static boolean[] lis(List<Integer> idx, int[] pair, int n) {
    final int m = idx.size();
    final int[] tailIdx = new int[m + 1];
    final int[] prev = new int[m];
    int len = 0;
    for (int k = 0; k < m; k++) {
      final int v = pair[idx.get(k)];
      int lo = 1;
      int hi = len;
      while (lo <= hi) {
        final int mid = (lo + hi) >>> 1;
        if (pair[idx.get(tailIdx[mid])] < v) {
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      prev[k] = lo > 1 ? tailIdx[lo - 1] : -1;
      tailIdx[lo] = k;
      len = Math.max(len, lo);
    }
    final boolean[] keep = new boolean[n];
    for (int k = len > 0 ? tailIdx[len] : -1; k >= 0; k = prev[k]) {
      keep[idx.get(k)] = true;
    }
    return keep;
  }

  private static ObjectNode rule(String table, String chain, Rule r, int position) {
    final ObjectNode o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    o.put("table", table);
    o.put("chain", chain);
    o.put("text", r.save());
    o.put("position", position);
    o.put("source", AuditCollector.source(r));
    return o;
  }
}
