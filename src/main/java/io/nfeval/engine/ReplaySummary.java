package io.nfeval.engine;

import io.nfeval.conntrack.Ct;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Aggregates a replay: verdicts, NAT rewrites, conntrack states; prints the summary. */
public final class ReplaySummary implements Engine.PacketListener, Engine.NatObserver {
  /** Distinct translations kept per NAT rule (the rest are counted, not listed). */
  private static final int MAX_TRANSLATIONS = 8;

  /**
   * NAT bindings of one rule: up to {@value #MAX_TRANSLATIONS} distinct translations, each packed in
   * two longs, with their counts. Strings are made only when the summary is printed: a binding is
   * made for every new connection, far too often to format rule text each time.
   */
  private static final class NatRule {
    final CompiledTable table;
    final int entry;
    final long[] from = new long[MAX_TRANSLATIONS];
    final long[] to = new long[MAX_TRANSLATIONS];
    final long[] count = new long[MAX_TRANSLATIONS];
    int n;
    long overflow;

    NatRule(CompiledTable table, int entry) {
      this.table = table;
      this.entry = entry;
    }

    String rule() {
      return table.name() + " " + table.rules[entry].save();
    }
  }

  /** (table id, entry) → index in {@link #natRules}, in first-bound order. */
  private final LongLongMap natRuleIndex = new LongLongMap(-1);
  private final List<NatRule> natRules = new ArrayList<>();

  @Override
  public void bound(CompiledTable table, int entry, int manip, int proto, int fromAddr, int fromPort,
      int toAddr, int toPort) {
    final long key = ((long) table.id << 32) | (entry & 0xffffffffL);
    int i = (int) natRuleIndex.get(key);
    if (i < 0) {
      i = natRules.size();
      natRules.add(new NatRule(table, entry));
      natRuleIndex.put(key, i);
    }
    final NatRule r = natRules.get(i);
    final long from = ((long) (manip & 0xff) << 56) | ((long) (proto & 0xff) << 48)
        | ((long) (fromPort & 0xffff) << 32) | (fromAddr & 0xffffffffL);
    final long to = ((long) (toPort & 0xffff) << 32) | (toAddr & 0xffffffffL);
    for (int k = 0; k < r.n; k++) {
      if (r.from[k] == from && r.to[k] == to) {
        r.count[k]++;
        return;
      }
    }
    if (r.n < MAX_TRANSLATIONS) {
      r.from[r.n] = from;
      r.to[r.n] = to;
      r.count[r.n++] = 1;
    } else {
      r.overflow++;
    }
  }

  private static String translation(long from, long to) {
    final int manip = (int) (from >>> 56) & 0xff;
    final int proto = (int) (from >>> 48) & 0xff;
    final boolean ports = proto == 6 || proto == 17 || proto == 132;
    return Json.protoName(proto) + " " + (manip == 1 ? "dst " : "src ") + Json.ipString((int) from)
        + (ports ? ":" + ((from >>> 32) & 0xffff) : "") + " -> " + Json.ipString((int) to)
        + (ports ? ":" + ((to >>> 32) & 0xffff) : "");
  }

  private final long[] dispositions = new long[Disposition.values().length];
  private final long[] ctStates = new long[8];
  private long ctInvalid;
  private long ctUntracked;
  private long natRewritten;
  private long packets;
  private long bytes;
  private long assumed;
  private final Map<String, Long> notEvaluated = new TreeMap<>();

  @Override
  public void packetDone(Skb skb, Disposition d, PacketInfo info) {
    dispositions[d.ordinal()]++;
    packets++;
    bytes += skb.len;
    if (d == Disposition.FRAGMENT_HELD) {
      return;
    }
    if (skb.ctInfo == Skb.CT_INVALID) {
      ctInvalid++;
    } else if (skb.ctInfo == Skb.CT_UNTRACKED) {
      ctUntracked++;
    } else if (skb.ctInfo >= 0 && skb.ctInfo < ctStates.length) {
      ctStates[skb.ctInfo]++;
    }
    if (info.natRewritten || (skb.present >= 20 && (skb.saddr() != info.origSrc
        || skb.daddr() != info.origDst))) {
      natRewritten++;
    }
    if (skb.assumptionCount > 0) {
      assumed++;
    }
  }

  /** A packet that was not evaluated, by reason. */
  public void notEvaluated(String reason, Disposition d) {
    dispositions[d.ordinal()]++;
    packets++;
    notEvaluated.merge(reason, 1L, Long::sum);
  }

