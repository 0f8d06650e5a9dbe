package io.nfeval.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nfeval.conntrack.Ct;
import io.nfeval.engine.CompiledTable;
import io.nfeval.engine.Disposition;
import io.nfeval.engine.Engine;
import io.nfeval.engine.Json;
import io.nfeval.engine.PacketInfo;
import io.nfeval.engine.Skb;
import io.nfeval.engine.TableCounters;
import io.nfeval.packet.Malformed;
import io.nfeval.rules.Chain;
import io.nfeval.rules.Rule;
import io.nfeval.rules.Ruleset;
import io.nfeval.source.DecodeSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Gathers everything an audit report shows while the engine replays a capture: per-rule flows and
 * first/last seen (from each packet's trace; the packet and byte counts are the engine's own
 * kernel-exact counters), the heaviest flows per verdict with the rule that decided them, the NAT
 * translations each rule set up, conntrack states over time, volumes per hook and table, and every
 * assumption. All structures are bounded: per-rule flow sketches, pruned top-N flow tables and a
 * fixed number of time buckets.
 */
public final class AuditCollector implements Engine.PacketListener, Engine.NatObserver {
  static final String[] HOOKS = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"};
  static final String[] CT_NAMES = {"NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED", "none"};
  private static final int TOP_CAP = 1024;
  private static final int MAX_BUCKETS = 60;
  private static final int MAX_TRANSLATIONS = 16;

  private final Engine engine;
  private final List<CompiledTable> tables;
  private final boolean conntrackOn;
  private final long[][] first;
  private final long[][] last;
  private final FlowCounter[][] flows;
  private final TopFlows[] top = new TopFlows[Disposition.values().length];
  private final FlowCounter[] verdictFlows = new FlowCounter[Disposition.values().length];
  private final long[] dispositions = new long[Disposition.values().length];
  private final long[] dispositionBytes = new long[Disposition.values().length];
  /** [hook][table id][disposition]: packets that passed through the table at the hook. */
  private final long[][][] hookTable;
  private final long[][] entryHook = new long[HOOKS.length][Disposition.values().length];
  private final Map<String, Long> assumptions = new TreeMap<>();
  private long unknownRulePackets;
  private long generated;
  private long packets;
  private long bytes;
  private long natRewritten;
  private long firstTs = Long.MIN_VALUE;
  private long lastTs = Long.MIN_VALUE;
  // conntrack timeline
  private long bucketStart = Long.MIN_VALUE;
  private long bucketWidth = 1_000_000L; // 1 ms, doubled as the capture goes on
  private final long[][] buckets = new long[CT_NAMES.length][MAX_BUCKETS * 2];
  private int bucketCount;
  // NAT
  /** NAT bindings per (table id, entry), in first-bound order; see {@link NatStats}. */
  private final io.nfeval.engine.LongLongMap natIndex = new io.nfeval.engine.LongLongMap(-1);
  private final List<NatStats> natRules = new ArrayList<>();

  public AuditCollector(Engine engine) {
    this.engine = engine;
    this.tables = engine.tables();
    this.conntrackOn = engine.conntrackEnabled();
    first = new long[tables.size()][];
    last = new long[tables.size()][];
    flows = new FlowCounter[tables.size()][];
    for (CompiledTable t : tables) {
      first[t.id()] = new long[t.entries()];
      last[t.id()] = new long[t.entries()];
      java.util.Arrays.fill(first[t.id()], -1);
      java.util.Arrays.fill(last[t.id()], -1);
      flows[t.id()] = new FlowCounter[t.entries()];
    }
    hookTable = new long[HOOKS.length][tables.size()][Disposition.values().length];
    int fid = -1;
    for (CompiledTable t : tables) {
      if ("filter".equals(t.name())) {
        fid = t.id();
      }
    }
    filterId = fid;
    builtinHook = new int[tables.size()][];
    unknownEntry = new boolean[tables.size()][];
    for (CompiledTable t : tables) {
      final int[] h = builtinHook[t.id()] = new int[t.entries()];
      final boolean[] u = unknownEntry[t.id()] = new boolean[t.entries()];
      for (int e = 0; e < t.entries(); e++) {
        final Chain ch = t.chain(t.chainOf(e));
        h[e] = ch.builtin() ? hookIndex(ch.name()) : -1;
        u[e] = t.kind(e) == CompiledTable.RULE && t.rule(e).unknown();
      }
    }
  }

