package io.nfeval.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The Markdown renderings: short enough for a pull-request comment — totals, then the top entries of
 * each section with "and N more" (the JSON and HTML reports have the rest).
 */
final class MarkdownReport {
  static final int TOP = 10;

  private MarkdownReport() {
  }

  static String audit(JsonNode d) {
    final StringBuilder sb = new StringBuilder();
    final JsonNode in = d.path("inputs");
    final JsonNode tot = d.path("totals");
    sb.append("## nfeval audit: ").append(in.path("snapshot").asText()).append("\n\n");
    sb.append("Traffic: ").append(join(in.path("pcap"))).append(in.path("local").size() > 0
        ? " (local: " + join(in.path("local")) + ")" : "").append(" — **").append(tot.path("packets").asLong())
        .append(" packets**, ").append(tot.path("bytes").asLong()).append(" bytes");
    if (!tot.path("firstSeen").isNull()) {
      sb.append(", ").append(tot.path("firstSeen").asText()).append(" … ").append(tot.path("lastSeen").asText());
    }
    sb.append(".\n\n");
    sb.append("| verdict | packets | bytes | flows |\n|---|---:|---:|---:|\n");
    tot.path("verdicts").fields().forEachRemaining(e -> sb.append("| ").append(e.getKey()).append(" | ")
        .append(e.getValue().path("packets").asLong()).append(" | ").append(e.getValue().path("bytes").asLong())
        .append(" | ").append(e.getValue().path("flows").asLong()).append(" |\n"));
    // rules
    final List<JsonNode> rules = new ArrayList<>();
    final List<JsonNode> never = new ArrayList<>();
    for (JsonNode t : d.path("tables")) {
      for (JsonNode c : t.path("chains")) {
        for (JsonNode r : c.path("rules")) {
          final JsonNode x = r.deepCopy();
          ((com.fasterxml.jackson.databind.node.ObjectNode) x).put("table", t.path("table").asText());
          ((com.fasterxml.jackson.databind.node.ObjectNode) x).put("chain", c.path("chain").asText());
          rules.add(x);
          if (r.path("packets").asLong() == 0) {
            never.add(x);
          }
        }
      }
    }
    final List<JsonNode> busy = new ArrayList<>(rules);
    busy.removeIf(r -> r.path("packets").asLong() == 0);
    busy.sort((a, b) -> Long.compare(b.path("packets").asLong(), a.path("packets").asLong()));
    sb.append("\n### Busiest rules (").append(busy.size()).append(" of ").append(rules.size())
        .append(" rules hit)\n\n");
    sb.append("| table | rule | packets | bytes | flows |\n|---|---|---:|---:|---:|\n");
    for (int i = 0; i < Math.min(TOP, busy.size()); i++) {
      final JsonNode r = busy.get(i);
      sb.append("| ").append(r.path("table").asText()).append(" | `").append(code(r.path("text").asText()))
          .append("` | ").append(r.path("packets").asLong()).append(" | ").append(r.path("bytes").asLong())
          .append(" | ").append(r.path("flowsExact").asBoolean() ? "" : "~").append(r.path("flows").asLong())
          .append(" |\n");
    }
    sb.append("\n### Rules never hit on this traffic: ").append(never.size()).append("\n\n");
    for (int i = 0; i < Math.min(TOP, never.size()); i++) {
      final JsonNode r = never.get(i);
      sb.append("- ").append(r.path("table").asText()).append(" `").append(code(r.path("text").asText()))
          .append("` (").append(r.path("source").asText()).append(")\n");
    }
    more(sb, never.size());
    final JsonNode st = d.path("static");
    sb.append("\n### Static analysis: ").append(count(st, ShadowAnalysis.SHADOWED)).append(" shadowed, ")
        .append(count(st, ShadowAnalysis.REDUNDANT)).append(" redundant, ")
        .append(count(st, ShadowAnalysis.EMPTY)).append(" never-matching\n\n");
    for (int i = 0; i < Math.min(TOP, st.size()); i++) {
      final JsonNode f = st.get(i);
      sb.append("- **").append(f.path("kind").asText()).append("** ").append(f.path("table").asText())
          .append(" `").append(code(f.path("text").asText())).append("` (").append(f.path("source").asText())
          .append("): ").append(f.path("reason").asText()).append("\n");
    }
    more(sb, st.size());
    // flows
    sb.append("\n### Top flows by verdict\n");
    d.path("topFlows").fields().forEachRemaining(e -> {
      final JsonNode v = e.getValue();
      sb.append("\n**").append(e.getKey()).append("**: ").append(v.path("packets").asLong()).append(" packets, ")
          .append(v.path("flowsExact").asBoolean() ? "" : "~").append(v.path("flows").asLong()).append(" flows")
          .append(v.path("approximate").asBoolean() ? " (top list approximate)" : "").append("\n\n");
      final int n = Math.min(5, v.path("top").size());
      for (int i = 0; i < n; i++) {
        final JsonNode f = v.path("top").get(i);
        sb.append("- ").append(flow(f)).append(": ").append(f.path("packets").asLong()).append(" pkts");
        if (!f.path("decidedBy").isNull()) {
          sb.append(" — `").append(code(f.path("decidedBy").asText())).append('`');
        }
        sb.append('\n');
      }
    });
    final JsonNode nat = d.path("nat");
    if (nat.size() > 0) {
      sb.append("\n### NAT translations\n\n");
      for (int i = 0; i < Math.min(TOP, nat.size()); i++) {
        final JsonNode r = nat.get(i);
        sb.append("- ").append(r.path("table").asText()).append(" `").append(code(r.path("text").asText()))
            .append("`: ").append(r.path("connections").asLong()).append(" connections → ");
        final List<String> tos = new ArrayList<>();
        for (JsonNode t : r.path("to")) {
          tos.add(t.path("to").asText() + " (" + t.path("connections").asLong() + ")");
        }
        sb.append(String.join(", ", tos.subList(0, Math.min(5, tos.size()))))
            .append(tos.size() > 5 ? ", …" : "").append('\n');
      }
      more(sb, nat.size());
    }
    final JsonNode a = d.path("assumed");
    sb.append("\n### Assumed\n\n");
    final List<String> parts = new ArrayList<>();
    a.path("assumptions").fields().forEachRemaining(e -> parts.add(e.getKey() + ": " + e.getValue().asLong()
        + " packets"));
    if (a.path("unknownRules").size() > 0) {
      parts.add(a.path("unknownRules").size() + " rules with unknown modules ("
          + a.path("unknownRulePackets").asLong() + " packets)");
    }
    a.path("notEvaluated").fields().forEachRemaining(e -> parts.add("not evaluated, " + e.getKey() + ": "
        + e.getValue().asLong()));
    if (a.path("decode").path("malformed").asLong() > 0) {
      parts.add("malformed: " + a.path("decode").path("malformed").asLong());
    }
    if (a.path("unknownIngress").asLong() > 0) {
      parts.add("unknown ingress: " + a.path("unknownIngress").asLong());
    }
    sb.append(parts.isEmpty() ? "Nothing: every packet was decided by what the capture and the snapshot tell."
        : String.join("; ", parts) + ".").append('\n');
    return sb.toString();
  }

