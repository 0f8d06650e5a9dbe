package io.nfeval.engine;

import io.nfeval.conntrack.IcmpTuple;
import io.nfeval.host.HostModel;
import io.nfeval.host.NetInterface;
import io.nfeval.packet.LinkType;
import io.nfeval.packet.Malformed;
import io.nfeval.packet.PacketView;
import io.nfeval.rules.ext.PacketContext;
import io.nfeval.source.CaptureReader;
import io.nfeval.source.CapturedPacket;
import io.nfeval.source.DecodeSummary;
import io.nfeval.source.PacketClock;
import io.nfeval.source.PacketOrigins;

/**
 * Feeds captured packets to the engine at the hook where each one entered the host's stack:
 * <ul>
 *   <li>NFLOG captures (linktype 239) name the hook: PREROUTING with the input device, or OUTPUT for
 *       packets the host sent; arrivals on {@code lo} are skipped, because the engine produces them
 *       itself from the looped-back sent packet.</li>
 *   <li>{@code --local} captures: packets the host originated, entering OUTPUT before any NAT.</li>
 *   <li>Other captures: arrivals on the interface they name (SLL2 ifindex, pcapng if_name) or
 *       {@code --in}; failing that, the interface whose MAC is the frame's destination, or the host's
 *       only non-loopback interface.</li>
 * </ul>
 */
public final class Replayer {
  /** Progress callback (packets so far), called every 4096 packets. */
  public interface Progress {
    void update(long packets);
  }

  private final Engine engine;
  /** The engine's host model (replaced when a live reload brings a new one). */
  private HostModel host;
  private final PacketOrigins origins;
  private final int firstLocalFile;
  private final ReplaySummary summary;
  private final DecodeSummary decode = new DecodeSummary();
  /** The decode stage's clock: packet times in record order. */
  private final PacketClock clock = new PacketClock();
  private final TraceWriter trace;
  /** Set while several evaluators share a traced run: where {@link #trace} writes. */
  private SlotTraceStream slotTrace;
  /** How arrivals find their input device on the current host model. */
  private Ingress ingressOf;
  /**
   * A pipelined run's decode-stage routing (see {@link RouteHint}): its own cache and the ingress
   * resolution of the host model the run started with. Null outside pipelined runs.
   */
  private RouteCache hintRoutes;
  private Ingress hintIngress;
  private long unknownIngress;
  /** Conntrack verifies L4 checksums at PREROUTING: worth summing in the decode stage. */
  private final boolean verifyChecksums;
  /** The conntrack table, for lookup hints computed by the decode stage; null without conntrack. */
  private final io.nfeval.conntrack.ConntrackTable ctHints;

  public Replayer(Engine engine, PacketOrigins origins, int firstLocalFile, ReplaySummary summary,
      TraceWriter trace) {
    this.engine = engine;
    this.origins = origins;
    this.firstLocalFile = firstLocalFile;
    this.summary = summary;
    this.trace = trace;
    useHost(engine.host());
    this.verifyChecksums = engine.conntrackEnabled();
    this.ctHints = engine.conntrackEnabled() ? engine.conntrack : null;
  }

  /** Derives what ingress resolution needs from the host model (again after a live reload). */
  private void useHost(HostModel h) {
    this.host = h;
    this.ingressOf = new Ingress(h);
  }

  /**
   * The input device of an arrival on one host model: the interface the capture names, else the one
   * whose MAC is the frame's destination, else the host's only non-loopback interface when the capture
   * names none. Immutable, so the decode stage may use it too.
   */
  private static final class Ingress {
    final HostModel host;
    final NetInterface onlyInterface;
    /** Non-loopback interfaces and their MACs, in snapshot order. */
    final NetInterface[] macInterfaces;
    final long[] interfaceMacs;

    Ingress(HostModel h) {
      this.host = h;
      NetInterface only = null;
      int n = 0;
      final java.util.List<NetInterface> withMac = new java.util.ArrayList<>();
      for (NetInterface i : h.interfaces()) {
        if (!i.isLoopback()) {
          only = i;
          n++;
          withMac.add(i);
        }
      }
      this.onlyInterface = n == 1 ? only : null;
      this.macInterfaces = withMac.toArray(new NetInterface[0]);
      this.interfaceMacs = new long[macInterfaces.length];
      for (int i = 0; i < macInterfaces.length; i++) {
        interfaceMacs[i] = macInterfaces[i].mac();
      }
    }

