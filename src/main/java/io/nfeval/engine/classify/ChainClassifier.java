package io.nfeval.engine.classify;

import static io.nfeval.engine.classify.RuleConstraints.DPORT;
import static io.nfeval.engine.classify.RuleConstraints.DST;
import static io.nfeval.engine.classify.RuleConstraints.FIELDS;
import static io.nfeval.engine.classify.RuleConstraints.FRAG;
import static io.nfeval.engine.classify.RuleConstraints.IN;
import static io.nfeval.engine.classify.RuleConstraints.INTERVAL_FIELDS;
import static io.nfeval.engine.classify.RuleConstraints.OUT;
import static io.nfeval.engine.classify.RuleConstraints.PROTO;
import static io.nfeval.engine.classify.RuleConstraints.SPORT;
import static io.nfeval.engine.classify.RuleConstraints.SRC;

import io.nfeval.rules.Rule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The candidate index of one chain. Every rule is filed under one field only — its "primary" field,
 * the one whose index is expected to return it for the fewest packets — or, when no field narrows it
 * usefully, in the {@code always} list. A rule can match a packet only if the packet's key of the
 * rule's primary field lies in the rule's set, so the union over fields of the lists found for the
 * packet's keys, plus {@code always}, holds every rule that can match: the candidates.
 *
 * <p>Filing each rule once (instead of one bit vector per field value ANDed per packet) bounds memory
 * by the number of elementary intervals a rule covers on its primary field, capped at {@link #WIDE};
 * a rule that is wide on every field is simply always a candidate. Immutable.
 */
final class ChainClassifier {
  /** A rule covering more elementary intervals than this on a field is not filed under it. */
  static final int WIDE = 64;
  /** Slot kind of the always-candidate list (after the field numbers). */
  static final int ALWAYS = FIELDS;
  /** Order in which equal-cost fields are preferred: addresses and ports first. */
  private static final int[] PREFERENCE = {SRC, DST, DPORT, SPORT, IN, OUT, PROTO, FRAG};

  /** This chain's index in the table and its end entry (policy or implicit RETURN). */
  final int index;
  final int end;
  /** Field (or {@link #ALWAYS}) of each non-empty slot the cursor must look at. */
  final int[] slotField;
  private final IntervalIndex[] intervals = new IntervalIndex[INTERVAL_FIELDS];
  /** Per interval field: every rule filed under it (diagnostics). */
  private final int[][] allOf = new int[INTERVAL_FIELDS][];
  /**
   * Per port field and protocol number (index 256: any other value): the rules filed under the port
   * field that a packet of that protocol can match, used when its ports are not readable. tcp, udp
   * and multiport demand their protocol ({@code -p tcp} without {@code !}), so an ICMP packet or a
   * broken header does not make every port rule a candidate.
   */
  private final int[][][] portsUnknown = new int[INTERVAL_FIELDS][][];
  private final Map<String, int[]> inNames;
  private final Map<String, int[]> outNames;
  private final int[] always;
  /** An index of this chain would be too large to address: the chain is walked instead. */
  final boolean tooLarge;

  ChainClassifier(int index, int start, int end, Rule[] rules) {
    this.index = index;
    this.end = end;
    final int n = end - start;
    final RuleConstraints[] c = new RuleConstraints[n];
    for (int i = 0; i < n; i++) {
      c[i] = new RuleConstraints(rules[start + i]);
    }
    final int[] primary = choosePrimary(c);
    final List<Integer> slots = new ArrayList<>();
    boolean unaddressable = false;
    for (int f = 0; f < INTERVAL_FIELDS; f++) {
      final int[] filed = filed(primary, f, start);
      if (filed.length == 0) {
        continue;
      }
      final long[][] sets = new long[filed.length][];
      for (int i = 0; i < filed.length; i++) {
        sets[i] = c[filed[i] - start].keys[f];
      }
      intervals[f] = IntervalIndex.build(filed, sets);
      unaddressable |= intervals[f] == null;
      allOf[f] = filed;
      if (f == SPORT || f == DPORT) {
        portsUnknown[f] = byProtocol(filed, c, start);
      }
      slots.add(f);
    }
    inNames = names(c, primary, IN, start);
    outNames = names(c, primary, OUT, start);
    if (!inNames.isEmpty()) {
      slots.add(IN);
    }
    if (!outNames.isEmpty()) {
      slots.add(OUT);
    }
    always = filed(primary, ALWAYS, start);
    if (always.length > 0) {
      slots.add(ALWAYS);
    }
    slotField = slots.stream().mapToInt(Integer::intValue).toArray();
    tooLarge = unaddressable;
  }

  /** Per rule: the field with the lowest estimated candidate count, or {@link #ALWAYS}. */
  private static int[] choosePrimary(RuleConstraints[] c) {
    final int n = c.length;
    final IntervalIndex.Cover[] cover = new IntervalIndex.Cover[INTERVAL_FIELDS];
    for (int f = 0; f < INTERVAL_FIELDS; f++) {
      final long[][] sets = new long[n][];
      for (int i = 0; i < n; i++) {
        sets[i] = c[i].keys[f];
      }
      cover[f] = IntervalIndex.cover(sets);
    }
    final Map<String, Integer> inCount = new HashMap<>();
    final Map<String, Integer> outCount = new HashMap<>();
    for (RuleConstraints r : c) {
      if (r.in != null) {
        inCount.merge(r.in, 1, Integer::sum);
      }
      if (r.out != null) {
        outCount.merge(r.out, 1, Integer::sum);
      }
    }
    final int[] primary = new int[n];
    for (int i = 0; i < n; i++) {
      int best = ALWAYS;
      int bestCost = Integer.MAX_VALUE;
      for (int f : PREFERENCE) {
        final int cost;
        if (f == IN) {
          cost = c[i].in == null ? Integer.MAX_VALUE : inCount.get(c[i].in);
        } else if (f == OUT) {
          cost = c[i].out == null ? Integer.MAX_VALUE : outCount.get(c[i].out);
        } else {
          cost = c[i].keys[f] == null ? Integer.MAX_VALUE : cover[f].cost(i, WIDE);
        }
        if (cost < bestCost) {
          best = f;
          bestCost = cost;
        }
      }
      primary[i] = best;
    }
    return primary;
  }

  private static int[][] byProtocol(int[] filed, RuleConstraints[] c, int start) {
    final int[][] out = new int[257][];
    for (int p = 0; p <= 256; p++) {
      final long key = p < 256 ? p : -1L & Intervals.MAX;
      final int[] l = new int[filed.length];
      int k = 0;
      for (int e : filed) {
        final long[] protos = c[e - start].keys[PROTO];
        if (protos == null || Intervals.contains(protos, key)) {
          l[k++] = e;
        }
      }
      out[p] = k == 0 ? IntervalIndex.EMPTY : java.util.Arrays.copyOf(l, k);
    }
    return out;
  }

  private static int[] filed(int[] primary, int field, int start) {
    int k = 0;
    for (int p : primary) {
      k += p == field ? 1 : 0;
    }
    final int[] out = new int[k];
    k = 0;
    for (int i = 0; i < primary.length; i++) {
      if (primary[i] == field) {
        out[k++] = start + i;
      }
    }
    return out;
  }

  private static Map<String, int[]> names(RuleConstraints[] c, int[] primary, int field, int start) {
    final Map<String, List<Integer>> acc = new HashMap<>();
    for (int i = 0; i < c.length; i++) {
      if (primary[i] == field) {
        acc.computeIfAbsent(field == IN ? c[i].in : c[i].out, k -> new ArrayList<>()).add(start + i);
      }
    }
    final Map<String, int[]> out = new HashMap<>();
    acc.forEach((k, v) -> out.put(k, v.stream().mapToInt(Integer::intValue).toArray()));
    return out;
  }

  /**
   * Puts the candidates filed under {@code field} for a packet's key in the cursor's slot {@code i}:
   * the array holding them in {@code lists[i]}, their range in {@code pos[i]} (first) and
   * {@code end[i]} (past the last). Keys: an int key for interval fields ({@code portsKnown} false
   * makes port fields give their rules that {@code protocol} can match), a device name ("" for
   * none) for interfaces.
   */
  void resolve(int field, int key, int protocol, boolean portsKnown, String in, String out,
      int[][] lists, int[] pos, int[] end, int i) {
    final int[] l;
    switch (field) {
      case IN:
        l = inNames.getOrDefault(in, IntervalIndex.EMPTY);
        break;
      case OUT:
        l = outNames.getOrDefault(out, IntervalIndex.EMPTY);
        break;
      case ALWAYS:
        l = always;
        break;
      case SPORT:
      case DPORT:
        if (!portsKnown) {
          l = portsUnknown[field][protocol >= 0 && protocol < 256 ? protocol : 256];
          break;
        }
        // fall through: an interval field
      default:
        final IntervalIndex x = intervals[field];
        final int a = x.find(key);
        final int o = a >>> 8;
        final int n = a & 0xff;
        lists[i] = x.data;
        pos[i] = o + 1;
        end[i] = o + 1 + (n < 255 ? n : x.data[o]);
        return;
    }
    lists[i] = l;
    pos[i] = 0;
    end[i] = l.length;
  }

  /** Rules that are candidates for every packet. */
  int alwaysCount() {
    return always.length;
  }

  /** Rules filed under each field, and always candidates: {@code int[FIELDS + 1]}. */
  int[] filedCounts() {
    final int[] k = new int[FIELDS + 1];
    for (int f = 0; f < INTERVAL_FIELDS; f++) {
      k[f] = allOf[f] == null ? 0 : allOf[f].length;
    }
    inNames.values().forEach(v -> k[IN] += v.length);
    outNames.values().forEach(v -> k[OUT] += v.length);
    k[ALWAYS] = always.length;
    return k;
  }

  long bytes() {
    long b = 64 + 16L * slotField.length + 16 + 4L * always.length;
    for (int f = 0; f < INTERVAL_FIELDS; f++) {
      if (intervals[f] != null) {
        b += intervals[f].bytes() + 16 + 4L * allOf[f].length;
        if (portsUnknown[f] != null) {
          b += 16 + 4L * 257;
          for (int[] l : portsUnknown[f]) {
            b += l.length == 0 ? 0 : 16 + 4L * l.length;
          }
        }
      }
    }
    for (Map<String, int[]> m : List.of(inNames, outNames)) {
      for (int[] v : m.values()) {
        b += 64 + 16 + 4L * v.length;
      }
    }
    return b;
  }
}