  static String diff(JsonNode d) {
    final StringBuilder sb = new StringBuilder();
    final JsonNode in = d.path("inputs");
    sb.append("## nfeval diff: ").append(in.path("current").asText()).append(" → ")
        .append(in.path("proposed").asText()).append(" (").append(in.path("snapshot").asText()).append(")\n\n");
    sb.append(d.path("changed").asBoolean() ? "**Changes found.**" : "**No change.**").append("\n\n");
    final JsonNode rules = d.path("rules");
    sb.append("### Rules: ").append(rules.path("added").size()).append(" added, ")
        .append(rules.path("removed").size()).append(" removed, ").append(rules.path("moved").size())
        .append(" moved\n\n");
    for (String k : new String[] {"removed", "added", "moved"}) {
      final JsonNode list = rules.path(k);
      for (int i = 0; i < Math.min(TOP, list.size()); i++) {
        final JsonNode r = list.get(i);
        sb.append("- ").append(k.equals("added") ? "+ " : k.equals("removed") ? "- " : "~ ")
            .append(r.path("table").asText()).append(" `").append(code(r.path("text").asText())).append('`');
        if (k.equals("moved")) {
          sb.append(" (#").append(r.path("from").asInt()).append(" → #").append(r.path("to").asInt()).append(')');
        }
        sb.append('\n');
      }
      more(sb, list.size());
    }
    final JsonNode tr = d.path("traffic");
    sb.append("\n### Traffic: ").append(tr.path("changedPackets").asLong()).append(" of ")
        .append(tr.path("packets").asLong()).append(" packets, ").append(tr.path("changedFlows").asLong())
        .append(" flows change\n\n");
    tr.path("byChange").fields().forEachRemaining(e -> sb.append("- ").append(e.getKey()).append(": ")
        .append(e.getValue().asLong()).append(" packets\n"));
    final JsonNode flows = tr.path("flows");
    if (flows.size() > 0) {
      sb.append("\n| flow | packets | before | after |\n|---|---:|---|---|\n");
      for (int i = 0; i < Math.min(TOP, flows.size()); i++) {
        final JsonNode f = flows.get(i);
        sb.append("| ").append(flow(f)).append(" | ").append(f.path("packets").asLong()).append(" | ")
            .append(side(f.path("before"))).append(" | ").append(side(f.path("after"))).append(" |\n");
      }
      more(sb, (int) tr.path("changedFlows").asLong());
    }
    final JsonNode st = d.path("static");
    sb.append("\n### Static diff: ").append(st.path("regions").size()).append(" regions change verdict (")
        .append(st.path("samples").asLong()).append(" sample packets, ").append(st.path("undecided").asLong())
        .append(" undecided)\n\n");
    if (st.path("otherRegionSamples").asLong() > 0) {
      sb.append("- (list capped at ").append(st.path("regions").size()).append(" regions; ")
          .append(st.path("otherRegionSamples").asLong()).append(" more changed samples in other regions)\n");
    }
    if (st.path("capped").asBoolean()) {
      sb.append("- (sampling stopped at its step budget: not every rule's boundaries were sampled)\n");
    }
    for (int i = 0; i < Math.min(TOP, st.path("regions").size()); i++) {
      final JsonNode r = st.path("regions").get(i);
      sb.append("- ").append(r.path("chain").asText()).append(": ").append(r.path("before").path("verdict").asText())
          .append(" → ").append(r.path("after").path("verdict").asText()).append(", e.g. ")
          .append(flow(r.path("example"))).append(" ctstate ").append(join(r.path("ctstates")))
          .append('\n');
    }
    more(sb, st.path("regions").size());
    sb.append("\n_").append(st.path("covers").asText()).append(' ').append(st.path("doesNotCover").asText())
        .append("_\n");
    return sb.toString();
  }