  /**
   * Adds the summary of a replica's share of the packets (parallel replay). Only counts are added:
   * replicas evaluate no NAT (they exist only for rulesets without conntrack), so there are no
   * bindings whose first-seen order would have to be merged.
   */
  void addAll(ReplaySummary other) {
    if (!other.natRules.isEmpty()) {
      throw new IllegalStateException("a replica bound NAT connections");
    }
    for (int i = 0; i < dispositions.length; i++) {
      dispositions[i] += other.dispositions[i];
    }
    for (int i = 0; i < ctStates.length; i++) {
      ctStates[i] += other.ctStates[i];
    }
    ctInvalid += other.ctInvalid;
    ctUntracked += other.ctUntracked;
    natRewritten += other.natRewritten;
    packets += other.packets;
    bytes += other.bytes;
    assumed += other.assumed;
    other.notEvaluated.forEach((k, v) -> notEvaluated.merge(k, v, Long::sum));
  }

  /** Packets not evaluated, by reason (read-only view, for reports). */
  public Map<String, Long> notEvaluatedByReason() {
    return java.util.Collections.unmodifiableMap(notEvaluated);
  }

  public long count(Disposition d) {
    return dispositions[d.ordinal()];
  }

  public long packets() {
    return packets;
  }

  public void print(PrintWriter out, Engine engine, boolean conntrackOn) {
    out.printf("Evaluated through the hooks: %d packets%n", packets);
    out.println("Verdicts:");
    for (Disposition d : Disposition.values()) {
      if (dispositions[d.ordinal()] > 0) {
        out.printf("  %-18s %12d%n", d.label(), dispositions[d.ordinal()]);
      }
    }
    if (!notEvaluated.isEmpty()) {
      out.println("Not evaluated, by reason:");
      notEvaluated.forEach((k, v) -> out.printf("  %-40s %10d%n", k, v));
    }
    out.printf("NAT rewrites: %d packets%n", natRewritten);
    if (!natRules.isEmpty()) {
      out.println("NAT bindings by rule (connections):");
      for (NatRule r : natRules) {
        out.println("  " + r.rule());
        for (int k = 0; k < r.n; k++) {
          out.printf("    %8d  %s%n", r.count[k], translation(r.from[k], r.to[k]));
        }
        if (r.overflow > 0) {
          out.printf("    %8d  (other translations)%n", r.overflow);
        }
      }
    }
    if (conntrackOn) {
      out.println("Conntrack states (as the last hook saw them):");
      out.printf("  %-18s %12d%n", "NEW", ctStates[Ct.CTINFO_NEW]);
      out.printf("  %-18s %12d%n", "ESTABLISHED", ctStates[Ct.CTINFO_ESTABLISHED]
          + ctStates[Ct.CTINFO_ESTABLISHED_REPLY]);
      out.printf("  %-18s %12d%n", "RELATED", ctStates[Ct.CTINFO_RELATED]
          + ctStates[Ct.CTINFO_RELATED_REPLY]);
      out.printf("  %-18s %12d%n", "INVALID", ctInvalid);
      out.printf("  %-18s %12d%n", "UNTRACKED", ctUntracked);
    } else {
      out.println("Conntrack: not in use by this ruleset (no nat table, no stateful rule)");
    }
    if (assumed > 0) {
      out.printf("Packets decided by an assumption (owner/socket/unknown module): %d%n", assumed);
    }
    out.println("Top rules by packets:");
    List<long[]> top = new ArrayList<>();
    List<CompiledTable> tables = engine.tables();
    for (CompiledTable t : tables) {
      TableCounters c = engine.counters(t);
      for (int e = 0; e < t.entries(); e++) {
        if (t.kind[e] != CompiledTable.CHAIN_END && c.packets(e) > 0) {
          top.add(new long[] {c.packets(e), c.bytes(e), t.id, e});
        }
      }
    }
    top.sort((a, b) -> Long.compare(b[0], a[0]));
    for (int i = 0; i < Math.min(10, top.size()); i++) {
      long[] x = top.get(i);
      CompiledTable t = tables.get((int) x[2]);
      int e = (int) x[3];
      String what = t.kind[e] == CompiledTable.POLICY
          ? ":" + t.chains.get(t.chainOf[e]).name() + " policy " + t.chains.get(t.chainOf[e]).policy()
          : t.rules[e].save();
      out.printf("  %10d pkts %12d bytes  %-8s %s%n", x[0], x[1], t.name(), what);
    }
  }
}