    /** The device, or null when none is known. */
    NetInterface of(String ingress, PacketView v) {
      NetInterface in = ingress != null ? host.byName(ingress) : null;
      if (in == null && v.hasDstMac()) {
        final long dst = v.dstMac();
        final long[] macs = interfaceMacs;
        for (int i = 0; i < macs.length; i++) {
          if (macs[i] == dst) {
            in = macInterfaces[i];
            break;
          }
        }
      }
      if (in == null && ingress == null) {
        in = onlyInterface;
      }
      return in;
    }
  }

  public DecodeSummary decodeSummary() {
    return decode;
  }

  public long unknownIngress() {
    return unknownIngress;
  }

  /**
   * One packet between reading and evaluation: the captured record (its bytes stay in the reader's
   * buffer), its decoded view and what decoding decided (entry point, ingress). Slots are made once
   * and refilled in place, so handing packets from a decode thread to the evaluator allocates nothing.
   */
  static final class Slot {
    final CapturedPacket packet = new CapturedPacket();
    final PacketView view = new PacketView();
    int code;
    /** Conntrack index slot of the packet's tuple (a hint for {@link Replayer#prefetch}), or -1. */
    int ctSlot = -1;
    /** The input route computed ahead, in pipelined runs with one evaluator. */
    final RouteHint route = new RouteHint();
    /**
     * With several evaluators: where the evaluator's route cache keeps the packet's input route
     * ({@link RouteCache#keyOf}), for {@link Replayer#prefetch}; else -1.
     */
    int routeKey = -1;
    boolean fromLocalFile;
    boolean local;
    String ingress;
    long index;
    /** When the kernel saw the packet ({@link PacketClock}). */
    long time;
    /** The evaluator (replica) that evaluates this packet, in runs with several; else 0. */
    int shard;
    /** With several evaluators and a trace: this packet's trace lines (see {@link SlotTraceStream}). */
    byte[] trace = new byte[1024];
    int traceLen;
    /** The slot's own copy of its packet's bytes (see {@link #keepBytes}), or null. */
    private java.nio.ByteBuffer bytes;

    /**
     * Copies the packet's bytes into the slot's own buffer and points the packet there: for a reader
     * whose bytes are valid only until its next call ({@link CaptureReader#stableBytes()}), while the
     * slot waits in the ring for its evaluator. The buffer is kept and grows to the largest packet.
     */
    void keepBytes() {
      final CapturedPacket p = packet;
      final int n = p.capLen();
      java.nio.ByteBuffer b = bytes;
      if (b == null || b.capacity() < n) {
        final int size = Math.max(2048, Integer.highestOneBit(Math.max(1, n - 1)) << 1);
        b = java.nio.ByteBuffer.allocateDirect(size);
        bytes = b;
      }
      final java.nio.ByteBuffer src = p.buffer();
      b.order(src.order());
      b.put(0, src, p.offset(), n);
      p.rebase(b, 0);
    }
  }

  /** Replays every packet of the reader on this thread. Returns the number of packets read. */
  public long run(CaptureReader reader, Progress progress) {
    final Slot s = new Slot();
    long n = 0;
    while (reader.next(s.packet)) {
      s.index = n;
      prepare(s);
      evaluate(s);
      n++;
      if (progress != null && (n & 4095) == 0) {
        progress.update(n);
      }
    }
    return n;
  }

  /**
   * Replays every packet of the reader on {@code threads} threads ({@link ReplayPipeline}), with a
   * result identical to {@link #run}'s. When {@link #parallelObstacle()} finds nothing that keeps
   * packets in order, {@code threads} engines evaluate, this thread also reading and decoding;
   * otherwise a second thread reads and decodes while this one evaluates.
   */
  public long run(CaptureReader reader, Progress progress, int threads) {
    if (threads <= 1) {
      return run(reader, progress);
    }
    final int evaluators = parallelObstacle() == null ? threads : 1;
    return runPipelined(reader, progress,
        evaluators > 1 ? ReplayPipeline.SHARED_SLOTS : ReplayPipeline.DEFAULT_SLOTS, evaluators);
  }

  /**
   * Why this replay's packets must be evaluated by one engine, or null when several may share them:
   * the engine's {@link Engine#orderDependence}, a trace (one ordered stream), or a listener that is
   * not this replay's summary (only summaries and counters are summed after the run).
   */
  public String parallelObstacle() {
    if (trace != null && trace.output() == null) {
      return "a character trace (one stream in packet order)";
    }
    final Engine.PacketListener l = engine.listener();
    if (l != summary && !(trace != null && l instanceof SummaryAndTrace st && st.summary == summary
        && st.trace == trace)) {
      return "a listener other than the replay summary (and its trace)";
    }
    return engine.orderDependence();
  }