  private static String side(JsonNode s) {
    final StringBuilder sb = new StringBuilder(s.path("verdict").asText());
    if (!s.path("nat").isMissingNode() && !s.path("nat").isNull()) {
      sb.append(" nat ").append(s.path("nat").asText());
    }
    if (!s.path("decidedBy").isNull() && !s.path("decidedBy").isMissingNode()) {
      sb.append(" `").append(code(s.path("decidedBy").asText())).append('`');
    }
    return sb.toString().replace("|", "\\|");
  }

  static String flow(JsonNode f) {
    final StringBuilder sb = new StringBuilder(f.path("proto").asText()).append(' ')
        .append(f.path("src").asText());
    if (f.has("sport")) {
      sb.append(':').append(f.path("sport").asInt());
    }
    sb.append(" → ").append(f.path("dst").asText());
    if (f.has("dport")) {
      sb.append(':').append(f.path("dport").asInt());
    }
    if (f.has("type")) {
      sb.append(" type ").append(f.path("type").asInt()).append('/').append(f.path("code").asInt());
    }
    if (f.hasNonNull("in")) {
      sb.append(" in ").append(f.path("in").asText());
    }
    if (f.hasNonNull("out")) {
      sb.append(" out ").append(f.path("out").asText());
    }
    return sb.toString();
  }

  private static void more(StringBuilder sb, int total) {
    if (total > TOP) {
      sb.append("- … and ").append(total - TOP).append(" more\n");
    }
  }

  private static long count(JsonNode st, String kind) {
    long n = 0;
    for (JsonNode f : st) {
      if (kind.equals(f.path("kind").asText())) {
        n++;
      }
    }
    return n;
  }

  private static String join(JsonNode a) {
    final List<String> s = new ArrayList<>();
    a.forEach(x -> s.add(x.asText()));
    return String.join(", ", s);
  }

  private static String code(String s) {
    return s.replace("`", "'").replace("|", "\\|");
  }
}