  /** Entry → hook index of its built-in chain, -1 in a user chain (precomputed: no string compare per packet). */
  private final int[][] builtinHook;
  /** Entry → the rule has a module nfeval does not know (packets that matched it are counted). */
  private final boolean[][] unknownEntry;

  private final int filterId;

  // ---- per packet ------------------------------------------------------------------------------

  @Override
  public void packetDone(Skb skb, Disposition d, PacketInfo info) {
    final long ts = skb.nowNanos();
    final int len = skb.length();
    packets++;
    bytes += len;
    dispositions[d.ordinal()]++;
    dispositionBytes[d.ordinal()] += len;
    if (firstTs == Long.MIN_VALUE || ts < firstTs) {
      firstTs = ts;
    }
    if (ts > lastTs) {
      lastTs = ts;
    }
    if (info.generated) {
      generated++;
    }
    boolean unknown = info.unknownRule;
    for (int i = 0; i < skb.assumptionCount(); i++) {
      assumptions.merge(skb.assumptionName(i), 1L, Long::sum);
    }
    if (info.natRewritten || skb.ip().srcAddr() != info.origSrc || skb.ip().dstAddr() != info.origDst) {
      natRewritten++;
    }
    if (info.entryHook != null) {
      entryHook[info.entryHook.ordinal()][d.ordinal()]++;
    }
    final boolean tracked = skb.ctProto() != 0;
    final long flow = tracked ? connectionKey(skb) : flowKey(info);
    // rules: flows and first/last seen, hook/table volumes
    int lastTable = -1;
    int lastHook = -1;
    int hook = -1;
    for (int i = 0; i < skb.traceLength(); i++) {
      final int t = skb.traceTableAt(i);
      final int e = skb.traceEntryAt(i);
      if (builtinHook[t][e] >= 0) {
        hook = builtinHook[t][e];
      }
      unknown |= unknownEntry[t][e];
      if (first[t][e] < 0) {
        first[t][e] = ts;
      }
      last[t][e] = ts;
      FlowCounter fc = flows[t][e];
      if (fc == null) {
        fc = flows[t][e] = new FlowCounter();
      }
      fc.add(flow);
      if (hook >= 0 && (t != lastTable || hook != lastHook)) {
        hookTable[hook][t][d.ordinal()]++;
        lastTable = t;
        lastHook = hook;
      }
    }
    if (unknown) {
      unknownRulePackets++;
    }
    // top flows per verdict
    TopFlows tf = top[d.ordinal()];
    if (tf == null) {
      tf = top[d.ordinal()] = new TopFlows(TOP_CAP);
      verdictFlows[d.ordinal()] = new FlowCounter();
    }
    verdictFlows[d.ordinal()].add(flow);
    final TopFlows.Flow f = tf.get(flow, len);
    if (f.first < 0) {
      f.first = ts;
      f.proto = info.origProto;
      final boolean ports = info.origProto == 6 || info.origProto == 17;
      // a tracked connection is shown in its original direction (as conntrack -L does), replies included
      f.src = tracked ? skb.ctOrigSrc() : info.origSrc;
      f.dst = tracked ? skb.ctOrigDst() : info.origDst;
      f.sport = tracked && ports ? skb.ctOrigSrcPort() : info.origSport;
      f.dport = tracked && ports ? skb.ctOrigDstPort() : info.origDport;
      if (tracked && !ports && info.origSrc != f.src) {
        f.sport = -1; // an ICMP reply first: its type is not the connection's
      }
      f.in = info.inName;
    }
    f.packets++;
    f.bytes += len;
    f.last = ts;
    final int dec = decider(skb, d);
    if (dec >= 0) {
      f.deciderTable = skb.traceTableAt(dec);
      f.deciderEntry = skb.traceEntryAt(dec);
    }
    // conntrack over time
    if (d != Disposition.FRAGMENT_HELD) {
      bucket(ts, ctIndex(skb.ctInfo()));
    }
  }