  /** {@link #run(CaptureReader, Progress, int)} with a decode thread and a ring of {@code slots}. */
  long runPipelined(CaptureReader reader, Progress progress, int slots) {
    return runPipelined(reader, progress, slots, 1);
  }

  /**
   * A ring of {@code slots} and {@code evaluators} engines. With one, a decode thread feeds this
   * thread's engine. With several, this engine and replicas each take the packets of a set of source
   * addresses (see {@link #shardOf}), this thread also decoding; afterwards the replicas' counters,
   * summaries and unknown-ingress counts are added to this replay's.
   */
  long runPipelined(CaptureReader reader, Progress progress, int slots, int evaluators) {
    final Replayer[] shards = new Replayer[evaluators];
    shards[0] = this;
    if (evaluators > 1) {
      engine.prefetchedRoutes();
    }
    // A trace with several evaluators: each writes its packets' lines into their slots, and the
    // decode stage copies them out in packet order (ReplayPipeline#traceOut).
    final java.io.OutputStream traceOut = evaluators > 1 && trace != null ? trace.output() : null;
    if (traceOut != null) {
      slotTrace = new SlotTraceStream();
      trace.redirect(slotTrace);
    }
    for (int k = 1; k < evaluators; k++) {
      final Engine e = engine.replica();
      e.prefetchedRoutes();
      final ReplaySummary s = new ReplaySummary();
      final SlotTraceStream lines = traceOut != null ? new SlotTraceStream() : null;
      final TraceWriter t = lines != null ? trace.sibling(lines) : null;
      e.setListener(t != null ? new SummaryAndTrace(s, t) : s);
      shards[k] = new Replayer(e, origins, firstLocalFile, s, t);
      shards[k].slotTrace = lines;
    }
    hintIngress = ingressOf;
    if (evaluators == 1) {
      // The decode thread has time to spare: it routes arrivals ahead. With several evaluators it is
      // also one of them: it only tells the evaluator where its route cache keeps the decision.
      hintRoutes = new RouteCache(hintIngress.host, 1);
    }
    shardCount = evaluators;
    firstShardEnd = firstShardEnd(evaluators);
    inOrderFromHere = false;
    try {
      return new ReplayPipeline(shards, slots, traceOut).run(reader, progress);
    } finally {
      if (traceOut != null) {
        trace.redirect(traceOut);
        slotTrace = null;
      }
      hintRoutes = null;
      hintIngress = null;
      shardCount = 1;
      lastRunShardPackets = new long[evaluators];
      lastRunShardPackets[0] = shards[0].summary.packets();
      for (int k = 1; k < evaluators; k++) {
        lastRunShardPackets[k] = shards[k].summary.packets();
        engine.absorb(shards[k].engine);
        summary.addAll(shards[k].summary);
        unknownIngress += shards[k].unknownIngress;
      }
    }
  }

  /**
   * Packets each engine of the last pipelined run evaluated (the first one's including earlier
   * runs'); for tests that the work was shared out at all.
   */
  long[] lastRunShardPackets;

  /** Evaluators of the current run (decode stage only). */
  private int shardCount = 1;
  /** The run met a packet of the host's own (NFLOG, --local): it and all later ones go to shard 0. */
  private boolean inOrderFromHere;

  /**
   * The evaluator of a packet (decode stage, in capture order). Arrivals are shared out by source
   * address, which keeps every ICMP rate limit an answer can meet (per destination: the rejected
   * packet's source) in one replica. From the first of the host's own packets on (an NFLOG capture
   * or a --local file), everything goes to the first engine, in order: those packets teach the
   * engine what later ones need (joined groups, the last packet sent, that answers are already in the
   * capture), and until then no replica has seen any of them.
   */
  private int shardOf(Slot s) {
    if (inOrderFromHere) {
      return 0;
    }
    if (s.fromLocalFile || s.packet.linkType() == LinkType.NFLOG) {
      inOrderFromHere = true;
      return 0;
    }
    final PacketView v = s.view;
    if (s.code != Malformed.OK || !v.isIpv4()) {
      return 0; // only counted
    }
    final int h = (int) (((v.srcAddr() & 0xffffffffL) * 0x9E3779B97F4A7C15L) >>> 48); // 0..65535
    return h < firstShardEnd ? 0 : 1 + (h - firstShardEnd) * (shardCount - 1) / (65536 - firstShardEnd);
  }

  /**
   * The ceiling of {@link #defaultThreads}: one decode stage feeds about six engines (the first
   * engine's share, {@link #firstShardEnd}, reaches zero at seven), and each engine of a stateless
   * replay keeps its own route caches and counters (about 23 MB more per engine on the 10M-packet,
   * 10,000-rule workload: 182 MB peak RSS with 2 engines, 275 MB with 6).
   */
  public static final int MAX_DEFAULT_THREADS = 6;

