package io.nfeval.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nfeval.InputException;
import io.nfeval.engine.CompiledTable;
import io.nfeval.engine.Disposition;
import io.nfeval.engine.Engine;
import io.nfeval.engine.Json;
import io.nfeval.engine.PacketInfo;
import io.nfeval.engine.ReplaySummary;
import io.nfeval.engine.Replayer;
import io.nfeval.engine.Skb;
import io.nfeval.engine.Snapshot;
import io.nfeval.rules.ParseOptions;
import io.nfeval.source.PacketOrigins;
import io.nfeval.source.ReaderKind;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code nfeval diff}: what a proposed ruleset would change. Two engines — the snapshot's current
 * ruleset and the proposed one, same host — are fed the same captured packets, each with its own
 * conntrack, on two threads ({@link Replays#runPair}: each engine sees the packets in capture order, as a
 * lockstep feed would show them); every packet whose verdict or NAT rewrite differs is counted and its flow listed
 * (bounded) with the deciding rule on each side. Then the rule texts are compared ({@link RuleChanges})
 * and the filter tables statically ({@link StaticDiff}).
 */
public final class Diff {
  /** Changed flows listed in full (the rest are counted). */
  static final int MAX_FLOWS = 500;
  static final long STATIC_BUDGET = 50_000_000L;

  public record Request(Path snapshot, Path proposed, List<Path> pcaps, List<Path> locals, String in,
      ParseOptions parse, Engine.Options engineOptions, ReaderKind reader) {
  }

  /** {@code changed}: anything differs (traffic, rules, static regions) — the exit code 1. */
  public record Result(ObjectNode data, boolean changed, InputException captureError) {
  }

  private Diff() {
  }

  public static Result run(Request q) {
    final Snapshot cur = Snapshot.load(q.snapshot(), null, q.parse());
    final Snapshot next = Snapshot.load(q.snapshot(), q.proposed(), q.parse());
    final ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("schema", "nfeval-diff/1");
    final ObjectNode in = root.putObject("inputs");
    in.put("snapshot", Audit.name(q.snapshot()));
    in.put("current", "iptables.rules");
    in.put("proposed", Audit.name(q.proposed()));
    final ArrayNode pcaps = in.putArray("pcap");
    q.pcaps().forEach(p -> pcaps.add(Audit.name(p)));
    final ArrayNode locals = in.putArray("local");
    q.locals().forEach(p -> locals.add(Audit.name(p)));
    final int ruleChanges = RuleChanges.compare(cur.ruleset(), next.ruleset(), root.putObject("rules"));
    InputException err = null;
    final ObjectNode traffic = root.putObject("traffic");
    long changedPackets = 0;
    if (!q.pcaps().isEmpty() || !q.locals().isEmpty()) {
      final Side a = new Side(cur, q);
      final Side b = new Side(next, q);
      final Changes ch = new Changes();
      err = Replays.runPair(Replays.files(q.pcaps(), q.locals()), q.reader(), List.of(a.engine, b.engine),
          List.of(a.replayer, b.replayer), new Replays.PairSink() {
            @Override
            public void before(int side, long index) {
              (side == 0 ? a : b).begin(index);
            }

            @Override
            public void done(long index) {
              ch.compare(a.outcome(index), b.outcome(index));
            }
          });
      ch.toJson(traffic);
      changedPackets = ch.changedPackets;
    } else {
      traffic.put("packets", 0);
      traffic.put("changedPackets", 0);
      traffic.put("changedFlows", 0);
      traffic.putObject("byChange");
      traffic.putArray("flows");
    }
    final int regions = StaticDiff.run(cur.ruleset(), next.ruleset(), STATIC_BUDGET, root.putObject("static"));
    final boolean changed = ruleChanges > 0 || changedPackets > 0 || regions > 0;
    root.put("changed", changed);
    // "changed" first for readers of the JSON: rebuild in a stable order
    final ObjectNode ordered = JsonNodeFactory.instance.objectNode();
    ordered.set("schema", root.get("schema"));
    ordered.set("changed", root.get("changed"));
    ordered.set("inputs", root.get("inputs"));
    ordered.set("rules", root.get("rules"));
    ordered.set("traffic", root.get("traffic"));
    ordered.set("static", root.get("static"));
    return new Result(ordered, changed, err);
  }

  /** One ruleset's engine, and what it did with the packets fed lately (one {@link Outcome} each). */
  private static final class Side implements Engine.PacketListener {
    final Engine engine;
    final Replayer replayer;
    final List<CompiledTable> tables;
    int filterId = -1;
    /** The last {@link Replays#PAIR_AHEAD} packets' outcomes, by packet index. */
    private final Outcome[] ring = new Outcome[Replays.PAIR_AHEAD];
    private Outcome cur;

    Side(Snapshot s, Request q) {
      final Engine.Options o = copy(q.engineOptions());
      o.trace = true;
      if (!q.locals().isEmpty()) {
        o.generateAnswers = false;
      }
      engine = new Engine(s.ruleset(), s.host(), s.ipsets(), o);
      engine.setListener(this);
      replayer = new Replayer(engine, PacketOrigins.fromSnapshot(q.snapshot(), q.in()), q.pcaps().size(),
          new ReplaySummary(), null);
      tables = engine.tables();
      for (CompiledTable t : tables) {
        if ("filter".equals(t.name())) {
          filterId = t.id();
        }
      }
      for (int i = 0; i < ring.length; i++) {
        ring[i] = new Outcome(this);
      }
      cur = ring[0];
    }

    /** Packet {@code index} is about to be fed: its outcome starts empty. */
    void begin(long index) {
      cur = ring[(int) (index % ring.length)];
      cur.have = false;
    }

    Outcome outcome(long index) {
      return ring[(int) (index % ring.length)];
    }

    @Override
    public void packetDone(Skb skb, Disposition d, PacketInfo info) {
      final Outcome o = cur;
      if (o.have || info.generated) {
        return;
      }
      o.have = true;
      o.verdict = d;
      o.proto = info.origProto;
      o.src = info.origSrc;
      o.dst = info.origDst;
      o.sport = info.origSport;
      o.dport = info.origDport;
      o.inName = info.inName;
      o.ts = skb.nowNanos();
      final int fs = skb.ip().srcAddr();
      final int fd = skb.ip().dstAddr();
      final boolean ports = (o.proto == 6 || o.proto == 17) && skb.ip().l4HeaderPresent();
      final int fsp = ports ? skb.ip().srcPort() : o.sport;
      final int fdp = ports ? skb.ip().dstPort() : o.dport;
      if (fs != o.src || fd != o.dst || fsp != o.sport || fdp != o.dport) {
        o.nat = Json.ipString(fs) + (ports ? ":" + fsp : "") + " -> " + Json.ipString(fd) + (ports ? ":" + fdp : "");
      } else {
        o.nat = null;
      }
      o.table = -1;
      final int n = skb.traceLength();
      int k = -1;
      if (n > 0) {
        k = n - 1;
        if (d == Disposition.DELIVERED || d == Disposition.FORWARDED || d == Disposition.SENT) {
          for (int i = n - 1; i >= 0; i--) {
            if (skb.traceTableAt(i) == filterId) {
              k = i;
              break;
            }
          }
        }
        o.table = skb.traceTableAt(k);
        o.entry = skb.traceEntryAt(k);
      }
    }
  }

  /** What one side did with one packet: its first evaluated (not generated) packet's verdict. */
  private static final class Outcome {
    private final Side side;
    boolean have;
    Disposition verdict;
    String nat;
    int table;
    int entry;
    int proto;
    int src;
    int dst;
    int sport;
    int dport;
    String inName;
    long ts;

    Outcome(Side side) {
      this.side = side;
    }

    String decidedBy() {
      if (table < 0) {
        return null;
      }
      final CompiledTable t = side.tables.get(table);
      final io.nfeval.rules.Chain ch = t.chain(t.chainOf(entry));
      if (t.kind(entry) == CompiledTable.RULE) {
        return t.name() + " " + ch.name() + " #" + t.rule(entry).number() + ": " + t.rule(entry).save();
      }
      return t.name() + " " + ch.name() + (t.kind(entry) == CompiledTable.POLICY ? " policy " + ch.policy()
          : " end (return)");
    }

    ObjectNode json() {
      final ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("verdict", verdict.label());
      o.put("nat", nat);
      o.put("decidedBy", decidedBy());
      return o;
    }
  }

  private static Engine.Options copy(Engine.Options in) {
    final Engine.Options o = new Engine.Options();
    if (in != null) {
      o.assumeUnknowable = in.assumeUnknowable;
      o.defaultBackend = in.defaultBackend;
      o.natSeed = in.natSeed;
      o.conntrackMax = in.conntrackMax;
      o.generateAnswers = in.generateAnswers;
    }
    return o;
  }

  /** Packets and flows that changed, bounded. */
  private static final class Changes {
    long packets;
    long changedPackets;
    final FlowCounter changedFlows = new FlowCounter();
    final Map<String, Long> byChange = new TreeMap<>();
    final Map<Long, ObjectNode> flows = new LinkedHashMap<>();

    void compare(Outcome a, Outcome b) {
      if (!a.have && !b.have) {
        return; // not evaluated on either side (malformed, not IPv4)
      }
      packets++;
      if (a.have && b.have && a.verdict == b.verdict && java.util.Objects.equals(a.nat, b.nat)) {
        return;
      }
      changedPackets++;
      final Outcome s = a.have ? a : b;
      final String change = (a.have ? a.verdict.label() : "-") + (a.have && a.nat != null ? " (nat)" : "")
          + " -> " + (b.have ? b.verdict.label() : "-") + (b.have && b.nat != null ? " (nat)" : "");
      byChange.merge(change, 1L, Long::sum);
      final long key = FlowCounter.hash(((s.src & 0xffffffffL) << 32) | (s.dst & 0xffffffffL),
          ((long) s.proto << 32) | ((s.sport & 0xffffL) << 16) | (s.dport & 0xffffL));
      changedFlows.add(key);
      final ObjectNode f = flows.get(key);
      if (f != null) {
        f.put("packets", f.path("packets").asLong() + 1);
        f.put("lastSeen", AuditCollector.iso(s.ts));
        return;
      }
      if (flows.size() >= MAX_FLOWS) {
        return;
      }
      final ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("proto", Json.protoName(s.proto));
      o.put("src", Json.ipString(s.src));
      o.put("dst", Json.ipString(s.dst));
      if (s.proto == 6 || s.proto == 17) {
        o.put("sport", s.sport);
        o.put("dport", s.dport);
      } else if (s.proto == 1 && s.sport >= 0) {
        o.put("type", s.sport);
        o.put("code", s.dport);
      }
      o.put("in", s.inName);
      o.put("packets", 1);
      o.put("firstSeen", AuditCollector.iso(s.ts));
      o.put("lastSeen", AuditCollector.iso(s.ts));
      o.set("before", a.have ? a.json() : JsonNodeFactory.instance.objectNode().put("verdict", "-"));
      o.set("after", b.have ? b.json() : JsonNodeFactory.instance.objectNode().put("verdict", "-"));
      flows.put(key, o);
    }

    void toJson(ObjectNode t) {
      t.put("packets", packets);
      t.put("changedPackets", changedPackets);
      t.put("changedFlows", changedFlows.count());
      t.put("changedFlowsExact", changedFlows.isExact());
      final ObjectNode bc = t.putObject("byChange");
      byChange.forEach(bc::put);
      final ArrayNode list = t.putArray("flows");
      flows.values().forEach(list::add);
      t.put("flowsListed", flows.size());
    }
  }
}