  /**
   * Trace step that decided the packet: the last rule it met when it was stopped (drop, reject, queue);
   * otherwise the last step in the filter table (nat/mangle policies that follow only pass it on), else
   * the last step. -1 without a trace.
   */
  private int decider(Skb skb, Disposition d) {
    final int n = skb.traceLength();
    if (n == 0) {
      return -1;
    }
    if (d != Disposition.DELIVERED && d != Disposition.FORWARDED && d != Disposition.SENT
        && d != Disposition.BRIDGED) {
      return n - 1;
    }
    for (int i = n - 1; i >= 0; i--) {
      if (skb.traceTableAt(i) == filterId) {
        return i;
      }
    }
    return n - 1;
  }

  private int ctIndex(int ctinfo) {
    if (!conntrackOn) {
      return 5;
    }
    switch (ctinfo) {
      case Ct.CTINFO_NEW: return 0;
      case Ct.CTINFO_ESTABLISHED: case Ct.CTINFO_ESTABLISHED_REPLY: return 1;
      case Ct.CTINFO_RELATED: case Ct.CTINFO_RELATED_REPLY: return 2;
      case Ct.CTINFO_UNTRACKED: return 4;
      default: return 3;
    }
  }

  private void bucket(long ts, int state) {
    if (bucketStart == Long.MIN_VALUE) {
      bucketStart = ts;
    }
    long b = Math.max(0, (ts - bucketStart) / bucketWidth);
    while (b >= MAX_BUCKETS) {
      // double the width: merge pairs of buckets
      for (long[] s : buckets) {
        for (int i = 0; i < MAX_BUCKETS; i++) {
          s[i] = s[2 * i] + s[2 * i + 1];
        }
        java.util.Arrays.fill(s, MAX_BUCKETS, s.length, 0);
      }
      bucketWidth *= 2;
      bucketCount = (bucketCount + 1) / 2;
      b = (ts - bucketStart) / bucketWidth;
    }
    buckets[state][(int) b]++;
    bucketCount = Math.max(bucketCount, (int) b + 1);
  }

  static int hookIndex(String name) {
    for (int i = 0; i < HOOKS.length; i++) {
      if (HOOKS[i].equals(name)) {
        return i;
      }
    }
    return 0;
  }

  /** A tracked packet's flow is its conntrack entry: the original tuple (both directions, across NAT). */
  static long connectionKey(Skb skb) {
    final long a = ((skb.ctOrigSrc() & 0xffffffffL) << 16) | (skb.ctOrigSrcPort() & 0xffff);
    final long b = ((skb.ctOrigDst() & 0xffffffffL) << 16) | (skb.ctOrigDstPort() & 0xffff);
    return FlowCounter.hash(a * 31 + skb.ctProto(), b ^ 0x5bd1e995L);
  }

  /** An untracked packet's flow: its endpoints, ordered, so both directions are one flow. */
  static long flowKey(PacketInfo info) {
    final boolean ports = info.origProto == 6 || info.origProto == 17;
    final long a = ((info.origSrc & 0xffffffffL) << 16) | (ports ? info.origSport & 0xffff : 0);
    final long b = ((info.origDst & 0xffffffffL) << 16) | (ports ? info.origDport & 0xffff : 0);
    final long lo = Math.min(a, b);
    final long hi = Math.max(a, b);
    return FlowCounter.hash(lo * 31 + info.origProto, hi);
  }