  /**
   * Threads for a run when the user does not say: one per processor the JVM may use
   * ({@code availableProcessors()} honours the cgroup CPU quota and the affinity mask), from 1 to
   * {@link #MAX_DEFAULT_THREADS}.
   */
  public static int defaultThreads() {
    return Math.max(1, Math.min(MAX_DEFAULT_THREADS, Runtime.getRuntime().availableProcessors()));
  }

  /**
   * The hash values (of 65536) whose packets evaluator 0 takes. It is also the decode stage, which
   * costs about a sixth of an evaluation (reading, decoding: 0.15 of 0.9 µs at 10,000 rules): with
   * n evaluators it takes (1 - (n-1)/6)/n of the packets so that all finish together (0.42 with
   * two), and none from seven on. Any split gives the same results; only the balance depends on it.
   * With a trace the decode stage also copies every line to the file; 0.33, 0.375 and 0.42 measured
   * alike on the 10M-packet stateless workload, so the split stays.
   */
  static int firstShardEnd(int evaluators) {
    final double share = Math.max(0, (1 - (evaluators - 1) / 6.0) / evaluators);
    return (int) (share * 65536);
  }

  private int firstShardEnd;

  private final Slot feedSlot = new Slot();

  /** Read position of a pipelined run's reader, published by its decode thread (progress only). */
  volatile long readPosition = -1;

  /** The reader's position as last published by a pipelined run's decode thread, or -1. */
  public long readPosition() {
    return readPosition;
  }

  /**
   * Decodes one captured packet and runs it through the engine at its entry hook (packet
   * {@code index} of the run). For live capture and replay alike; single-threaded.
   */
  public void feed(CapturedPacket p, long index) {
    final Slot s = feedSlot;
    s.packet.copyFrom(p);
    s.index = index;
    prepare(s);
    evaluate(s);
  }

  /**
   * The decode stage: decode the slot's packet and decide its entry point. Touches only the slot and
   * the decode summary, so it may run on another thread than {@link #evaluate} (one at a time). It
   * also verifies the L4 checksum ahead when conntrack will (the view caches the verdict).
   */
  void prepare(Slot s) {
    final CapturedPacket p = s.packet;
    final PacketView v = s.view;
    final int code = v.wrap(p.buffer(), p.offset(), p.capLen(), p.wireLen(), p.linkType()).decode();
    s.code = code;
    s.time = clock.timeOf(p, v);
    s.fromLocalFile = p.fileIndex() >= firstLocalFile;
    s.local = origins.isLocal(s.fromLocalFile, v);
    s.ingress = s.local ? null : origins.ingress(p, v);
    decode.add(p, v, code, s.local, s.ingress);
    if (verifyChecksums && code == Malformed.OK && v.isIpv4() && !s.local) {
      v.l4ChecksumOk();
    }
    v.dstMac(); // read ahead: the evaluator needs both (ingress, packet type, skb)
    v.srcMac();
    s.ctSlot = -1;
    if (ctHints != null && code == Malformed.OK && v.isIpv4() && v.l4HeaderPresent()
        && v.fragmentOffset() == 0) {
      final int proto = v.protocol();
      if (proto == PacketView.IPPROTO_TCP || proto == PacketView.IPPROTO_UDP) {
        s.ctSlot = ctHints.homeSlot(v.srcAddr(), v.dstAddr(), v.srcPort() << 16 | v.dstPort(), proto, 0);
      }
    }
    s.route.valid = false;
    s.routeKey = -1;
    if (hintIngress != null && code == Malformed.OK && v.isIpv4() && !s.local
        && v.linkType() != LinkType.NFLOG) {
      if (hintRoutes != null) {
        hintRoute(s, v);
      } else {
        final NetInterface in = hintIngress.of(s.ingress, v);
        s.routeKey = RouteCache.keyOf(RouteCache.PREFETCHED_SLOTS, v.srcAddr(), v.dstAddr(), v.tos(), 0,
            in);
      }
    }
    s.shard = shardCount > 1 ? shardOf(s) : 0;
  }

  /** The decode stage's {@link RouteHint} for an arrival (the engine checks it still applies). */
  private void hintRoute(Slot s, PacketView v) {
    final NetInterface in = hintIngress.of(s.ingress, v);
    if (in == null || in.isLoopback()) {
      return;
    }
    final RouteHint h = s.route;
    h.host = hintIngress.host;
    h.saddr = v.srcAddr();
    h.daddr = v.dstAddr();
    h.tos = v.tos();
    h.in = in;
    h.result = hintRoutes.route(h.saddr, h.daddr, h.tos, 0, in);
    h.valid = true;
  }

