package io.nfeval.engine;

import io.nfeval.conntrack.Ct;
import io.nfeval.rules.Rule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;

/**
 * Writes the per-packet trace as JSON Lines: one object per captured packet, in packet order. Stable
 * keys (external checks read them): index, ts (ns), entry, in, out, tuple {proto, src, dst, sport,
 * dport}, ct, rules [{table, chain, rule, target} | {table, chain, policy}], verdict, drop {hook, table},
 * nat {src, dst, sport, dport} when rewritten, mark, ctmark, log [{target, prefix}], flags [...].
 */
public final class TraceWriter implements Engine.PacketListener {
  private final Writer out;
  private final StringBuilder sb = new StringBuilder(512);

  private final boolean conntrackOn;

  /** {@code conntrackOn}: whether the ruleset makes the kernel track connections at all. */
  public TraceWriter(Writer out, boolean conntrackOn) {
    this.out = out;
    this.conntrackOn = conntrackOn;
  }

  @Override
  public void packetDone(Skb skb, Disposition d, PacketInfo info) {
    sb.setLength(0);
    sb.append("{\"index\":").append(skb.index).append(",\"ts\":").append(skb.tsNanos);
    sb.append(",\"entry\":\"").append(info.entryHook).append('"');
    if (info.inName != null) {
      sb.append(",\"in\":");
      Json.string(sb, info.inName);
    }
    if (skb.out != null) {
      sb.append(",\"out\":");
      Json.string(sb, skb.out.name());
    }
    sb.append(",\"tuple\":{\"proto\":\"").append(Json.protoName(info.origProto)).append("\",\"src\":");
    Json.ip(sb, info.origSrc);
    sb.append(",\"dst\":");
    Json.ip(sb, info.origDst);
    if (info.origProto == 6 || info.origProto == 17) {
      sb.append(",\"sport\":").append(info.origSport).append(",\"dport\":").append(info.origDport);
    } else if (info.origProto == 1 && info.origSport >= 0) {
      sb.append(",\"type\":").append(info.origSport).append(",\"code\":").append(info.origDport);
    }
    sb.append('}');
    sb.append(",\"ct\":\"").append(conntrackOn ? ctName(skb.ctInfo) : "none").append('"');
    sb.append(",\"rules\":[");
    for (int i = 0; i < skb.traceLen; i++) {
      if (i > 0) {
        sb.append(',');
      }
      final CompiledTable t = skb.engineTables.get(skb.traceTable[i]);
      final int e = skb.traceEntry[i];
      sb.append("{\"table\":\"").append(t.name()).append("\",\"chain\":");
      Json.string(sb, t.chains.get(t.chainOf[e]).name());
      if (t.kind[e] == CompiledTable.POLICY) {
        sb.append(",\"policy\":\"").append(t.chains.get(t.chainOf[e]).policy()).append("\"}");
      } else {
        final Rule r = t.rules[e];
        sb.append(",\"rule\":").append(r.number()).append(",\"target\":");
        Json.string(sb, r.target().name());
        sb.append('}');
      }
    }
    sb.append(']');
    sb.append(",\"verdict\":\"").append(d.label()).append('"');
    if (info.dropHook != null && info.dropStep != null) {
      sb.append(",\"drop\":{\"hook\":\"").append(info.dropHook).append("\",\"at\":\"")
          .append(info.dropStep.table() != null ? info.dropStep.table()
              : info.dropStep.name().toLowerCase())
          .append("\"}");
    }
    if (skb.present >= 20 && (skb.saddr() != info.origSrc || skb.daddr() != info.origDst
        || info.natRewritten)) {
      sb.append(",\"nat\":{\"src\":");
      Json.ip(sb, skb.saddr());
      sb.append(",\"dst\":");
      Json.ip(sb, skb.daddr());
      if ((info.origProto == 6 || info.origProto == 17) && skb.view.l4HeaderPresent()) {
        sb.append(",\"sport\":").append(skb.view.srcPort()).append(",\"dport\":")
            .append(skb.view.dstPort());
      }
      sb.append('}');
    }
    sb.append(",\"mark\":").append(Integer.toUnsignedString(skb.mark));
    if (skb.ctHandle >= 0) {
      sb.append(",\"ctmark\":").append(Integer.toUnsignedString(skb.ctMark()));
    }
    if (skb.logCount > 0) {
      sb.append(",\"log\":[");
      for (int i = 0; i < skb.logCount; i++) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append("{\"target\":\"").append(skb.logTarget[i]).append("\",\"prefix\":");
        Json.string(sb, skb.logPrefix[i] == null ? "" : skb.logPrefix[i]);
        sb.append('}');
      }
      sb.append(']');
    }
    flags(skb, info);
    sb.append("}\n");
    try {
      out.append(sb);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void flags(Skb skb, PacketInfo info) {
    boolean any = false;
    any = flag(any, info.looped, "loopback");
    any = flag(any, info.bridged, "bridged");
    any = flag(any, info.attached, "kernel-answer");
    any = flag(any, info.generated, "generated");
    any = flag(any, skb.view.truncated(), "truncated");
    any = flag(any, info.unknownRule, "unknown-rule");
    for (int i = 0; i < skb.assumptionCount; i++) {
      any = flag(any, true, "assumed:" + skb.assumptionNames[i]);
    }
    if (any) {
      sb.append(']');
    }
  }

  private boolean flag(boolean any, boolean set, String name) {
    if (!set) {
      return any;
    }
    sb.append(any ? "," : ",\"flags\":[");
    Json.string(sb, name);
    return true;
  }

  /** A packet that was not evaluated (not IPv4, malformed, loopback arrival). */
  public void notEvaluated(long index, long tsNanos, String entry, String in, String reason,
      Disposition d) {
    sb.setLength(0);
    sb.append("{\"index\":").append(index).append(",\"ts\":").append(tsNanos);
    if (entry != null) {
      sb.append(",\"entry\":\"").append(entry).append('"');
    }
    if (in != null) {
      sb.append(",\"in\":");
      Json.string(sb, in);
    }
    sb.append(",\"verdict\":\"").append(d.label()).append("\",\"reason\":");
    Json.string(sb, reason);
    sb.append(",\"flags\":[\"malformed\"]}\n".replace("\"malformed\"",
        d == Disposition.LOOPBACK_SKIPPED ? "\"loopback-arrival\"" : "\"not-evaluated\""));
    try {
      out.append(sb);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String ctName(int ctinfo) {
    switch (ctinfo) {
      case Ct.CTINFO_NEW: return "NEW";
      case Ct.CTINFO_ESTABLISHED: return "ESTABLISHED";
      case Ct.CTINFO_RELATED: return "RELATED";
      case Ct.CTINFO_ESTABLISHED_REPLY: return "ESTABLISHED_REPLY";
      case Ct.CTINFO_RELATED_REPLY: return "RELATED_REPLY";
      case Ct.CTINFO_UNTRACKED: return "UNTRACKED";
      default: return "INVALID";
    }
  }
}