  /**
   * The bindings of one NAT rule: up to {@value #MAX_TRANSLATIONS} distinct translations and twice as
   * many distinct targets, packed in longs with their counts. A binding is made for every new
   * connection, so nothing is formatted (or allocated) until the report is written.
   */
  private static final class NatStats {
    final long key;
    final long[] from = new long[MAX_TRANSLATIONS];
    final long[] to = new long[MAX_TRANSLATIONS];
    final long[] count = new long[MAX_TRANSLATIONS];
    int n;
    final long[] target = new long[2 * MAX_TRANSLATIONS];
    final long[] targetCount = new long[2 * MAX_TRANSLATIONS];
    int targets;
    long connections;
    long other;

    NatStats(long key) {
      this.key = key;
    }
  }

  @Override
  public void bound(CompiledTable table, int entry, int manip, int proto, int fromAddr, int fromPort,
      int toAddr, int toPort) {
    final long key = ((long) table.id() << 32) | entry;
    int i = (int) natIndex.get(key);
    if (i < 0) {
      i = natRules.size();
      natRules.add(new NatStats(key));
      natIndex.put(key, i);
    }
    final NatStats st = natRules.get(i);
    st.connections++;
    // the same identity as the report's text: ports only for protocols that have them
    final boolean ports = proto == 6 || proto == 17 || proto == 132;
    final long from = ((long) (manip & 0xff) << 56) | ((long) (proto & 0xff) << 48)
        | ((long) (ports ? fromPort & 0xffff : 0) << 32) | (fromAddr & 0xffffffffL);
    final long to = (ports ? 1L << 48 : 0) | ((long) (ports ? toPort & 0xffff : 0) << 32)
        | (toAddr & 0xffffffffL);
    boolean seen = false;
    for (int k = 0; k < st.n; k++) {
      if (st.from[k] == from && st.to[k] == to) {
        st.count[k]++;
        seen = true;
        break;
      }
    }
    if (!seen) {
      if (st.n < MAX_TRANSLATIONS) {
        st.from[st.n] = from;
        st.to[st.n] = to;
        st.count[st.n++] = 1;
      } else {
        st.other++;
      }
    }
    for (int k = 0; k < st.targets; k++) {
      if (st.target[k] == to) {
        st.targetCount[k]++;
        return;
      }
    }
    if (st.targets < st.target.length) {
      st.target[st.targets] = to;
      st.targetCount[st.targets++] = 1;
    }
  }

  /** "addr[:port]" of a packed target ({@code hasPort << 48 | port << 32 | addr}). */
  private static String target(long to) {
    final boolean ports = (to >>> 48) != 0;
    return Json.ipString((int) to) + (ports ? ":" + ((to >>> 32) & 0xffff) : "");
  }

  /** "proto src|dst addr[:port] -> addr[:port]" of a packed translation. */
  private static String translation(long from, long to) {
    final int manip = (int) (from >>> 56) & 0xff;
    final int proto = (int) (from >>> 48) & 0xff;
    final boolean ports = (to >>> 48) != 0;
    return Json.protoName(proto) + " " + (manip == 1 ? "dst " : "src ") + Json.ipString((int) from)
        + (ports ? ":" + ((from >>> 32) & 0xffff) : "") + " -> " + target(to);
  }

  // ---- the report data -------------------------------------------------------------------------

  /** Inputs named in the report (file names only, so reports do not depend on where they ran). */
  public record Inputs(String snapshot, List<String> pcaps, List<String> locals) {
  }