  /**
   * Touches what the evaluation of a packet soon to come will read, in three stages at three
   * distances, so that each stage's addresses come from lines an earlier stage brought in and all
   * the loads issued together are independent (their misses overlap instead of queueing behind one
   * another): {@link #PREFETCH_SLOT} the slot and its decoded view (written on the decode thread's
   * core); {@link #PREFETCH_INDEX} the header bytes and the conntrack index slot; {@link
   * #PREFETCH_ENTRY} the conntrack entry found there and its routing memo. Only a hint: the lookups
   * themselves are unchanged.
   */
  void prefetch(Slot s, int stage) {
    switch (stage) {
      case PREFETCH_SLOT:
        prefetchSink += s.view.touchState() + s.ctSlot;
        break;
      case PREFETCH_INDEX:
        prefetchSink += s.view.touchHeaders() + (s.ctSlot >= 0 ? ctHints.refAt(s.ctSlot) : 0)
            + (s.routeKey >= 0 ? engine.routes.touchKey(s.routeKey) : 0);
        break;
      default:
        if (s.ctSlot >= 0) {
          final int ref = ctHints.refAt(s.ctSlot);
          if (ref >= 0) {
            prefetchSink += ctHints.touchEntry(ref) + engine.routes.touch(ref);
          }
        }
        break;
    }
  }

  static final int PREFETCH_SLOT = 0;
  static final int PREFETCH_INDEX = 1;
  static final int PREFETCH_ENTRY = 2;

  /** Keeps {@link #prefetch}'s loads alive. */
  private int prefetchSink;

  /** The evaluation stage: run the prepared packet through the engine. */
  void evaluate(Slot s) {
    engine.installPending(s.index); // a live reload takes effect before this packet's ingress is resolved
    if (engine.host() != host) {
      useHost(engine.host());
    }
    engine.routeHint = s.route.valid ? s.route : null;
    if (slotTrace != null) {
      slotTrace.slot = s;
    }
    try {
      one(s.view, s.code, s.fromLocalFile, s.local, s.ingress, s.index, s.time);
    } finally {
      engine.routeHint = null;
    }
  }

  private void one(PacketView v, int code, boolean fromLocalFile, boolean local, String ingress, long index,
      long ts) {
    if (code != Malformed.OK || !v.isIpv4()) {
      final String reason = code != Malformed.OK ? Malformed.name(code)
          : v.isIpv6() ? "ipv6 (not evaluated yet)" : "not ipv4";
      skip(index, ts, local ? "OUTPUT" : "PREROUTING", ingress, reason, Disposition.NOT_EVALUATED);
      return;
    }
    if (v.linkType() == LinkType.NFLOG) {
      engine.capturesHoldHostPackets();
      final int hook = v.nflogHook();
      if (hook == PacketView.NF_INET_LOCAL_OUT) {
        final NetInterface out = v.outIfindex() > 0 ? host.byIndex(v.outIfindex()) : null;
        outputWithSocket(v, out, ts, index);
        return;
      }
      if (hook != PacketView.NF_INET_PRE_ROUTING) {
        skip(index, ts, null, ingress, "nflog hook " + hook + " is not an entry point",
            Disposition.NOT_EVALUATED);
        return;
      }
      final NetInterface in = v.inIfindex() > 0 ? host.byIndex(v.inIfindex()) : null;
      if (in != null && in.isLoopback()) {
        skip(index, ts, "PREROUTING", in.name(), "arrival on lo (produced from the sent packet)",
            Disposition.LOOPBACK_SKIPPED);
        return;
      }
      if (in == null) {
        unknownIngress++;
        skip(index, ts, "PREROUTING", null, "unknown input device ifindex " + v.inIfindex(),
            Disposition.NOT_EVALUATED);
        return;
      }
      final int sent = host.isHostAddress(v.srcAddr()) && isBroadcastOrMulticast(v.dstAddr(), in)
          ? engine.takeLoopedCopy(in, v.srcAddr(), v.dstAddr(), v.protocol(), ts) : -1;
      if (sent >= 0) {
        engine.arriveLooped(v, in, ts, index, sent); // the host's own broadcast/multicast, looped back
        return;
      }
      engine.arrive(v, in, ts, index);
      return;
    }
    if (fromLocalFile) {
      engine.output(v, null, -1, -1, ts, index);
      return;
    }
    if (v.sllPacketType() == PacketView.PACKET_OUTGOING) {
      skip(index, ts, null, ingress, "outgoing packet in an arrival capture (seen after NAT)",
          Disposition.NOT_EVALUATED);
      return;
    }
    final RouteHint hint = engine.routeHint;
    final NetInterface in = hint != null && hint.host == host ? hint.in : ingressOf.of(ingress, v);
    if (in == null) {
      unknownIngress++;
      skip(index, ts, "PREROUTING", ingress,
          ingress == null ? "unknown ingress interface (give --in)"
              : "ingress interface '" + ingress + "' is not in the snapshot",
          Disposition.NOT_EVALUATED);
      return;
    }
    if (in.isLoopback()) {
      skip(index, ts, "PREROUTING", in.name(), "arrival on lo (produced from the sent packet)",
          Disposition.LOOPBACK_SKIPPED);
      return;
    }
    if (v.hasMac() && in.mac() != 0 && v.srcMac() == in.mac()) {
      // A frame the host itself sent out of this interface (tcpdump -i IF sees both directions):
      // it already went through OUTPUT/FORWARD and POSTROUTING, after NAT.
      skip(index, ts, null, in.name(), "outgoing packet in an arrival capture (seen after NAT)",
          Disposition.NOT_EVALUATED);
      return;
    }
    engine.arrive(v, in, ts, index);
  }

