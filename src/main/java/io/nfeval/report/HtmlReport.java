package io.nfeval.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTML renderings: one self-contained file (inline CSS, a few lines of inline JS for sorting and
 * filtering tables, charts as inline SVG drawn here), no network fetch, so it opens offline. When its
 * script ran, the page marks {@code <html data-nfeval-ready="yes">} (the browser test checks it).
 */
final class HtmlReport {
  private static final Map<String, String> COLORS = new LinkedHashMap<>();

  static {
    COLORS.put("accept:input", "#2e7d32");
    COLORS.put("accept:forward", "#43a047");
    COLORS.put("accept:output", "#81c784");
    COLORS.put("accept:bridge", "#a5d6a7");
    COLORS.put("drop", "#c62828");
    COLORS.put("reject", "#ef6c00");
    COLORS.put("queue", "#6a1b9a");
    COLORS.put("drop:routing", "#8d6e63");
    COLORS.put("drop:ttl", "#795548");
    COLORS.put("drop:conntrack", "#ad1457");
    COLORS.put("drop:bridge-hairpin", "#5d4037");
    COLORS.put("held:defrag", "#90a4ae");
    COLORS.put("not-evaluated", "#616161");
    COLORS.put("skipped:loopback", "#bdbdbd");
    COLORS.put("NEW", "#1e88e5");
    COLORS.put("ESTABLISHED", "#43a047");
    COLORS.put("RELATED", "#fdd835");
    COLORS.put("INVALID", "#c62828");
    COLORS.put("UNTRACKED", "#9e9e9e");
    COLORS.put("none", "#b0bec5");
  }

  private static final String CSS = """
      body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
      header{background:#263238;color:#fff;padding:12px 24px}header h1{margin:0;font-size:20px}
      header p{margin:4px 0 0;color:#cfd8dc}main{padding:8px 24px;max-width:1400px}
      section{background:#fff;border:1px solid #e0e0e0;border-radius:6px;margin:14px 0;padding:10px 16px}
      h2{font-size:16px;margin:4px 0 8px}.cards{display:flex;flex-wrap:wrap;gap:10px}
      .card{border:1px solid #e0e0e0;border-radius:6px;padding:6px 12px;min-width:110px}
      .card b{display:block;font-size:18px}.card span{color:#666;font-size:12px}
      table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;vertical-align:top}
      th{background:#f5f5f5;cursor:pointer;user-select:none;position:sticky;top:0}th.num,td.num{text-align:right;font-variant-numeric:tabular-nums}
      th[data-dir=asc]::after{content:" \\25B2"}th[data-dir=desc]::after{content:" \\25BC"}
      td code,li code{font:12px ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all}
      tr.zero td{color:#9e9e9e}tr.never td:first-child{border-left:3px solid #ef6c00}
      .filter{margin:4px 0 6px;padding:4px 6px;width:320px;border:1px solid #bbb;border-radius:4px}
      .scroll{max-height:480px;overflow:auto}.legend span{display:inline-block;margin-right:12px;font-size:12px}
      .legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
      .note{color:#555;font-size:12px}.kind-shadowed{color:#c62828;font-weight:600}.kind-redundant{color:#ef6c00;font-weight:600}
      """;

  private static final String JS = """
      (function(){
        function val(td,num){var t=td?td.getAttribute('data-v')||td.textContent:'';return num?parseFloat(t)||0:t.toLowerCase();}
        document.querySelectorAll('table.sortable').forEach(function(tb){
          tb.querySelectorAll('th').forEach(function(th,i){
            th.addEventListener('click',function(){
              var num=th.classList.contains('num'),dir=th.getAttribute('data-dir')==='asc'?'desc':'asc';
              tb.querySelectorAll('th').forEach(function(o){o.removeAttribute('data-dir');});th.setAttribute('data-dir',dir);
              var body=tb.tBodies[0],rows=Array.prototype.slice.call(body.rows);
              rows.sort(function(a,b){var x=val(a.cells[i],num),y=val(b.cells[i],num);var c=x<y?-1:x>y?1:0;return dir==='asc'?c:-c;});
              rows.forEach(function(r){body.appendChild(r);});
            });
          });
        });
        document.querySelectorAll('input.filter').forEach(function(inp){
          var tb=document.getElementById(inp.getAttribute('data-table'));
          inp.addEventListener('input',function(){
            var q=inp.value.toLowerCase();
            Array.prototype.forEach.call(tb.tBodies[0].rows,function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':'';});
          });
        });
        document.documentElement.setAttribute('data-nfeval-ready','yes');
      })();
      """;