  /** Builds the report's data tree (the JSON document; Markdown and HTML render it). */
  public ObjectNode toJson(Inputs inputs, Ruleset ruleset, DecodeSummary decode,
      Map<String, Long> notEvaluated, long unknownIngress, int topN) {
    final JsonNodeFactory f = JsonNodeFactory.instance;
    final ObjectNode root = f.objectNode();
    root.put("schema", "nfeval-audit/1");
    final ObjectNode in = root.putObject("inputs");
    in.put("snapshot", inputs.snapshot());
    inputs.pcaps().forEach(in.putArray("pcap")::add);
    inputs.locals().forEach(in.putArray("local")::add);
    in.put("rules", ruleset.file() == null ? null : java.nio.file.Path.of(ruleset.file()).getFileName().toString());
    in.put("backend", ruleset.backend() == null ? null : ruleset.backend().name().toLowerCase());
    final ObjectNode tot = root.putObject("totals");
    tot.put("packets", packets);
    tot.put("bytes", bytes);
    tot.put("firstSeen", firstTs == Long.MIN_VALUE ? null : iso(firstTs));
    tot.put("lastSeen", lastTs == Long.MIN_VALUE ? null : iso(lastTs));
    tot.put("natRewritten", natRewritten);
    tot.put("generatedAnswers", generated);
    tot.put("conntrack", conntrackOn);
    final ObjectNode verdicts = tot.putObject("verdicts");
    for (Disposition d : Disposition.values()) {
      if (dispositions[d.ordinal()] > 0) {
        final ObjectNode v = verdicts.putObject(d.label());
        v.put("packets", dispositions[d.ordinal()]);
        v.put("bytes", dispositionBytes[d.ordinal()]);
        v.put("flows", verdictFlows[d.ordinal()] == null ? 0 : verdictFlows[d.ordinal()].count());
      }
    }
    rules(root.putArray("tables"));
    long nRules = 0;
    long never = 0;
    for (CompiledTable t : tables) {
      final TableCounters c = engine.counters(t);
      for (int e = 0; e < t.entries(); e++) {
        if (t.kind(e) == CompiledTable.RULE) {
          nRules++;
          if (c.packets(e) == 0) {
            never++;
          }
        }
      }
    }
    tot.put("rules", nRules);
    tot.put("rulesNeverHit", never);
    final List<ShadowAnalysis.Finding> findings = ShadowAnalysis.analyse(ruleset);
    final ArrayNode st = root.putArray("static");
    for (ShadowAnalysis.Finding x : findings) {
      final ObjectNode o = st.addObject();
      o.put("table", x.table());
      o.put("chain", x.chain());
      o.put("rule", x.rule());
      o.put("kind", x.kind());
      o.put("text", x.ruleText());
      o.put("source", x.source());
      if (x.by() > 0) {
        o.put("by", x.by());
        o.put("byText", x.byText());
      }
      o.put("reason", x.reason());
    }
    flows(root.putObject("topFlows"), topN);
    nat(root.putArray("nat"));
    timeline(root.putObject("conntrackTimeline"));
    hooks(root.putObject("hooks"));
    assumed(root.putObject("assumed"), ruleset, decode, notEvaluated, unknownIngress);
    return root;
  }

  private void rules(ArrayNode out) {
    for (CompiledTable t : tables) {
      final TableCounters c = engine.counters(t);
      final ObjectNode tn = out.addObject();
      tn.put("table", t.name());
      final ArrayNode chains = tn.putArray("chains");
      for (int ci = 0; ci < t.chainCount(); ci++) {
        final Chain ch = t.chain(ci);
        final ObjectNode cn = chains.addObject();
        cn.put("chain", ch.name());
        cn.put("builtin", ch.builtin());
        if (ch.builtin()) {
          cn.put("policy", ch.policy());
        }
        final ArrayNode rs = cn.putArray("rules");
        for (int e = t.chainStart(ci); e < t.chainEnd(ci); e++) {
          final Rule r = t.rule(e);
          final ObjectNode rn = rs.addObject();
          rn.put("rule", r.number());
          rn.put("text", r.save());
          rn.put("source", source(r));
          rn.put("target", r.target().name());
          hits(rn, t, c, e);
          if (r.unknown()) {
            rn.put("unknown", true);
          }
        }
        if (ch.builtin()) {
          hits(cn.putObject("policyHits"), t, c, t.chainEnd(ci));
        }
      }
    }
  }