  /**
   * What an NFLOG record tells of the sending socket (xt_owner's view). nfnetlink_log adds NFULA_UID
   * only for a full socket with a file; without it:
   * <ul>
   *   <li>a SYN/ACK was sent by a request socket: xt_owner sees its listener, whose uid the other
   *       packets of that local address and port tell (learned in a first pass);</li>
   *   <li>RSTs and ICMP messages without uid come from the stack's control sockets (a socket, no
   *       file);</li>
   *   <li>TCP without uid otherwise comes from a socket its process has closed (orphaned: no socket
   *       for xt_owner);</li>
   *   <li>anything else is unknown and decided by the --assume policy.</li>
   * </ul>
   */
  private void outputWithSocket(PacketView v, NetInterface out, long ts, long index) {
    if (v.uid() >= 0) {
      engine.output(v, out, PacketContext.SOCKET_FULL, v.uid(), v.gid(), ts, index);
      return;
    }
    final int proto = v.protocol();
    int kind = PacketContext.SOCKET_UNKNOWN;
    int uid = -1;
    int gid = -1;
    if (proto == PacketView.IPPROTO_TCP && v.l4HeaderPresent()) {
      final int flags = v.tcpFlags();
      if ((flags & (PacketView.TCP_SYN | PacketView.TCP_ACK)) == (PacketView.TCP_SYN | PacketView.TCP_ACK)) {
        final long owner = owners.get(ownerKey(proto, v.srcAddr(), v.srcPort()));
        if (owner != NO_OWNER) {
          kind = PacketContext.SOCKET_FULL;
          uid = (int) (owner >>> 32);
          gid = (int) owner;
        }
      } else if ((flags & PacketView.TCP_RST) != 0) {
        kind = PacketContext.SOCKET_KERNEL;
      } else {
        kind = PacketContext.SOCKET_NONE;
      }
    } else if (proto == PacketView.IPPROTO_ICMP) {
      kind = PacketContext.SOCKET_KERNEL;
    }
    engine.output(v, out, kind, uid, gid, ts, index);
  }

  private static final long NO_OWNER = Long.MIN_VALUE;
  private final io.nfeval.engine.LongLongMap owners = new io.nfeval.engine.LongLongMap(NO_OWNER);

  static long ownerKey(int proto, int addr, int port) {
    return ((long) proto << 48) ^ ((addr & 0xffffffffL) << 16) ^ port;
  }

  /**
   * First pass over the captures: listeners' owners (for --uid-owner on SYN/ACKs) and the ports
   * remote hosts answered on (the kernel's choice for clashing NAT bindings).
   */
  public void prescan(CaptureReader reader, boolean owners, ReplyPortIndex replyPorts) {
    final CapturedPacket p = new CapturedPacket();
    final PacketView v = new PacketView();
    final PacketClock clock = new PacketClock();
    long record = 0;
    while (reader.next(p)) {
      learn(host, p, v, clock, true, owners, replyPorts, record++);
    }
    engine.scanned();
  }

  /**
   * Learns NAT reply ports on demand: the first clashing source NAT binding scans the captures from
   * their start up to its horizon (see {@link ReplyPortIndex}), later ones further as they need, on
   * this thread. A replay without clashes never reads the captures twice. The reader must be a second
   * reader over the same captures, in the same order (record numbers are the replay's packet indexes);
   * close the handle after the replay.
   */
  public ScanHandle scanReplyPortsOnDemand(CaptureReader reader, ReplyPortIndex replyPorts) {
    final ScanHandle h = new ScanHandle(reader, host);
    replyPorts.scanOnDemand(record -> h.scanTo(record, replyPorts));
    return h;
  }