  /** Above this many rules, rules never hit are folded into one row per chain. */
  static final int MAX_RULE_ROWS = 2000;

  private HtmlReport() {
  }

  static String audit(JsonNode d) {
    final StringBuilder sb = new StringBuilder(64 * 1024);
    final JsonNode in = d.path("inputs");
    final JsonNode tot = d.path("totals");
    head(sb, "nfeval audit: " + in.path("snapshot").asText());
    sb.append("<header><h1>nfeval audit: ").append(esc(in.path("snapshot").asText())).append("</h1><p>")
        .append(esc(joinText(in.path("pcap")))).append(in.path("local").size() > 0 ? " · local: "
            + esc(joinText(in.path("local"))) : "")
        .append(" · ruleset ").append(esc(in.path("rules").asText())).append(" (").append(esc(in.path("backend")
            .asText())).append(")</p></header><main>\n");
    // summary
    sb.append("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">");
    card(sb, "packets", tot.path("packets").asLong(), "total-packets");
    card(sb, "bytes", tot.path("bytes").asLong(), "total-bytes");
    tot.path("verdicts").fields().forEachRemaining(e -> card(sb, e.getKey(), e.getValue().path("packets").asLong(),
        "verdict-" + e.getKey().replace(':', '-')));
    card(sb, "NAT-rewritten", tot.path("natRewritten").asLong(), "nat-rewritten");
    sb.append("</div><p class=\"note\">").append(esc(tot.path("firstSeen").asText(""))).append(" … ")
        .append(esc(tot.path("lastSeen").asText(""))).append(tot.path("conntrack").asBoolean() ? ""
            : " · conntrack not in use by this ruleset").append("</p>");
    final Map<String, Long> verdicts = new LinkedHashMap<>();
    tot.path("verdicts").fields().forEachRemaining(e -> verdicts.put(e.getKey(), e.getValue().path("packets")
        .asLong()));
    stackedBar(sb, "all packets", verdicts, 900);
    legend(sb, verdicts.keySet());
    sb.append("</section>\n");
    hooks(sb, d.path("hooks"));
    timeline(sb, d.path("conntrackTimeline"));
    rules(sb, d);
    findings(sb, d.path("static"));
    flows(sb, d.path("topFlows"));
    nat(sb, d.path("nat"));
    assumed(sb, d.path("assumed"));
    tail(sb);
    return sb.toString();
  }

  private static void hooks(StringBuilder sb, JsonNode h) {
    sb.append("<section id=\"hooks\"><h2>Traffic through the hooks</h2><p class=\"note\">Each bar: the packets that"
        + " went through a table at a hook, coloured by what finally happened to them; the first bars are"
        + " where packets entered.</p>");
    final java.util.Set<String> keys = new java.util.LinkedHashSet<>();
    long max = 1;
    final List<JsonNode> rows = new ArrayList<>();
    h.path("entry").forEach(rows::add);
    h.path("tables").forEach(rows::add);
    for (JsonNode r : rows) {
      long n = 0;
      for (var it = r.path("verdicts").fields(); it.hasNext();) {
        final var e = it.next();
        keys.add(e.getKey());
        n += e.getValue().asLong();
      }
      max = Math.max(max, n);
    }
    final int w = 900;
    final int rowH = 22;
    sb.append("<svg width=\"").append(w).append("\" height=\"")
        .append(rows.size() * rowH + 6).append("\" role=\"img\" aria-label=\"hook and table volumes\">");
    int y = 2;
    for (JsonNode r : rows) {
      final String label = (r.has("table") ? r.path("hook").asText() + " · " + r.path("table").asText()
          : "enters at " + r.path("hook").asText());
      sb.append("<text x=\"0\" y=\"").append(y + 15).append("\" font-size=\"12\">").append(esc(label)).append("</text>");
      double x = 190;
      long total = 0;
      for (var it = r.path("verdicts").fields(); it.hasNext();) {
        final var e = it.next();
        final double bw = (w - 290) * (double) e.getValue().asLong() / max;
        total += e.getValue().asLong();
        sb.append("<rect x=\"").append(fmt(x)).append("\" y=\"").append(y).append("\" width=\"").append(fmt(bw))
            .append("\" height=\"").append(rowH - 4).append("\" fill=\"").append(color(e.getKey()))
            .append("\"><title>").append(esc(label + ": " + e.getKey() + " " + e.getValue().asLong()))
            .append("</title></rect>");
        x += bw;
      }
      sb.append("<text x=\"").append(fmt(x + 6)).append("\" y=\"").append(y + 15).append("\" font-size=\"12\">")
          .append(total).append("</text>");
      y += rowH;
    }
    sb.append("</svg>");
    legend(sb, keys);
    sb.append("</section>\n");
  }

  private static void timeline(StringBuilder sb, JsonNode t) {
    sb.append("<section id=\"conntrack\"><h2>Conntrack states over time</h2>");
    final int n = t.path("buckets").asInt();
    if (n == 0) {
      sb.append("<p class=\"note\">No evaluated packets.</p></section>\n");
      return;
    }
    sb.append("<p class=\"note\">From ").append(esc(t.path("start").asText())).append(", ")
        .append(t.path("bucketSeconds").asDouble()).append(" s per column; state as the last hook saw each packet.</p>");
    final long[] sums = new long[n];
    final List<String> names = new ArrayList<>();
    t.path("series").fields().forEachRemaining(e -> {
      names.add(e.getKey());
      for (int i = 0; i < n; i++) {
        sums[i] += e.getValue().path(i).asLong();
      }
    });
    long max = 1;
    for (long s : sums) {
      max = Math.max(max, s);
    }
    final int w = 900;
    final int h = 160;
    final double cw = (double) (w - 60) / n;
    sb.append("<svg width=\"").append(w).append("\" height=\"").append(h + 20)
        .append("\" role=\"img\" aria-label=\"conntrack states over time\">");
    sb.append("<text x=\"0\" y=\"12\" font-size=\"11\">").append(max).append("</text>");
    sb.append("<line x1=\"50\" y1=\"").append(h).append("\" x2=\"").append(w).append("\" y2=\"").append(h)
        .append("\" stroke=\"#999\"/>");
    final double[] base = new double[n];
    for (String s : names) {
      final JsonNode a = t.path("series").path(s);
      for (int i = 0; i < n; i++) {
        final long v = a.path(i).asLong();
        if (v == 0) {
          continue;
        }
        final double bh = (h - 10) * (double) v / max;
        base[i] += bh;
        sb.append("<rect x=\"").append(fmt(50 + i * cw + 1)).append("\" y=\"").append(fmt(h - base[i]))
            .append("\" width=\"").append(fmt(Math.max(1, cw - 2))).append("\" height=\"").append(fmt(bh))
            .append("\" fill=\"").append(color(s)).append("\"><title>").append(esc(s + ": " + v))
            .append("</title></rect>");
      }
    }
    sb.append("<text x=\"50\" y=\"").append(h + 14).append("\" font-size=\"11\">0 s</text>");
    sb.append("<text x=\"").append(w - 60).append("\" y=\"").append(h + 14).append("\" font-size=\"11\">")
        .append(fmt(n * t.path("bucketSeconds").asDouble())).append(" s</text></svg>");
    legend(sb, names);
    sb.append("</section>\n");
  }

  private static void rules(StringBuilder sb, JsonNode d) {
    int total = 0;
    int never = 0;
    for (JsonNode t : d.path("tables")) {
      for (JsonNode c : t.path("chains")) {
        for (JsonNode r : c.path("rules")) {
          total++;
          if (r.path("packets").asLong() == 0) {
            never++;
          }
        }
      }
    }
    sb.append("<section id=\"rules\"><h2>Rules: <span id=\"rules-total\">").append(total)
        .append("</span>, never hit on this traffic: <span id=\"rules-never\">").append(never)
        .append("</span></h2><input class=\"filter\" data-table=\"rules-table\" placeholder=\"filter (e.g. filter"
            + " FORWARD, never, DNAT)\"><div class=\"scroll\"><table id=\"rules-table\" class=\"sortable\"><thead><tr>"
            + "<th>table</th><th>chain</th><th class=\"num\">#</th><th>rule</th><th>source</th>"
            + "<th class=\"num\">packets</th><th class=\"num\">bytes</th><th class=\"num\">flows</th>"
            + "<th>first seen</th><th>last seen</th></tr></thead><tbody>");
    // Large rulesets: every rule that was hit is listed; rules never hit are folded per chain (the JSON
    // report lists each), so the page stays small and quick to open.
    final boolean fold = total > MAX_RULE_ROWS;
    for (JsonNode t : d.path("tables")) {
      for (JsonNode c : t.path("chains")) {
        int folded = 0;
        String firstSrc = null;
        String lastSrc = null;
        for (JsonNode r : c.path("rules")) {
          if (fold && r.path("packets").asLong() == 0) {
            folded++;
            firstSrc = firstSrc == null ? r.path("source").asText("") : firstSrc;
            lastSrc = r.path("source").asText("");
            continue;
          }
          ruleRow(sb, t.path("table").asText(), c.path("chain").asText(), r.path("rule").asText(),
              r.path("text").asText(), r.path("source").asText(""), r);
        }
        if (folded > 0) {
          sb.append("<tr class=\"zero never\"><td>").append(esc(t.path("table").asText())).append("</td><td>")
              .append(esc(c.path("chain").asText())).append("</td><td class=\"num\"></td><td>").append(folded)
              .append(" rules never hit (listed in the JSON report)</td><td>").append(esc(firstSrc)).append(" … ")
              .append(esc(lastSrc)).append("</td><td class=\"num\">0</td><td class=\"num\">0</td>"
                  + "<td class=\"num\">0</td><td></td><td></td></tr>\n");
        }
        if (c.has("policyHits")) {
          ruleRow(sb, t.path("table").asText(), c.path("chain").asText(), "", "policy " + c.path("policy").asText(),
              "", c.path("policyHits"));
        }
      }
    }
    sb.append("</tbody></table></div></section>\n");
  }

  private static void ruleRow(StringBuilder sb, String table, String chain, String n, String text, String src,
      JsonNode r) {
    final long p = r.path("packets").asLong();
    sb.append("<tr").append(p == 0 ? " class=\"zero never\"" : "").append("><td>").append(esc(table))
        .append("</td><td>").append(esc(chain)).append("</td><td class=\"num\">").append(esc(n))
        .append("</td><td><code>").append(esc(text)).append("</code>").append(p == 0 ? " <small>(never)</small>" : "")
        .append("</td><td>").append(esc(src)).append("</td><td class=\"num\">").append(p)
        .append("</td><td class=\"num\">").append(r.path("bytes").asLong()).append("</td><td class=\"num\" data-v=\"")
        .append(r.path("flows").asLong()).append("\">").append(r.path("flowsExact").asBoolean(true) ? "" : "~")
        .append(r.path("flows").asLong()).append("</td><td>").append(esc(r.path("firstSeen").asText("")))
        .append("</td><td>").append(esc(r.path("lastSeen").asText(""))).append("</td></tr>\n");
  }

  private static void findings(StringBuilder sb, JsonNode st) {
    sb.append("<section id=\"static\"><h2>Static analysis: <span id=\"static-count\">").append(st.size())
        .append("</span> rules that can never match or are redundant</h2><p class=\"note\">Found from the ruleset"
            + " alone, over addresses, ports, protocols, ICMP types, interfaces, ct states and marks. A rule with"
            + " any other match is never claimed to cover another, so every finding holds for every packet.</p>");
    if (st.size() > 0) {
      sb.append("<table id=\"static-table\" class=\"sortable\"><thead><tr><th>kind</th><th>table</th><th>chain</th>"
          + "<th class=\"num\">#</th><th>rule</th><th>source</th><th>why</th></tr></thead><tbody>");
      for (JsonNode f : st) {
        sb.append("<tr><td class=\"kind-").append(esc(f.path("kind").asText())).append("\">")
            .append(esc(f.path("kind").asText())).append("</td><td>").append(esc(f.path("table").asText()))
            .append("</td><td>").append(esc(f.path("chain").asText())).append("</td><td class=\"num\">")
            .append(f.path("rule").asInt()).append("</td><td><code>").append(esc(f.path("text").asText()))
            .append("</code></td><td>").append(esc(f.path("source").asText(""))).append("</td><td>")
            .append(esc(f.path("reason").asText()));
        if (f.has("byText")) {
          sb.append("<br><code>").append(esc(f.path("byText").asText())).append("</code>");
        }
        sb.append("</td></tr>\n");
      }
      sb.append("</tbody></table>");
    }
    sb.append("</section>\n");
  }

  private static void flows(StringBuilder sb, JsonNode tf) {
    sb.append("<section id=\"flows\"><h2>Top flows by verdict</h2><p class=\"note\">A flow is a connection's"
        + " two directions; the deciding rule is the last rule its last packet matched.</p>");
    tf.fields().forEachRemaining(e -> {
      final JsonNode v = e.getValue();
      final String id = "flows-" + e.getKey().replaceAll("[^a-z]", "-");
      sb.append("<h3 style=\"font-size:14px\">").append(esc(e.getKey())).append(": ").append(v.path("packets").asLong())
          .append(" packets, ").append(v.path("flowsExact").asBoolean() ? "" : "~").append(v.path("flows").asLong())
          .append(" flows").append(v.path("approximate").asBoolean() ? " (top list approximate)" : "")
          .append("</h3><table id=\"").append(id).append("\" class=\"sortable\"><thead><tr><th>flow</th>"
              + "<th class=\"num\">packets</th><th class=\"num\">bytes</th><th>first seen</th><th>decided by</th>"
              + "</tr></thead><tbody>");
      for (JsonNode f : v.path("top")) {
        sb.append("<tr><td>").append(esc(MarkdownReport.flow(f))).append("</td><td class=\"num\">")
            .append(f.path("packets").asLong()).append("</td><td class=\"num\">").append(f.path("bytes").asLong())
            .append("</td><td>").append(esc(f.path("firstSeen").asText(""))).append("</td><td><code>")
            .append(esc(f.path("decidedBy").asText(""))).append("</code></td></tr>\n");
      }
      sb.append("</tbody></table>");
    });
    sb.append("</section>\n");
  }

  private static void nat(StringBuilder sb, JsonNode nat) {
    sb.append("<section id=\"nat\"><h2>NAT translations by rule</h2>");
    if (nat.size() == 0) {
      sb.append("<p class=\"note\">No NAT binding was set up.</p>");
    } else {
      sb.append("<table id=\"nat-table\" class=\"sortable\"><thead><tr><th>table</th><th>rule</th>"
          + "<th class=\"num\">connections</th><th>to</th><th>translations seen</th></tr></thead><tbody>");
      for (JsonNode r : nat) {
        sb.append("<tr><td>").append(esc(r.path("table").asText())).append("</td><td><code>")
            .append(esc(r.path("text").asText())).append("</code></td><td class=\"num\">")
            .append(r.path("connections").asLong()).append("</td><td>");
        for (JsonNode t : r.path("to")) {
          sb.append(esc(t.path("to").asText())).append(" (").append(t.path("connections").asLong()).append(")<br>");
        }
        sb.append("</td><td>");
        for (JsonNode t : r.path("translations")) {
          sb.append(esc(t.path("translation").asText())).append(" (").append(t.path("connections").asLong())
              .append(")<br>");
        }
        if (r.path("otherTranslations").asLong() > 0) {
          sb.append("… ").append(r.path("otherTranslations").asLong()).append(" more");
        }
        sb.append("</td></tr>\n");
      }
      sb.append("</tbody></table>");
    }
    sb.append("</section>\n");
  }

  private static void assumed(StringBuilder sb, JsonNode a) {
    sb.append("<section id=\"assumed\"><h2>What the run had to assume</h2><ul>");
    a.path("assumptions").fields().forEachRemaining(e -> sb.append("<li>assumed ").append(esc(e.getKey()))
        .append(": ").append(e.getValue().asLong()).append(" packets</li>"));
    sb.append("<li>rules with a module nfeval does not know: ").append(a.path("unknownRules").size())
        .append(" (packets that met one: ").append(a.path("unknownRulePackets").asLong()).append(")</li>");
    for (JsonNode r : a.path("unknownRules")) {
      sb.append("<li><code>").append(esc(r.path("text").asText())).append("</code> ")
          .append(esc(r.path("source").asText(""))).append("</li>");
    }
    for (JsonNode x : a.path("diagnostics")) {
      sb.append("<li>").append(esc(x.asText())).append("</li>");
    }
    a.path("notEvaluated").fields().forEachRemaining(e -> sb.append("<li>not evaluated, ").append(esc(e.getKey()))
        .append(": ").append(e.getValue().asLong()).append("</li>"));
    final JsonNode dec = a.path("decode");
    sb.append("<li>decoded ").append(dec.path("packets").asLong()).append(" packets; malformed ")
        .append(dec.path("malformed").asLong()).append("; truncated by snaplen ").append(dec.path("truncated").asLong())
        .append("</li>");
    dec.path("byReason").fields().forEachRemaining(e -> sb.append("<li>").append(esc(e.getKey())).append(": ")
        .append(e.getValue().asLong()).append("</li>"));
    if (a.path("unknownIngress").asLong() > 0) {
      sb.append("<li>unknown ingress interface: ").append(a.path("unknownIngress").asLong()).append("</li>");
    }
    sb.append("</ul></section>\n");
  }

  static String diff(JsonNode d) {
    final StringBuilder sb = new StringBuilder(32 * 1024);
    final JsonNode in = d.path("inputs");
    head(sb, "nfeval diff: " + in.path("proposed").asText());
    sb.append("<header><h1>nfeval diff: ").append(esc(in.path("current").asText())).append(" → ")
        .append(esc(in.path("proposed").asText())).append("</h1><p>snapshot ").append(esc(in.path("snapshot").asText()))
        .append(" · ").append(esc(joinText(in.path("pcap")))).append("</p></header><main>");
    final JsonNode tr = d.path("traffic");
    sb.append("<section id=\"summary\"><h2 id=\"verdict\">").append(d.path("changed").asBoolean() ? "Changes found"
        : "No change").append("</h2><div class=\"cards\">");
    card(sb, "packets", tr.path("packets").asLong(), "total-packets");
    card(sb, "packets changed", tr.path("changedPackets").asLong(), "changed-packets");
    card(sb, "flows changed", tr.path("changedFlows").asLong(), "changed-flows");
    card(sb, "static regions", d.path("static").path("regions").size(), "static-regions");
    sb.append("</div></section>");
    sb.append("<section id=\"rules\"><h2>Rules added, removed, moved</h2><table id=\"rules-table\" class=\"sortable\">"
        + "<thead><tr><th>change</th><th>table</th><th>chain</th><th>rule</th><th>position</th></tr></thead><tbody>");
    for (String k : new String[] {"removed", "added", "moved"}) {
      for (JsonNode r : d.path("rules").path(k)) {
        sb.append("<tr><td>").append(k).append("</td><td>").append(esc(r.path("table").asText())).append("</td><td>")
            .append(esc(r.path("chain").asText())).append("</td><td><code>").append(esc(r.path("text").asText()))
            .append("</code></td><td>").append(r.has("from") ? "#" + r.path("from").asInt() + " → #" + r.path("to").asInt()
                : "#" + r.path("position").asInt()).append("</td></tr>\n");
      }
    }
    sb.append("</tbody></table></section>");
    sb.append("<section id=\"traffic\"><h2>Flows whose verdict or NAT changes</h2><ul>");
    tr.path("byChange").fields().forEachRemaining(e -> sb.append("<li>").append(esc(e.getKey())).append(": ")
        .append(e.getValue().asLong()).append(" packets</li>"));
    sb.append("</ul><input class=\"filter\" data-table=\"flows-table\" placeholder=\"filter\"><table id=\"flows-table\""
        + " class=\"sortable\"><thead><tr><th>flow</th><th class=\"num\">packets</th><th>before</th><th>after</th>"
        + "</tr></thead><tbody>");
    for (JsonNode f : tr.path("flows")) {
      sb.append("<tr><td>").append(esc(MarkdownReport.flow(f))).append("</td><td class=\"num\">")
          .append(f.path("packets").asLong()).append("</td><td>").append(side(f.path("before"))).append("</td><td>")
          .append(side(f.path("after"))).append("</td></tr>\n");
    }
    sb.append("</tbody></table></section>");
    final JsonNode st = d.path("static");
    sb.append("<section id=\"static\"><h2>Static diff: header-space regions that change verdict</h2><p class=\"note\">")
        .append(esc(st.path("covers").asText())).append(' ').append(esc(st.path("doesNotCover").asText()))
        .append(" Samples: ").append(st.path("samples").asLong()).append(", undecided: ")
        .append(st.path("undecided").asLong()).append(".</p><table id=\"static-table\" class=\"sortable\"><thead><tr>"
            + "<th>chain</th><th>example packet</th><th>ct</th><th class=\"num\">samples</th><th>before</th><th>after</th>"
            + "</tr></thead><tbody>");
    for (JsonNode r : st.path("regions")) {
      sb.append("<tr><td>").append(esc(r.path("chain").asText())).append("</td><td>")
          .append(esc(MarkdownReport.flow(r.path("example")))).append("</td><td>")
          .append(esc(joinText(r.path("ctstates")))).append("</td><td class=\"num\">")
          .append(r.path("samples").asLong()).append("</td><td>").append(side(r.path("before"))).append("</td><td>")
          .append(side(r.path("after"))).append("</td></tr>\n");
    }
    sb.append("</tbody></table></section>");
    tail(sb);
    return sb.toString();
  }

  private static String side(JsonNode s) {
    final StringBuilder sb = new StringBuilder("<b>").append(esc(s.path("verdict").asText())).append("</b>");
    if (s.hasNonNull("nat")) {
      sb.append(" nat ").append(esc(s.path("nat").asText()));
    }
    if (s.hasNonNull("decidedBy")) {
      sb.append("<br><code>").append(esc(s.path("decidedBy").asText())).append("</code>");
    }
    return sb.toString();
  }

  // ---- pieces ----------------------------------------------------------------------------------

  private static void head(StringBuilder sb, String title) {
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\""
        + " content=\"width=device-width,initial-scale=1\"><meta http-equiv=\"Content-Security-Policy\""
        + " content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        + "<title>").append(esc(title)).append("</title><style>").append(CSS).append("</style></head><body>\n");
  }

  private static void tail(StringBuilder sb) {
    sb.append("<p class=\"note\">Generated by nfeval. Self-contained: no network access needed.</p></main><script>")
        .append(JS).append("</script></body></html>\n");
  }

  private static void card(StringBuilder sb, String label, long value, String id) {
    sb.append("<div class=\"card\"><b id=\"").append(esc(id)).append("\">").append(value).append("</b><span>")
        .append(esc(label)).append("</span></div>");
  }

  private static void stackedBar(StringBuilder sb, String label, Map<String, Long> parts, int w) {
    long total = 0;
    for (long v : parts.values()) {
      total += v;
    }
    sb.append("<svg width=\"").append(w).append("\" height=\"26\" role=\"img\""
        + " aria-label=\"").append(esc(label)).append("\">");
    double x = 0;
    for (Map.Entry<String, Long> e : parts.entrySet()) {
      final double bw = total == 0 ? 0 : (double) w * e.getValue() / total;
      sb.append("<rect x=\"").append(fmt(x)).append("\" y=\"2\" width=\"").append(fmt(bw))
          .append("\" height=\"22\" fill=\"").append(color(e.getKey())).append("\"><title>")
          .append(esc(e.getKey() + ": " + e.getValue())).append("</title></rect>");
      x += bw;
    }
    sb.append("</svg>");
  }

  private static void legend(StringBuilder sb, Iterable<String> keys) {
    sb.append("<div class=\"legend\">");
    for (String k : keys) {
      sb.append("<span><i style=\"background:").append(color(k)).append("\"></i>").append(esc(k)).append("</span>");
    }
    sb.append("</div>");
  }

  private static String color(String k) {
    return COLORS.getOrDefault(k, "#78909c");
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String joinText(JsonNode a) {
    final List<String> s = new ArrayList<>();
    a.forEach(x -> s.add(x.asText()));
    return String.join(", ", s);
  }

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    final StringBuilder sb = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      final char c = s.charAt(i);
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }
}