  private void hits(ObjectNode rn, CompiledTable t, TableCounters c, int e) {
    rn.put("packets", c.packets(e));
    rn.put("bytes", c.bytes(e));
    final FlowCounter fc = flows[t.id()][e];
    rn.put("flows", fc == null ? 0 : fc.count());
    rn.put("flowsExact", fc == null || fc.isExact());
    rn.put("firstSeen", first[t.id()][e] < 0 ? null : iso(first[t.id()][e]));
    rn.put("lastSeen", last[t.id()][e] < 0 ? null : iso(last[t.id()][e]));
  }

  private void flows(ObjectNode out, int topN) {
    for (Disposition d : Disposition.values()) {
      final TopFlows tf = top[d.ordinal()];
      if (tf == null) {
        continue;
      }
      final ObjectNode v = out.putObject(d.label());
      v.put("flows", verdictFlows[d.ordinal()].count());
      v.put("flowsExact", verdictFlows[d.ordinal()].isExact());
      v.put("packets", tf.packets());
      v.put("approximate", tf.pruned());
      final ArrayNode list = v.putArray("top");
      for (TopFlows.Flow fl : tf.top(topN)) {
        final ObjectNode o = list.addObject();
        o.put("proto", Json.protoName(fl.proto));
        o.put("src", Json.ipString(fl.src));
        o.put("dst", Json.ipString(fl.dst));
        if (fl.proto == 6 || fl.proto == 17) {
          o.put("sport", fl.sport);
          o.put("dport", fl.dport);
        } else if (fl.proto == 1 && fl.sport >= 0) {
          o.put("type", fl.sport);
          o.put("code", fl.dport);
        }
        o.put("in", fl.in);
        o.put("packets", fl.packets);
        o.put("bytes", fl.bytes);
        o.put("firstSeen", iso(fl.first));
        o.put("lastSeen", iso(fl.last));
        o.put("decidedBy", fl.deciderTable < 0 ? null : entryText(fl.deciderTable, fl.deciderEntry));
      }
    }
  }

  /** "table CHAIN #n: -A ..." or "table CHAIN policy DROP". */
  String entryText(int table, int e) {
    final CompiledTable t = tables.get(table);
    final Chain ch = t.chain(t.chainOf(e));
    if (t.kind(e) == CompiledTable.RULE) {
      return t.name() + " " + ch.name() + " #" + t.rule(e).number() + ": " + t.rule(e).save();
    }
    return t.name() + " " + ch.name() + (t.kind(e) == CompiledTable.POLICY ? " policy " + ch.policy()
        : " end (return)");
  }

  private void nat(ArrayNode out) {
    for (NatStats st : natRules) {
      final int t = (int) (st.key >>> 32);
      final int e = (int) st.key;
      final CompiledTable ct = tables.get(t);
      final Rule r = ct.rule(e);
      final ObjectNode o = out.addObject();
      o.put("table", ct.name());
      o.put("chain", r.chainName());
      o.put("rule", r.number());
      o.put("text", r.save());
      o.put("target", r.target().name());
      o.put("connections", st.connections);
      final ArrayNode to = o.putArray("to");
      for (int k = 0; k < st.targets; k++) {
        to.addObject().put("to", target(st.target[k])).put("connections", st.targetCount[k]);
      }
      final ArrayNode tr = o.putArray("translations");
      for (int k = 0; k < st.n; k++) {
        tr.addObject().put("translation", translation(st.from[k], st.to[k])).put("connections", st.count[k]);
      }
      o.put("otherTranslations", st.other);
    }
  }