  /** The captures' second reader for an on-demand reply-port scan. */
  public final class ScanHandle implements AutoCloseable {
    private final CaptureReader reader;
    private final HostModel scanHost;
    private final CapturedPacket p = new CapturedPacket();
    private final PacketView v = new PacketView();
    private final PacketClock clock = new PacketClock();
    private long next;
    private boolean ended;

    private ScanHandle(CaptureReader reader, HostModel scanHost) {
      this.reader = reader;
      this.scanHost = scanHost;
    }

    private boolean scanTo(long record, ReplyPortIndex replyPorts) {
      while (!ended && next <= record) {
        if (!reader.next(p)) {
          ended = true;
          break;
        }
        learn(scanHost, p, v, clock, false, false, replyPorts, next++);
      }
      return !ended;
    }

    @Override
    public void close() {
      reader.close();
    }
  }

  /**
   * What one record of the first pass teaches: with {@code hostFacts} (a pass before the replay, on
   * the evaluator's thread) the bridge's MAC table and, with {@code owners}, listeners' owners; and
   * the reply ports when {@code replyPorts} is given.
   */
  private void learn(HostModel host, CapturedPacket p, PacketView v, PacketClock clock, boolean hostFacts,
      boolean owners, ReplyPortIndex replyPorts, long record) {
    if (!hostFacts && notForHost(host, p)) {
      // most frames a router sees are forwarded: read their ports without a full decode
      if (replyPorts != null) {
        sendOfForwardedFrame(p, replyPorts);
      }
      return;
    }
    final int code = v.wrap(p.buffer(), p.offset(), p.capLen(), p.wireLen(), p.linkType()).decode();
    final long ts = clock.timeOf(p, v);
    if (code != Malformed.OK || !v.isIpv4() || !v.l4HeaderPresent()) {
      return;
    }
    final int proto = v.protocol();
    final boolean ports = proto == PacketView.IPPROTO_TCP || proto == PacketView.IPPROTO_UDP;
    if (replyPorts != null && hostAnswer(host, v, replyPorts, ts)) {
      return;
    }
    // an answer to an ICMP query (echo, timestamp, information, address mask) carries the id the host's
    // NAT chose for a remapped ICMP connection, as a TCP/UDP reply carries the chosen port
    final boolean queryReply = proto == PacketView.IPPROTO_ICMP
        && IcmpTuple.validNew(IcmpTuple.invertType(v.icmpType()));
    if (!ports && !queryReply) {
      return;
    }
    final boolean nflog = v.linkType() == LinkType.NFLOG;
    if (ports && hostFacts && nflog && v.nflogHook() == PacketView.NF_INET_PRE_ROUTING && v.physInIfindex() > 0
        && v.hasMac()) {
      engine.learnBridgePort(v.srcMac(), host.byIndex(v.physInIfindex()));
    }
    if (proto == PacketView.IPPROTO_TCP && hostFacts && nflog && v.nflogHook() == PacketView.NF_INET_LOCAL_OUT
        && (v.tcpFlags() & (PacketView.TCP_SYN | PacketView.TCP_ACK | PacketView.TCP_RST))
            == (PacketView.TCP_SYN | PacketView.TCP_ACK)) {
      engine.learnSynAck(v.srcAddr(), v.srcPort(), v.dstAddr(), v.dstPort()); // the host answered a SYN
    }
    if (ports && hostFacts && owners && nflog && v.nflogHook() == PacketView.NF_INET_LOCAL_OUT && v.uid() >= 0) {
      final long key = ownerKey(proto, v.srcAddr(), v.srcPort());
      if (this.owners.get(key) == NO_OWNER) {
        this.owners.put(key, ((long) v.uid() << 32) | (v.gid() & 0xffffffffL));
      }
    }
    if (replyPorts != null && p.fileIndex() < firstLocalFile
        && (!nflog || v.nflogHook() == PacketView.NF_INET_PRE_ROUTING)
        && host.isHostAddress(v.dstAddr())) {
      replyPorts.add(proto, v.srcAddr(), ports ? v.srcPort() : 0, v.dstAddr(), ports ? v.dstPort() : v.icmpId(),
          ts, record);
    }
    if (replyPorts != null
        && (!nflog || v.nflogHook() == PacketView.NF_INET_PRE_ROUTING || v.nflogHook() == PacketView.NF_INET_LOCAL_OUT)
        && !host.isHostAddress(v.dstAddr())) {
      // an original direction (forwarded, or the host's own): a connection that may keep its port
      if (ports) {
        replyPorts.addSend(proto, v.dstAddr(), v.dstPort(), v.srcPort(), ts);
      } else if (proto == PacketView.IPPROTO_ICMP && IcmpTuple.validNew(v.icmpType())) {
        replyPorts.addSend(proto, v.dstAddr(), 0, v.icmpId(), ts);
      }
    }
  }

