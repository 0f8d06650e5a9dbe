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
  private final Map<String, Map<String, long[]>> nat = new java.util.LinkedHashMap<>();
  private final Map<String, Long> natOverflow = new TreeMap<>();

  @Override
  public void bound(CompiledTable table, int entry, int manip, int proto, int fromAddr, int fromPort,
      int toAddr, int toPort) {
    final String rule = table.name() + " " + table.rules[entry].save();
    final String p = Json.protoName(proto);
    final boolean ports = proto == 6 || proto == 17 || proto == 132;
    final String what = p + " " + (manip == 1 ? "dst " : "src ") + Json.ipString(fromAddr)
        + (ports ? ":" + fromPort : "") + " -> " + Json.ipString(toAddr) + (ports ? ":" + toPort : "");
    final Map<String, long[]> m = nat.computeIfAbsent(rule, k -> new java.util.LinkedHashMap<>());
    final long[] c = m.get(what);
    if (c != null) {
      c[0]++;
    } else if (m.size() < MAX_TRANSLATIONS) {
      m.put(what, new long[] {1});
    } else {
      natOverflow.merge(rule, 1L, Long::sum);
    }
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
    if (!nat.isEmpty()) {
      out.println("NAT bindings by rule (connections):");
      nat.forEach((rule, m) -> {
        out.println("  " + rule);
        m.forEach((what, c) -> out.printf("    %8d  %s%n", c[0], what));
        Long more = natOverflow.get(rule);
        if (more != null) {
          out.printf("    %8d  (other translations)%n", more);
        }
      });
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