  private void timeline(ObjectNode out) {
    out.put("start", bucketStart == Long.MIN_VALUE ? null : iso(bucketStart));
    out.put("bucketSeconds", bucketWidth / 1e9);
    out.put("buckets", bucketCount);
    final ObjectNode series = out.putObject("series");
    for (int s = 0; s < CT_NAMES.length; s++) {
      long sum = 0;
      for (int i = 0; i < bucketCount; i++) {
        sum += buckets[s][i];
      }
      if (sum == 0) {
        continue;
      }
      final ArrayNode a = series.putArray(CT_NAMES[s]);
      for (int i = 0; i < bucketCount; i++) {
        a.add(buckets[s][i]);
      }
    }
  }

  private void hooks(ObjectNode out) {
    final ArrayNode entries = out.putArray("entry");
    for (int h = 0; h < HOOKS.length; h++) {
      final ObjectNode o = verdictCounts(entryHook[h]);
      if (o != null) {
        entries.addObject().put("hook", HOOKS[h]).set("verdicts", o);
      }
    }
    final ArrayNode steps = out.putArray("tables");
    for (int h = 0; h < HOOKS.length; h++) {
      for (CompiledTable t : tables) {
        final ObjectNode o = verdictCounts(hookTable[h][t.id()]);
        if (o != null) {
          long n = 0;
          for (long x : hookTable[h][t.id()]) {
            n += x;
          }
          final ObjectNode s = steps.addObject();
          s.put("hook", HOOKS[h]);
          s.put("table", t.name());
          s.put("packets", n);
          s.set("verdicts", o);
        }
      }
    }
  }

  private static ObjectNode verdictCounts(long[] byDisposition) {
    ObjectNode o = null;
    for (Disposition d : Disposition.values()) {
      if (byDisposition[d.ordinal()] > 0) {
        if (o == null) {
          o = JsonNodeFactory.instance.objectNode();
        }
        o.put(d.label(), byDisposition[d.ordinal()]);
      }
    }
    return o;
  }

  private void assumed(ObjectNode out, Ruleset ruleset, DecodeSummary decode,
      Map<String, Long> notEvaluated, long unknownIngress) {
    final ObjectNode a = out.putObject("assumptions");
    assumptions.forEach(a::put);
    out.put("unknownRulePackets", unknownRulePackets);
    final ArrayNode unk = out.putArray("unknownRules");
    for (io.nfeval.rules.Table t : ruleset.tables()) {
      for (Chain c : t.chains()) {
        for (Rule r : c.rules()) {
          if (r.unknown()) {
            unk.addObject().put("table", t.name()).put("chain", c.name()).put("rule", r.number())
                .put("text", r.save()).put("source", source(r));
          }
        }
      }
    }
    final ArrayNode diags = out.putArray("diagnostics");
    ruleset.diagnostics().forEach(d -> diags.add(d.toString()));
    final ObjectNode ne = out.putObject("notEvaluated");
    new TreeMap<>(notEvaluated).forEach(ne::put);
    out.put("unknownIngress", unknownIngress);
    final ObjectNode dec = out.putObject("decode");
    dec.put("packets", decode.packets());
    dec.put("bytes", decode.bytes());
    dec.put("malformed", decode.malformed());
    dec.put("truncated", decode.truncated());
    final ObjectNode mal = dec.putObject("byReason");
    for (int code = 1; code < Malformed.COUNT; code++) {
      if (decode.count(code) > 0) {
        mal.put(Malformed.name(code), decode.count(code));
      }
    }
  }

  /** "iptables.rules:19": the file name (not where the run happened) and line. */
  static String source(Rule r) {
    if (r.source() == null) {
      return null;
    }
    final String f = r.source().file();
    return (f == null ? "" : java.nio.file.Path.of(f).getFileName().toString()) + ":" + r.source().line();
  }

  static String iso(long ns) {
    return Instant.ofEpochSecond(Math.floorDiv(ns, 1_000_000_000L), Math.floorMod(ns, 1_000_000_000L))
        .toString();
  }
}