  /**
   * A port unreachable or a TCP reset the host sent from one of its addresses (an outgoing NFLOG record,
   * or a frame of a capture that holds the host's sends): it refutes the packet it answers as a reply
   * (see {@link ReplyPortIndex#refute}). True when {@code v} is such an answer.
   */
  private static boolean hostAnswer(HostModel host, PacketView v, ReplyPortIndex replyPorts, long ts) {
    if (v.linkType() == LinkType.NFLOG && v.nflogHook() != PacketView.NF_INET_LOCAL_OUT) {
      return false;
    }
    final int proto = v.protocol();
    if (proto == PacketView.IPPROTO_ICMP) {
      if (v.icmpType() != 3 || v.icmpCode() != 3 || v.icmpInnerSrcPort() < 0
          || v.icmpInnerDstAddr() != v.srcAddr() || !host.isHostAddress(v.srcAddr())) {
        return false;
      }
      replyPorts.refute(v.icmpInnerProtocol(), v.icmpInnerSrcAddr(), v.icmpInnerSrcPort(), v.icmpInnerDstAddr(),
          v.icmpInnerDstPort(), ts);
      return true;
    }
    if (proto == PacketView.IPPROTO_TCP && (v.tcpFlags() & PacketView.TCP_RST) != 0
        && host.isHostAddress(v.srcAddr())) {
      replyPorts.refute(proto, v.dstAddr(), v.dstPort(), v.srcAddr(), v.srcPort(), ts);
      return false; // a reset is also a send of the host's own
    }
    return false;
  }

  /**
   * The send {@link ReplyPortIndex#addSend} records for an untagged Ethernet/IPv4 TCP or UDP frame that
   * {@link #notForHost} skipped, read straight from the frame (first fragments and whole packets only).
   */
  private static void sendOfForwardedFrame(CapturedPacket p, ReplyPortIndex replyPorts) {
    final java.nio.ByteBuffer b = p.buffer();
    final int o = p.offset() + 14;
    final int ihl = (b.get(o) & 0x0f) * 4;
    final int proto = b.get(o + 9) & 0xff;
    if (ihl < 20 || p.capLen() < 14 + ihl + 4 || (be16(b, o + 6) & 0x1fff) != 0
        || (proto != PacketView.IPPROTO_TCP && proto != PacketView.IPPROTO_UDP)) {
      return;
    }
    replyPorts.addSend(proto, be32(b, o + 16), be16(b, o + ihl + 2), be16(b, o + ihl), p.tsNanos());
  }

  /** A network-order field of a capture's buffer, whose own order is the capture file's. */
  private static int be16(java.nio.ByteBuffer b, int off) {
    return (b.get(off) & 0xff) << 8 | (b.get(off + 1) & 0xff);
  }

  private static int be32(java.nio.ByteBuffer b, int off) {
    return be16(b, off) << 16 | be16(b, off + 2);
  }

  /**
   * The reply-port scan's shortcut for untagged Ethernet/IPv4 frames: reads only the addresses and
   * tells a frame that is neither for the host nor from it, a forwarded one (whose ports
   * {@link #sendOfForwardedFrame} reads). False when it cannot tell.
   */
  private static boolean notForHost(HostModel host, CapturedPacket p) {
    if (p.linkType() != LinkType.ETHERNET || p.capLen() < 34) {
      return false;
    }
    final java.nio.ByteBuffer b = p.buffer();
    final int o = p.offset();
    if (b.get(o + 12) != 0x08 || b.get(o + 13) != 0x00 || (b.get(o + 14) & 0xf0) != 0x40) {
      return false;
    }
    // the host's own sends are decoded: their answers refute replies (hostAnswer)
    return !host.isHostAddress(be32(b, o + 30)) && !host.isHostAddress(be32(b, o + 26));
  }

  private boolean isBroadcastOrMulticast(int dst, NetInterface in) {
    return (dst & 0xf0000000) == 0xe0000000 || dst == -1
        || host.addrType(dst, in) == io.nfeval.host.RouteType.BROADCAST;
  }

  private void skip(long index, long ts, String entry, String in, String reason, Disposition d) {
    summary.notEvaluated(reason, d);
    if (trace != null) {
      trace.notEvaluated(index, ts, entry, in, reason, d);
    }
  }
}
