package io.nfeval.engine;

import io.nfeval.conntrack.ConntrackTable;
import io.nfeval.conntrack.Ct;
import io.nfeval.conntrack.CtPacket;
import io.nfeval.conntrack.CtResult;
import io.nfeval.host.HostModel;
import io.nfeval.host.NetInterface;
import io.nfeval.host.RouteResult;
import io.nfeval.host.RouteType;
import io.nfeval.nat.NatCore;
import io.nfeval.nat.NatRange;
import io.nfeval.nat.NatRewrite;
import io.nfeval.packet.PacketView;
import io.nfeval.rules.Backend;
import io.nfeval.rules.Rule;
import io.nfeval.rules.Ruleset;
import io.nfeval.rules.Table;
import io.nfeval.rules.ext.Match;
import io.nfeval.rules.ext.PacketContext;
import io.nfeval.rules.ext.Target;
import io.nfeval.rules.ext.CtTarget;
import io.nfeval.rules.ext.XtVerdict;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference engine: runs one packet at a time through the IPv4 hook graph of a host, as the kernel
 * does (net/ipv4/ip_input.c, ip_forward.c, ip_output.c with the netfilter hooks of each step).
 *
 * <p>Single-threaded and deterministic: all state (conntrack, NAT bindings, counters, match state)
 * lives here and time comes only from packet timestamps.
 */
public final class Engine {
  /** Options of a run. */
  public static final class Options {
    public boolean trace;
    /** Matches a capture cannot decide (owner, socket, policy) are assumed to match. */
    public boolean assumeUnknowable = true;
    /** Back end to assume when the ruleset's header does not say (KERNEL-NOTES: nf_tables today). */
    public Backend defaultBackend = Backend.NFT;
    /** Seed of every random choice (NAT port search with --random, statistic --mode random). */
    public long natSeed = 0x6e666576616cL;
    public int conntrackMax = 262_144;
    /**
     * Build the kernel's answers to REJECT (RST, ICMP errors) and send them through OUTPUT. Off when
     * the captures contain the host's own packets (NFLOG OUTPUT, --local), where they already are.
     */
    public boolean generateAnswers = true;
    /**
     * Skip rules that cannot match with a per-table candidate classifier (engine.classify); off = the
     * plain reference walk of ipt_do_table. Verdicts and counters are the same either way.
     */
    public boolean classify = true;
    /** Memoize input routes per connection direction (off only to test that it changes nothing). */
    public boolean routeMemo = true;

    Options copy() {
      final Options o = new Options();
      o.trace = trace;
      o.assumeUnknowable = assumeUnknowable;
      o.defaultBackend = defaultBackend;
      o.natSeed = natSeed;
      o.conntrackMax = conntrackMax;
      o.generateAnswers = generateAnswers;
      o.classify = classify;
      o.routeMemo = routeMemo;
      return o;
    }
  }

  /** Called after each evaluated packet, with the skb still holding its final state. */
  public interface PacketListener {
    void packetDone(Skb skb, Disposition d, PacketInfo info);
  }

  // Not final: a RulesetSwap replaces the ruleset's fields (and the host's) between two packets.
  Ruleset ruleset;
  io.nfeval.ipset.IpsetRegistry ipsets;
  HostModel host;
  final HostView hostView;
  HookGraph graph;
  final Options options;
  List<CompiledTable> tables;
  CompiledTable raw;
  CompiledTable mangle;
  CompiledTable nat;
  CompiledTable filter;
  CompiledTable security;
  TableCounters[] counters;
  /** What {@link #tables}, {@link #counters} and {@link #matchStates} come from. */
  private CompiledRuleset compiled;
  TableEvaluator evaluator;
  boolean conntrackOn;
  /** nf_defrag_ipv4 is registered: by conntrack, or by the socket match and TPROXY. */
  boolean defragOn;
  final ConntrackTable conntrack;
  final NatCore natCore;
  /** Policy rules select on protocol, ports or uid: every packet is routed with its own L4 key. */
  private boolean flowRouting;
  /** Conntrack helpers and their expectations, made when a CT template first names a modelled helper. */
  private ConntrackHelpers helpers;
  final Skb skb;
  final CtPacket ctp = new CtPacket();
  final CtResult ctr = new CtResult();
  final NatRewrite rewrite = new NatRewrite();
  final NatRange natRange = new NatRange();
  final Defrag defrag = new Defrag();
  Object[] matchStates;
  ExtensionRunner ext;
  final PacketInfo info = new PacketInfo();
  /** Memoize input routes per connection direction (Options.routeMemo). */
  private final boolean routeMemo;
  /**
   * The decode stage's input routing decision for the packet being evaluated (see {@link RouteHint}),
   * set by the replayer around one arrival; null otherwise.
   */
  RouteHint routeHint;
  /** Arrivals routed by their {@link RouteHint} (tests check the hints are used at all). */
  long routeHintsUsed;
  /** OUTPUT re-routed the packet being sent ({@link #reroute}): POSTROUTING uses the new device. */
  private boolean rerouted;
  /** Routing decisions of this run, cached by their inputs. */
  RouteCache routes;
  Answers answers;
  /** SYNPROXY's proxy and hook, when a SYNPROXY rule is loaded (nf_synproxy_ipv4_init); else null. */
  Synproxy synproxy;
  /** The packet being sent is the proxy's SYN to the server, made from SYNPROXY's conntrack template. */
  boolean synproxyTemplate;
  /** The host's TCP sockets, learned from its captured packets, when a socket match or TPROXY needs them. */
  HostSockets sockets;
  /** br_netfilter is active (net.bridge.bridge-nf-call-iptables, 1 unless the snapshot says 0). */
  boolean bridgeNf;
  /** Names of the host's bridges (devices that are some other device's master). */
  final java.util.Set<String> bridges = new java.util.HashSet<>();
  private PacketListener listener;

  public Engine(Ruleset ruleset, HostModel host, io.nfeval.ipset.IpsetRegistry ipsets, Options options) {
    this(ruleset, host, ipsets, options, null);
  }

  /**
   * With {@code shared}, a replica of an engine whose packets do not depend on one another (see
   * {@link #orderDependence}): the same compiled tables, its own counters, match state, answers and
   * caches, and a token conntrack table (nothing is ever tracked).
   */
  private Engine(Ruleset ruleset, HostModel host, io.nfeval.ipset.IpsetRegistry ipsets, Options options,
      CompiledRuleset shared) {
    this.ruleset = ruleset;
    this.ipsets = ipsets;
    this.host = host;
    this.options = options;
    this.hostView = new HostView(host);
    Backend backend = ruleset.backend() == Backend.UNKNOWN ? options.defaultBackend : ruleset.backend();
    this.graph = new HookGraph(backend);
    use(shared != null ? new CompiledRuleset(shared) : new CompiledRuleset(ruleset, options.classify));
    conntrackOn = needsConntrack(ruleset);
    defragOn = conntrackOn || usesAny(ruleset, "socket", "TPROXY");
    conntrack = new ConntrackTable(shared != null ? 64 : ConntrackSettings.max(host, options.conntrackMax),
        ConntrackSettings.from(host));
    conntrack.countTicks(hostView.ticks.hz, hostView.ticks.tickNanos());
    accountIfNeeded(ruleset);
    natCore = new NatCore(conntrack, options.natSeed);
    natCore.setPortHint(replyPorts);
    answers = new Answers(hostView);
    enableSynproxyAndSockets(ruleset);
    routes = new RouteCache(host, conntrack.slots());
    routeMemo = options.routeMemo;
    flowRouting = host.routesByFlow();
    bridgeNf = host.sysctlInt("net.bridge.bridge-nf-call-iptables", 1) != 0;
    interfaces = host.interfaces().toArray(new NetInterface[0]);
    for (NetInterface i : host.interfaces()) {
      if (i.master() != null) {
        bridges.add(i.master());
      }
    }
    skb = new Skb(hostView, options.assumeUnknowable);
    skb.ct = conntrack;
    skb.engineTables = tables;
    skb.matchStates = matchStates;
    skb.tracing = options.trace;
    skb.randomSeed = options.natSeed;
    // iptables-nft compiles some matches to native nf_tables expressions with their own semantics.
    skb.nfTablesBackend(backend == Backend.NFT);
    skb.ipsets(new RegistryIpSets(ipsets));
  }

  /**
   * A SYNPROXY rule registers the synproxy hook and gives conntrack entries room for its extension; a
   * socket match or TPROXY rule makes the engine keep the host's sockets as its packets show them.
   */
  private void enableSynproxyAndSockets(Ruleset rs) {
    if (synproxy == null && usesAny(rs, "\0", "SYNPROXY")) {
      synproxy = new Synproxy(this);
      conntrack.enableSynproxy();
    }
    if (sockets == null && (usesAny(rs, "socket", "TPROXY"))) {
      sockets = new HostSockets(host);
    }
  }

  /** A first pass saw the host answer a SYN (a SYN-ACK from {@code laddr:lport} to {@code raddr:rport}). */
  public void learnSynAck(int laddr, int lport, int raddr, int rport) {
    if (sockets != null) {
      sockets.learnSynAck(laddr, lport, raddr, rport);
    }
  }

  /** The first pass over the captures is complete. */
  public void scanned() {
    if (sockets != null) {
      sockets.scanned();
    }
  }

  /** Whether the socket match or TPROXY want the host's listeners (a first pass learns them). */
  public boolean wantsListeners() {
    return sockets != null;
  }

  /** A port pair (source high, destination low) seen from the other direction. */
  static int swapPorts(int ports) {
    return ports << 16 | ports >>> 16;
  }

  public void setListener(PacketListener l) {
    this.listener = l;
  }

  /** Told of every NAT binding a rule sets up (the first packet of a connection). */
  public interface NatObserver {
    /**
     * {@code manip} 0 SNAT / 1 DNAT; {@code fromAddr:fromPort} → {@code toAddr:toPort} is the side
     * of the original tuple the rule changed.
     */
    void bound(CompiledTable table, int entry, int manip, int proto, int fromAddr, int fromPort,
        int toAddr, int toPort);
  }

  private NatObserver natObserver;

  public void setNatObserver(NatObserver o) {
    this.natObserver = o;
  }

  /** After a NAT target bound the connection: tell the observer what it mapped. */
  void noteBinding(int manip) {
    final int h = skb.ctHandle;
    if (natObserver == null || h < 0) {
      return;
    }
    final int proto = conntrack.proto(h);
    if (manip == NatCore.MANIP_DST) {
      natObserver.bound(skb.currentTable, skb.currentEntry, manip, proto,
          conntrack.tupleDst(h, Ct.DIR_ORIGINAL), conntrack.tupleDport(h, Ct.DIR_ORIGINAL),
          conntrack.tupleSrc(h, Ct.DIR_REPLY), conntrack.tupleSport(h, Ct.DIR_REPLY));
    } else {
      natObserver.bound(skb.currentTable, skb.currentEntry, manip, proto,
          conntrack.tupleSrc(h, Ct.DIR_ORIGINAL), conntrack.tupleSport(h, Ct.DIR_ORIGINAL),
          conntrack.tupleDst(h, Ct.DIR_REPLY), conntrack.tupleDport(h, Ct.DIR_REPLY));
    }
  }

  public List<CompiledTable> tables() {
    return tables;
  }

  public TableCounters counters(CompiledTable t) {
    return counters[t.id];
  }

  public boolean conntrackEnabled() {
    return conntrackOn;
  }

  public HostModel host() {
    return host;
  }

  /**
   * Conntrack (and with it defragmentation) is registered in a network namespace only when a rule
   * needs it: the extensions whose checkentry calls nf_ct_netns_get (state, conntrack, connmark,
   * CONNMARK, CT/NOTRACK, connlimit, connbytes, helper, and every NAT target). A nat table by itself
   * does not: without conntrack its chains are never entered (nf_nat_inet_fn accepts packets that
   * have no entry), as the kernel-differential scenario routing-drops shows.
   */
  /**
   * Per-connection packet/byte accounting, as the kernel keeps it: with nf_conntrack_acct=1, or once a
   * connbytes rule is loaded (connbytes_mt_check turns the sysctl on).
   */
  private void accountIfNeeded(Ruleset rs) {
    if (host.sysctlInt("net.netfilter.nf_conntrack_acct", 0) != 0 || usesAny(rs, "connbytes", "\0")) {
      conntrack.enableAccounting();
    }
    if (usesAny(rs, "connlabel", "\0")) {
      conntrack.enableLabels(); // nf_connlabels_get: connections carry labels once a connlabel rule is loaded
    }
  }

  /** Evaluates with these tables, counters and match state from now on. */
  private void use(CompiledRuleset c) {
    compiled = c;
    tables = c.tables;
    raw = c.raw;
    mangle = c.mangle;
    nat = c.nat;
    filter = c.filter;
    security = c.security;
    counters = c.counters;
    matchStates = c.matchStates;
    evaluator = new TableEvaluator(c.maxDepth);
    ext = new ExtensionRunner(this);
    unhooked = new boolean[tables.size()][5];
    final java.util.Set<String> absent = ruleset.absentBaseChains();
    if (!absent.isEmpty()) {
      for (CompiledTable t : tables) {
        for (Hook hook : Hook.values()) {
          unhooked[t.id][hook.number()] =
              absent.contains(io.nfeval.rules.NftBaseChains.key(t.name(), hook.name()));
        }
      }
    }
  }

  /**
   * Per table id and hook: the built-in chain exists in iptables-save's text but not in the kernel
   * (Ruleset#absentBaseChains): that table's rules do not run at that hook and count nothing. The NAT
   * engine still does (null bindings, translation): nf_nat_register_fn hooks it at every hook once any
   * nat chain exists.
   */
  private boolean[][] unhooked;

  static boolean needsConntrack(Ruleset rs) {
    for (Table t : rs.tables()) {
      for (io.nfeval.rules.Chain c : t.chains()) {
        for (Rule r : c.rules()) {
          for (Match m : r.matches()) {
            switch (m.name()) {
              case "state": case "conntrack": case "connmark": case "connlimit": case "helper":
              case "connbytes": case "connlabel": case "cluster":
                return true;
              default:
                break;
            }
          }
          switch (r.target().name()) {
            case "CT": case "NOTRACK": case "CONNMARK": case "CONNSECMARK": case "DNAT": case "SNAT":
            case "MASQUERADE": case "REDIRECT": case "NETMAP": case "SYNPROXY":
              return true;
            default:
              break;
          }
        }
      }
    }
    return false;
  }

  private final ReplyPortIndex replyPorts = new ReplyPortIndex();

  /** The index a first pass fills with the ports remote hosts answered on (NAT port choice). */
  public ReplyPortIndex replyPortIndex() {
    return replyPorts;
  }

  /** Whether some rule maps sources (SNAT, MASQUERADE, NETMAP): ports may be remapped on clashes. */
  public boolean usesSourceNat() {
    return usesAny(ruleset, "\0", "SNAT") || usesAny(ruleset, "\0", "MASQUERADE")
        || usesAny(ruleset, "\0", "NETMAP") || (conntrackOn && nat != null);
  }

  /** Whether the host has bridges (br_netfilter's forwarding database is learned in a first pass). */
  public boolean hasBridges() {
    return bridgeNf && !bridges.isEmpty();
  }

  /** Whether some rule uses this match. */
  public boolean usesMatch(String match) {
    return usesAny(ruleset, match, "\0");
  }

  static boolean usesAny(Ruleset rs, String match, String target) {
    for (Table t : rs.tables()) {
      for (io.nfeval.rules.Chain c : t.chains()) {
        for (Rule r : c.rules()) {
          if (r.target().name().equals(target)) {
            return true;
          }
          for (Match m : r.matches()) {
            if (m.name().equals(match)) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }

  /** The first match of some rule that {@code p} accepts, or null. */
  private static Match anyMatch(Ruleset rs, java.util.function.Predicate<Match> p) {
    for (Table t : rs.tables()) {
      for (io.nfeval.rules.Chain c : t.chains()) {
        for (Rule r : c.rules()) {
          for (Match m : r.matches()) {
            if (p.test(m)) {
              return m;
            }
          }
        }
      }
    }
    return null;
  }

  // ---- evaluation by replicas (parallel replay) --------------------------------------------------

  /**
   * Why the verdict on a packet may depend on packets evaluated before it, so that this ruleset's
   * packets must be evaluated in capture order by one engine; null when they may be shared out among
   * {@link #replica replicas}. What a packet can leave behind for later ones:
   * <ul>
   *   <li>conntrack and NAT bindings (and with them defragmentation queues);</li>
   *   <li>the state of limit, hashlimit, quota, recent, statistic, nfacct and connlimit;</li>
   *   <li>ipset contents, changed by the SET target, and entries that expire (their clock starts at
   *       the first packet that looks a set up);</li>
   *   <li>a bridge's learned MAC table;</li>
   *   <li>for the owner and cgroup matches, the socket of the host's answer to the packet before it
   *       (a capture shows the answer as the next packet the host sends).</li>
   * </ul>
   * The kernel's ICMP rate limit (its answers to REJECT) is kept per destination, the rejected
   * packet's source: replicas keyed by source address each hold the whole of their sources' limits.
   * What the host's own packets teach (joined multicast groups, the last packet sent) comes only from
   * NFLOG or --local captures, which the replayer gives to one replica from their first packet on.
   */
  public String orderDependence() {
    if (conntrackOn) {
      return "conntrack (a stateful rule or a NAT target)";
    }
    if (defragOn) {
      return "defragmentation (socket or TPROXY)";
    }
    if (!bridges.isEmpty()) {
      return "a bridge (its learned MAC table)";
    }
    final Match stateful = anyMatch(ruleset, Match::dependsOnEarlierPackets);
    if (stateful != null) {
      return "match " + stateful.name() + " (state kept across packets)";
    }
    final Match socket = anyMatch(ruleset, m -> m.name().equals("owner") || m.name().equals("cgroup"));
    if (socket != null) {
      return "match " + socket.name() + " (an answer's socket depends on the packet before it)";
    }
    if (usesAny(ruleset, "\0", "SET")) {
      return "target SET (changes ipsets)";
    }
    for (io.nfeval.ipset.IpsetDef d : ipsets.definitions()) {
      if (d.timeout() > 0 || d.entries().stream().anyMatch(x -> x.timeout() > 0)) {
        return "ipset " + d.name() + " (entries expire)";
      }
    }
    return null;
  }

  /**
   * A second evaluator for packets independent of one another ({@link #orderDependence} is null): the
   * same ruleset, host, ipsets and compiled tables, with its own counters, match state, answers
   * (and their rate limits) and routing cache. Its results join this engine's with {@link #absorb}.
   */
  Engine replica() {
    final String dependence = orderDependence();
    if (dependence != null) {
      throw new IllegalStateException("packets depend on one another: " + dependence);
    }
    return new Engine(ruleset, host, ipsets, options.copy(), compiled);
  }

  /**
   * Routes through a larger cache from now on, for a run whose evaluators prefetch each arrival's
   * cache line ({@link RouteCache#PREFETCHED_SLOTS}); decisions are only cached, never state.
   */
  void prefetchedRoutes() {
    routes = new RouteCache(host, conntrack.slots(), RouteCache.PREFETCHED_SLOTS);
  }

  /** Adds a replica's counters to this engine's, as the kernel sums its per-CPU counters. */
  void absorb(Engine replica) {
    for (int i = 0; i < counters.length; i++) {
      counters[i].addAll(replica.counters[i]);
    }
    routeHintsUsed += replica.routeHintsUsed;
  }

  /** The listener set by {@link #setListener}, or null. */
  PacketListener listener() {
    return listener;
  }

  // ---- ruleset swap (live --reload) ------------------------------------------------------------

  /** A swap prepared off the evaluating thread, installed before the next packet (one volatile write). */
  private volatile RulesetSwap pendingSwap;
  /** The tables after the last swap, for swaps prepared on other threads; null before the first. */
  private volatile List<CompiledTable> installedTables;
  /** A swap brought a new host model: devices the caller resolved earlier are looked up again. */
  private boolean hostReplaced;

  /** The tables a swap prepared now is paired with (any thread). */
  List<CompiledTable> baseTables() {
    final List<CompiledTable> t = installedTables;
    return t != null ? t : tables;
  }

  /**
   * Offers a prepared swap, from any thread: it takes effect before the next packet the engine
   * evaluates (or at {@link #installPending}), replacing a swap offered earlier and not yet installed.
   */
  public void offer(RulesetSwap swap) {
    pendingSwap = swap;
  }

  /**
   * Installs the offered swap now, between two packets: {@code nextIndex} is the index of the first
   * packet evaluated with it. Only on the evaluating thread. Returns the swap installed, or null.
   * Kept: the conntrack table and NAT bindings, defragmentation queues, the bridge's learned ports,
   * the shared named state of recent/hashlimit/nfacct, and the counters and match state of unchanged
   * rules (RulesetSwap). The ipsets and host model are replaced only when the swap brings new ones.
   */
  public RulesetSwap installPending(long nextIndex) {
    final RulesetSwap s = pendingSwap;
    if (s == null) {
      return null;
    }
    pendingSwap = null;
    s.carryOver(tables, counters, matchStates);
    ruleset = s.ruleset;
    use(s.compiled);
    graph = s.graph;
    conntrackOn = s.conntrackOn;
    defragOn = s.defragOn;
    accountIfNeeded(s.ruleset);
    enableSynproxyAndSockets(s.ruleset);
    skb.engineTables = tables;
    skb.matchStates = matchStates;
    skb.nfTablesBackend(s.backend == Backend.NFT);
    if (s.ipsets != null) {
      ipsets = s.ipsets;
      skb.ipsets(new RegistryIpSets(ipsets));
    }
    if (s.host != null) {
      host = s.host;
      hostView.use(s.host);
      conntrack.countTicks(hostView.ticks.hz, hostView.ticks.tickNanos());
      answers = new Answers(hostView);
      routes = new RouteCache(host, conntrack.slots());
      flowRouting = host.routesByFlow();
      bridgeNf = host.sysctlInt("net.bridge.bridge-nf-call-iptables", 1) != 0;
      interfaces = host.interfaces().toArray(new NetInterface[0]);
      bridges.clear();
      for (NetInterface i : host.interfaces()) {
        if (i.master() != null) {
          bridges.add(i.master());
        }
      }
      hostReplaced = true;
    }
    installedTables = tables;
    s.applied(nextIndex);
    return s;
  }

  /** After a new host model: the device of that model with the caller's device's ifindex. */
  private NetInterface current(NetInterface dev) {
    if (!hostReplaced || dev == null) {
      return dev;
    }
    final NetInterface now = host.byIndex(dev.index());
    return now != null ? now : dev;
  }

  // ---- entry points -------------------------------------------------------------------------

  /**
   * A packet arriving on {@code in} (PREROUTING). The view must be decoded and IPv4.
   */
  public Disposition arrive(PacketView raw, NetInterface in, long tsNanos, long index) {
    if (pendingSwap != null) {
      installPending(index);
    }
    in = current(in);
    beginPacket(raw, tsNanos, index);
    if (raw.linkType() == io.nfeval.packet.LinkType.NFLOG) {
      skb.mark = raw.mark(); // NFULA_MARK: the mark the packet had when it was logged
    }
    skb.in = in;
    skb.physIn = null;
    skb.physOut = null;
    if (raw.linkType() == io.nfeval.packet.LinkType.NFLOG && raw.physInIfindex() > 0) {
      skb.physIn = host.byIndex(raw.physInIfindex()); // br_netfilter: the bridge port
    } else if (in != null && in.master() != null && host.byName(in.master()) != null) {
      skb.physIn = in; // a capture on a bridge port: netfilter sees the bridge as the device
      skb.in = host.byName(in.master());
    }
    info.inName = skb.in == null ? null : skb.in.name();
    skb.pktType = pktTypeOf(raw, in);
    info.entryHook = Hook.PREROUTING;
    final Disposition d = finish(prerouting(false));
    if (skb.sockets != null && d == Disposition.DELIVERED) {
      skb.sockets.learnArrival(skb.view, skb.tsNanos); // a FIN or reset reached its socket
    }
    sendAnswer(index);
    return d;
  }

  /**
   * A packet the host originated (OUTPUT). {@code outHint} is the output device when the capture
   * tells it (NFLOG), else null and the route decides.
   */
  public Disposition output(PacketView raw, NetInterface outHint, int uid, int gid, long tsNanos,
      long index) {
    return output(raw, outHint, uid >= 0 ? PacketContext.SOCKET_FULL : PacketContext.SOCKET_UNKNOWN,
        uid, gid, tsNanos, index);
  }

  /**
   * A packet the host originated, with what the capture tells of its socket ({@code socketKind}, one
   * of PacketContext.SOCKET_*).
   */
  public Disposition output(PacketView raw, NetInterface outHint, int socketKind, int uid, int gid,
      long tsNanos, long index) {
    if (pendingSwap != null) {
      installPending(index);
    }
    outHint = current(outHint);
    beginPacket(raw, tsNanos, index);
    skb.sockets = sockets; // the captures hold the host's packets (NFLOG OUTPUT, --local)
    if (raw.linkType() == io.nfeval.packet.LinkType.NFLOG) {
      skb.mark = raw.mark(); // the socket's SO_MARK, as logged before raw OUTPUT
    }
    skb.uid = uid;
    skb.gid = gid;
    skb.socketKind = socketKind;
    skb.pktType = PacketView.PACKET_OUTGOING;
    info.entryHook = Hook.OUTPUT;
    if (skb.protocol() == 2) {
      learnIgmpReport(skb.view, outHint);
    }
    final Disposition d = finish(localOut(outHint));
    sendAnswer(index);
    return d;
  }

  /**
   * The looped-back copy of a broadcast or multicast the host sent (ip_mc_output clones it: the clone
   * passes POSTROUTING, then dev_loopback_xmit brings it back in on the same device with its route and
   * conntrack entry kept): POSTROUTING of the clone, PREROUTING, then INPUT without a new routing
   * decision. xt_pkttype sees PACKET_LOOPBACK as multicast or broadcast by the destination.
   * {@code sent}: the send it copies, from {@link #takeLoopedCopy}.
   */
  public Disposition arriveLooped(PacketView raw, NetInterface in, long tsNanos, long index, int sent) {
    if (pendingSwap != null) {
      installPending(index);
    }
    in = current(in);
    beginPacket(raw, tsNanos, index);
    info.entryHook = Hook.PREROUTING;
    info.inName = in.name();
    info.looped = true;
    // dev_loopback_xmit resets the MAC header to the network header: no Ethernet header for xt_mac
    // (whatever NFLOG's hwaddr read there)
    skb.hasSourceMac = false;
    final int d = skb.daddr();
    skb.pktType = (d & 0xf0000000) == 0xe0000000 ? PacketView.PACKET_MULTICAST
        : PacketView.PACKET_BROADCAST;
    if (skb.pktType == PacketView.PACKET_MULTICAST) {
      joinedGroups.put(groupKey(in.index(), d), 1); // looped back: some local socket joined it
    }
    final int o = LOOP_STRIDE * sent;
    if (loopPending[o + 4] >= 0) {
      skb.ctHandle = loopPending[o + 4]; // the clone carries the sent packet's entry (skb_clone)
      skb.ctInfo = loopPending[o + 5];
    }
    skb.hook = Hook.POSTROUTING.number();
    skb.in = null;
    skb.out = in;
    int v = runHook(Hook.POSTROUTING, true);
    Disposition disp;
    if (v != XtVerdict.ACCEPT) {
      disp = dropped(v);
    } else {
      skb.in = in;
      skb.out = null;
      disp = prerouting(true);
    }
    final Disposition done = finish(disp);
    sendAnswer(index);
    return done;
  }

  /**
   * Multicast groups joined on a device ((ifindex, group) → 1): a snapshot does not list them, the
   * capture shows them — the host loops back its own multicast only for joined groups, and it sends
   * IGMP membership reports for them.
   */
  private final LongLongMap joinedGroups = new LongLongMap(0);

  private static long groupKey(int ifindex, int group) {
    return ((long) ifindex << 32) | (group & 0xffffffffL);
  }

  private void learnIgmpReport(PacketView v, NetInterface out) {
    if (out == null || v.protocol() != 2 || !v.l4HeaderPresent()) {
      return;
    }
    final java.nio.ByteBuffer b = v.buffer();
    final int l4 = v.l4Offset();
    final int end = v.offset() + v.capLen();
    if (l4 + 8 > end) {
      return;
    }
    final int type = b.get(l4) & 0xff;
    if (type == 0x16 || type == 0x12) { // IGMPv2/v1 membership report: the group in the header
      joinedGroups.put(groupKey(out.index(), b.getInt(l4 + 4)), 1);
    } else if (type == 0x22) { // IGMPv3 report: group records
      final int records = b.getShort(l4 + 6) & 0xffff;
      int r = l4 + 8;
      for (int i = 0; i < records && r + 8 <= end; i++) {
        final int rtype = b.get(r) & 0xff;
        final int aux = b.get(r + 1) & 0xff;
        final int nsrc = b.getShort(r + 2) & 0xffff;
        final int group = b.getInt(r + 4);
        // MODE_IS_EXCLUDE (2) / CHANGE_TO_EXCLUDE (4) with no sources: joined; TO_INCLUDE (3)
        // with no sources: left.
        if ((rtype == 2 || rtype == 4) || ((rtype == 1 || rtype == 5) && nsrc > 0)) {
          joinedGroups.put(groupKey(out.index(), group), 1);
        } else if (rtype == 3 && nsrc == 0) {
          joinedGroups.put(groupKey(out.index(), group), 0);
        }
        r += 8 + 4 * nsrc + 4 * aux;
      }
    }
  }

  /**
   * Broadcasts and multicasts the host sent whose looped-back copy has not come in yet: source,
   * destination, protocol, device and conntrack entry (handle, ctinfo), with the time sent, in a small
   * ring. ip_mc_output clones each
   * one (dev_loopback_xmit), and the copy comes back on the device it left by within a softirq. An
   * arrival from one of the host's addresses to a broadcast or multicast address that no sent packet
   * explains is someone else's packet with a spoofed source, routed as such (martian source), not a
   * copy, and it tells nothing about the groups local sockets joined.
   */
  private static final int LOOP_STRIDE = 6;
  private final int[] loopPending = new int[LOOP_STRIDE * 16];
  private final long[] loopPendingTs = new long[16];
  private int loopPendingNext;

  private void expectLoopedCopy(NetInterface out) {
    final int k = loopPendingNext;
    loopPendingNext = (k + 1) & 15;
    final int o = LOOP_STRIDE * k;
    loopPending[o] = skb.saddr();
    loopPending[o + 1] = skb.daddr();
    loopPending[o + 2] = skb.protocol();
    loopPending[o + 3] = out.index();
    loopPending[o + 4] = skb.ctHandle;
    loopPending[o + 5] = skb.ctInfo;
    loopPendingTs[k] = skb.tsNanos;
  }

  /**
   * The send an arrival on {@code in} from {@code src} to {@code dst} is the looped-back copy of: a
   * broadcast or multicast the host sent within the last second (consumed), for {@link #arriveLooped};
   * -1 when there is none.
   */
  public int takeLoopedCopy(NetInterface in, int src, int dst, int proto, long tsNanos) {
    for (int k = 0; k < 16; k++) {
      final int o = LOOP_STRIDE * k;
      if (loopPending[o + 3] == in.index() && loopPending[o] == src && loopPending[o + 1] == dst
          && loopPending[o + 2] == proto && tsNanos - loopPendingTs[k] <= 1_000_000_000L
          && tsNanos >= loopPendingTs[k]) {
        loopPending[o + 3] = 0;
        return k;
      }
    }
    return -1;
  }

  /** Stops building answers: the captures hold the host's own packets. */
  public void capturesHoldHostPackets() {
    options.generateAnswers = false;
    skb.sockets = sockets; // and with them the host's sockets
  }

  /**
   * Sends the answer a REJECT built (nf_send_reset / icmp_send → ip_local_out): through OUTPUT and
   * POSTROUTING, carrying the rejected packet's connection as RELATED (nf_ct_attach).
   */
  private void sendAnswer(long index) {
    while (answers.pending) {
      answers.pending = false;
      final int ctHandle = pCtHandle;
      final int ctInfo = pCtInfo;
      beginPacket(answers.view, skb.tsNanos, index);
      skb.pktType = PacketView.PACKET_OUTGOING;
      skb.socketKind = PacketContext.SOCKET_NONE; // REJECT's answers have no socket
      info.entryHook = Hook.OUTPUT;
      info.generated = true;
      if (ctHandle >= 0) {
        skb.ctHandle = ctHandle;
        skb.ctInfo = Ct.dir(ctInfo) == Ct.DIR_ORIGINAL ? Ct.CTINFO_RELATED_REPLY : Ct.CTINFO_RELATED;
        info.attached = true;
        closeOnRoute = answers.rst ? ctHandle : -1;
        if (!answers.rst && answers.view.icmpType() == 5) {
          info.redirectStatus = pStatusAtForward; // the redirect left before the trigger's FORWARD
        }
      }
      triggerValid = false;
      finish(localOut(null));
    }
    while (synproxy != null && synproxy.queued()) {
      // what SYNPROXY sent (synproxy_send_tcp → ip_local_out), for captures without the host's packets
      final int k = synproxy.next();
      beginPacket(synproxy.view, skb.tsNanos, index);
      skb.pktType = PacketView.PACKET_OUTGOING;
      skb.socketKind = PacketContext.SOCKET_NONE;
      info.entryHook = Hook.OUTPUT;
      info.generated = true;
      if (synproxy.handleOf(k) >= 0) {
        skb.ctHandle = synproxy.handleOf(k);
        skb.ctInfo = synproxy.ctInfoOf(k);
        info.attached = true;
      }
      synproxyTemplate = synproxy.templateOf(k);
      triggerValid = false;
      finish(localOut(null));
    }
  }

  /** REJECT: build the answer now, from the packet as this hook sees it. */
  void buildAnswer(io.nfeval.rules.ext.RejectTarget.With with) {
    if (!options.generateAnswers) {
      return;
    }
    switch (with) {
      case TCP_RESET:
        final RouteResult r = info.route;
        if (r != null && r.ok() && (r.type() == RouteType.BROADCAST || r.type() == RouteType.MULTICAST)) {
          break; // nf_send_reset: no reset for a packet routed as broadcast or multicast (rt_flags)
        }
        answers.buildReset(skb);
        break;
      case ICMP_NET_UNREACHABLE: answers.buildUnreach(skb, 0, skb.tsNanos); break;
      case ICMP_HOST_UNREACHABLE: answers.buildUnreach(skb, 1, skb.tsNanos); break;
      case ICMP_PROT_UNREACHABLE: answers.buildUnreach(skb, 2, skb.tsNanos); break;
      case ICMP_PORT_UNREACHABLE: answers.buildUnreach(skb, 3, skb.tsNanos); break;
      case ICMP_NET_PROHIBITED: answers.buildUnreach(skb, 9, skb.tsNanos); break;
      case ICMP_HOST_PROHIBITED: answers.buildUnreach(skb, 10, skb.tsNanos); break;
      case ICMP_ADMIN_PROHIBITED: answers.buildUnreach(skb, 13, skb.tsNanos); break;
      default:
        break; // echo-reply: obsolete, the kernel sends nothing
    }
  }

  private void beginPacket(PacketView raw, long tsNanos, long index) {
    skb.load(raw);
    skb.tsNanos = tsNanos;
    // nfct_time_stamp: conntrack keeps time in jiffies, so its clock is the start of the packet's tick
    skb.ctNanos = hostView.ticks.tickStart(tsNanos, hostView.tickPhase);
    skb.index = index;
    skb.in = null;
    skb.out = null;
    headerBeforePostrouting = false;
    synproxyTemplate = false;
    if (synproxy != null) {
      synproxy.afterConntrack(); // an adjustment held back for a packet that never reached conntrack
    }
    info.reset(skb);
    replyPorts.atPacket(index);
  }

  private Disposition finish(Disposition d) {
    // A connection whose first packet was dropped is freed (nf_ct_put of an unconfirmed entry) once
    // the next packet shows it is not the kernel's own answer carrying it (nf_ct_attach).
    if (unconfirmedHandle >= 0 && unconfirmedHandle != skb.ctHandle) {
      conntrack.discardUnconfirmed(unconfirmedHandle);
    }
    unconfirmedHandle = skb.ctHandle >= 0 && !conntrack.isConfirmed(skb.ctHandle) ? skb.ctHandle : -1;
    if (d != Disposition.FRAGMENT_HELD) {
      rememberTrigger();
    }
    info.unknownRule = skb.unknownSeen;
    info.disposition = d;
    if (listener != null) {
      listener.packetDone(skb, d, info);
    }
    return d;
  }

  /** The entry whose reset this engine is sending: closed once the reset has a route, or -1. */
  private int closeOnRoute = -1;

  /** The unconfirmed entry the last packet left behind, or -1. */
  private int unconfirmedHandle = -1;

  /** The trigger's header (pSrc ...) was noted before POSTROUTING: keep it (see postrouting). */
  private boolean headerBeforePostrouting;

  /** Notes the current packet's header as a trigger's: addresses, protocol, TCP/UDP ports. */
  private void noteHeader() {
    pSrc = skb.saddr();
    pDst = skb.daddr();
    pProto = skb.protocol();
    final boolean ports = skb.view.l4HeaderPresent()
        && (pProto == PacketView.IPPROTO_TCP || pProto == PacketView.IPPROTO_UDP);
    pSport = ports ? skb.view.srcPort() : pProto == PacketView.IPPROTO_SCTP ? skb.view.sctpSrcPort() : -1;
    pDport = ports ? skb.view.dstPort() : pProto == PacketView.IPPROTO_SCTP ? skb.view.sctpDstPort() : -1;
  }

  /** The last packet, as a possible trigger of the kernel's own answer (REJECT, ICMP errors). */
  private boolean triggerValid;
  private int pSrc;
  private int pDst;
  private int pProto;
  private int pSport;
  private int pDport;
  private boolean pTcpReset;
  private int pStatusAtForward = -1;
  private boolean pRejected;
  private int pCtHandle = -1;
  private int pCtInfo;

  private void rememberTrigger() {
    triggerValid = skb.present >= 20;
    if (!headerBeforePostrouting) {
      noteHeader();
    }
    headerBeforePostrouting = false;
    pTcpReset = info.rejectWithTcpReset;
    pStatusAtForward = info.statusAtForward;
    pRejected = info.rejected;
    pCtHandle = skb.ctHandle;
    pCtInfo = skb.ctInfo;
  }

  // ---- the hooks ------------------------------------------------------------------------------

  /** PREROUTING, then the routing decision, then INPUT or FORWARD. */
  private Disposition prerouting(boolean looped) {
    skb.hook = Hook.PREROUTING.number();
    if (defragOn && !looped && skb.view.isFragment()) {
      // nf_defrag_ipv4 (priority -400) holds fragments until the datagram is whole.
      if (!defrag.add(skb)) {
        return Disposition.FRAGMENT_HELD;
      }
    }
    final int daddrBefore = skb.daddr();
    int v = runHook(Hook.PREROUTING, looped);
    if (v != XtVerdict.ACCEPT) {
      return dropped(v);
    }
    final RouteResult rt = routeInput(looped);
    if (!looped && bridgeNf && skb.physIn != null && skb.in != null && isBridge(skb.in)) {
      // br_nf_pre_routing_finish: a frame that entered through a bridge port is bridged unless it is
      // addressed to the host (or was DNATed to something routed elsewhere).
      final boolean dnat = skb.daddr() != daddrBefore;
      final boolean bridged = dnat
          ? rt.ok() && !rt.isLocal() && rt.oif() != null && rt.oif().index() == skb.in.index()
          : !l2ForHost(rt);
      if (bridged) {
        info.route = rt;
        return bridgeForward();
      }
    }
    info.route = rt;
    if (!looped && !rt.ok()) {
      if (!(rt.reason() == RouteResult.Reason.MULTICAST_NOT_JOINED && skb.in != null
          && joinedGroups.get(groupKey(skb.in.index(), skb.daddr())) == 1)) {
        if (options.generateAnswers && rt.icmpType() >= 0
            && answers.ipErrorAllow(skb.saddr(), skb.tsNanos)) {
          answers.buildIcmpError(skb, rt.icmpType(), rt.icmpCode(), 0, skb.tsNanos); // ip_error
        }
        return Disposition.ROUTING_DROP;
      }
      return input(); // a group a local socket joined (ip_check_mc_rcu), learned from the capture
    }
    if (looped || rt.isLocal() || rt.type() == RouteType.BROADCAST || rt.type() == RouteType.LOCAL
        || rt.type() == RouteType.MULTICAST) {
      return input();
    }
    return forward(rt);
  }

  /**
   * The input route (ip_route_input_noref). Packets of one direction of a tracked connection (NEW,
   * ESTABLISHED, or its replies; not RELATED errors, whose outer addresses are their own) with mark 0
   * present the same addresses, so the decision is memoized per connection direction.
   */
  private RouteResult routeInput(boolean looped) {
    if (flowRouting) {
      return flowRoute(skb.in, 0);
    }
    final RouteHint hint = routeHint;
    if (hint != null && !looped && skb.mark == 0
        && hint.answers(host, skb.saddr(), skb.daddr(), skb.view.tos(), skb.in)) {
      routeHintsUsed++;
      return hint.result;
    }
    final int ci = skb.ctInfo;
    if (!looped && skb.ctHandle >= 0 && skb.mark == 0 && routeMemo
        && (ci == Ct.CTINFO_NEW || ci == Ct.CTINFO_ESTABLISHED || ci == Ct.CTINFO_ESTABLISHED_REPLY)) {
      final int ref = 2 * skb.ctHandle + (ci == Ct.CTINFO_ESTABLISHED_REPLY ? 1 : 0);
      return routes.routeOf(ref, skb.saddr(), skb.daddr(), skb.view.tos(), skb.in);
    }
    return routes.route(skb.saddr(), skb.daddr(), skb.view.tos(), skb.mark, skb.in);
  }

  /**
   * The route of a host whose policy rules select on protocol, ports or uid ({@link HostModel#routesByFlow}):
   * computed for each packet from its own L4 key, never shared through the route cache or memo. Ports are
   * those of TCP and UDP (0 for other protocols and for fragments after the first).
   */
  private RouteResult flowRoute(NetInterface in, int uid) {
    final PacketView v = skb.view;
    final int ports = flowPorts();
    return host.route(flowScratch[flowScratchNext ^= 1], skb.saddr(), skb.daddr(), v.tos(), skb.mark, in, null,
        v.protocol(), ports >>> 16, ports & 0xffff, uid);
  }

  /** The flow key's ports (source high, destination low): TCP and UDP's, 0 otherwise and for later fragments. */
  private int flowPorts() {
    final PacketView v = skb.view;
    final int proto = v.protocol();
    if (v.l4HeaderPresent() && v.fragmentOffset() == 0
        && (proto == PacketView.IPPROTO_TCP || proto == PacketView.IPPROTO_UDP)) {
      return v.srcPort() << 16 | v.dstPort();
    }
    return 0;
  }

  /** Two results, alternated: a reroute's result must not overwrite the one OUTPUT started with. */
  private final RouteResult[] flowScratch = {new RouteResult(), new RouteResult()};
  private int flowScratchNext;

  /**
   * Whether a frame that arrived on a bridge was addressed to the host at layer 2: its destination
   * MAC is the bridge's (or broadcast/multicast). Without the MAC (a capture that does not keep it),
   * the sender would have used the host's MAC exactly when the destination is not on the bridge's
   * own link: a local address, or a route through a gateway or another device.
   */
  private boolean l2ForHost(RouteResult rt) {
    if (skb.hasDstMac) {
      final long d = skb.dstMac;
      return d == skb.in.mac() || (d & 0x010000000000L) != 0;
    }
    if (!rt.ok() || rt.isLocal() || rt.type() != RouteType.UNICAST) {
      return true;
    }
    return rt.gateway() != 0 || rt.oif() == null || rt.oif().index() != skb.in.index();
  }

  /**
   * A bridged IPv4 frame under br_netfilter: FORWARD (br_nf_forward_ip, input and output device the
   * bridge) and POSTROUTING (br_nf_post_routing), without routing or a TTL decrement. The bridge never
   * sends a frame back out of the port it came in on (no hairpin mode): a frame DNATed back to its own
   * sender is dropped there.
   */
  private Disposition bridgeForward() {
    if (skb.daddr() == skb.saddr()) {
      return Disposition.BRIDGE_DROP;
    }
    final NetInterface bridge = skb.in;
    // The egress port from the bridge's forwarding database (learned from the captures' source
    // MACs); an unknown destination is flooded, which with a single other port is that port.
    skb.physOut = skb.hasDstMac ? bridgePortOf(skb.dstMac) : null;
    if (skb.physOut == null) {
      skb.physOut = onlyOtherPort(bridge, skb.physIn);
    }
    if (skb.physOut != null && skb.physIn != null && skb.physOut.index() == skb.physIn.index()) {
      return Disposition.BRIDGE_DROP; // never back out of the port it came in on (no hairpin mode)
    }
    skb.hook = Hook.FORWARD.number();
    skb.out = bridge;
    info.bridged = true;
    int v = runHook(Hook.FORWARD, false);
    if (v != XtVerdict.ACCEPT) {
      return dropped(v);
    }
    skb.hook = Hook.POSTROUTING.number();
    skb.in = null;
    v = runHook(Hook.POSTROUTING, false);
    if (v != XtVerdict.ACCEPT) {
      return dropped(v);
    }
    return Disposition.BRIDGED;
  }

  /** MAC → bridge port (ifindex), learned like the bridge's FDB from source addresses. */
  private final LongLongMap fdb = new LongLongMap(-1);

  /** A frame with {@code srcMac} entered the bridge through {@code port}. */
  public void learnBridgePort(long srcMac, NetInterface port) {
    if (port != null && port.master() != null) {
      fdb.put(srcMac, port.index());
    }
  }

  private NetInterface bridgePortOf(long mac) {
    final long idx = fdb.get(mac);
    return idx < 0 ? null : host.byIndex((int) idx);
  }

  private NetInterface onlyOtherPort(NetInterface bridge, NetInterface except) {
    NetInterface only = null;
    final NetInterface[] all = interfaces;
    for (int k = 0; k < all.length; k++) {
      final NetInterface i = all[k];
      if (bridge.name().equals(i.master()) && (except == null || i.index() != except.index())) {
        if (only != null) {
          return null;
        }
        only = i;
      }
    }
    return only;
  }

  /** The host's interfaces as an array: walked per bridged packet without an iterator. */
  private NetInterface[] interfaces;

  private boolean isBridge(NetInterface dev) {
    return bridges.contains(dev.name());
  }

  private Disposition input() {
    if (!defragOn && skb.view.isFragment()) {
      // ip_local_deliver reassembles before the INPUT hook even without conntrack.
      if (!defrag.add(skb)) {
        return Disposition.FRAGMENT_HELD;
      }
    }
    skb.hook = Hook.INPUT.number();
    skb.out = null;
    int v = runHook(Hook.INPUT, false);
    if (v != XtVerdict.ACCEPT) {
      return dropped(v);
    }
    return Disposition.DELIVERED;
  }

  private Disposition forward(RouteResult rt) {
    // ip_forward: the TTL is checked and decremented before the FORWARD hook.
    if (skb.view.ttl() <= 1) {
      if (options.generateAnswers) {
        answers.buildIcmpError(skb, 11, 0, 0, skb.tsNanos); // ICMP_TIME_EXCEEDED, ICMP_EXC_TTL
      }
      return Disposition.TTL_EXCEEDED;
    }
    // ip_exceeds_mtu: too big for the next link with DF set: ICMP frag needed (the kernel's own
    // answer, in the capture), and the packet is dropped before FORWARD.
    // A packet longer than the MTU of the link it came in on is a GRO/GSO aggregate (veth peers
    // hand over TSO super-packets), which the kernel segments after POSTROUTING instead
    // (skb_gso_validate_network_len): only real packets are refused.
    final int mtu = rt.oif() != null ? rt.oif().mtu() : 0;
    final int inMtu = skb.in != null ? skb.in.mtu() : 0;
    if (mtu > 0 && skb.len > mtu && skb.view.dontFragment() && (inMtu <= 0 || skb.len <= inMtu)) {
      if (options.generateAnswers) {
        answers.buildIcmpError(skb, 3, 4, mtu, skb.tsNanos); // ICMP_FRAG_NEEDED, the next hop's MTU
      }
      return Disposition.FRAG_NEEDED;
    }
    // An ICMP redirect (RTCF_DOREDIRECT) is sent here, before FORWARD and before source NAT: its
    // nat check sees the connection as it is now (nf_nat_icmp_reply_translation drops redirects of
    // connections whose NAT is not fully set up or is not null).
    info.statusAtForward = skb.ctHandle >= 0 ? conntrack.status(skb.ctHandle) : -1;
    if (options.generateAnswers && rt.doRedirect() && answers.redirectAllow(skb.saddr(), skb.tsNanos)) {
      // ip_rt_send_redirect: ICMP_REDIRECT/ICMP_REDIR_HOST naming the next hop (rt_nexthop)
      answers.buildIcmpError(skb, 5, 1, rt.gateway() != 0 ? rt.gateway() : skb.daddr(), skb.tsNanos);
    }
    skb.decrementTtl();
    skb.hook = Hook.FORWARD.number();
    skb.out = rt.oif();
    info.route = rt;
    int v = runHook(Hook.FORWARD, false);
    if (v != XtVerdict.ACCEPT) {
      return dropped(v);
    }
    v = postrouting(rt);
    if (v != XtVerdict.ACCEPT) {
      return dropped(v);
    }
    return Disposition.FORWARDED;
  }

  private int postrouting(RouteResult rt) {
    // Whatever the kernel answers about this packet (REJECT, ip_forward's errors and redirects) quotes
    // the header as it is before POSTROUTING: source NAT comes after every place that answers.
    noteHeader();
    headerBeforePostrouting = true;
    skb.hook = Hook.POSTROUTING.number();
    skb.in = null; // ip_output runs POSTROUTING with no input device
    return runHook(Hook.POSTROUTING, false);
  }

  private Disposition localOut(NetInterface outHint) {
    skb.hook = Hook.OUTPUT.number();
    skb.localOrigin = true;
    RouteResult rt;
    if (info.generated && !host.isHostAddress(skb.saddr())) {
      // nf_send_reset: the reset leaves from the address it answers for (an output route from a
      // foreign source fails)
      rt = routeMeHarderAnySrc();
    } else {
      rt = flowRouting ? flowRoute(null, skb.uid < 0 ? 0 : skb.uid)
          : routes.route(skb.saddr(), skb.daddr(), skb.view.tos(), skb.mark, null);
    }
    info.route = rt;
    rerouted = false;
    skb.out = outHint != null ? outHint : (rt.ok() ? rt.oif() : null);
    if (closeOnRoute >= 0) {
      // nf_send_reset: ip_route_me_harder found the reset a route, then nf_ct_set_closing
      if (rt.ok()) {
        conntrack.setClosing(closeOnRoute, skb.ctNanos);
      }
      closeOnRoute = -1;
    }
    attachCandidate();
    final boolean proxied = synproxy != null && synproxy.hostPacket(skb, info);
    if (sockets != null && !proxied && !info.generated && !info.attached
        && skb.socketKind != PacketContext.SOCKET_NONE) {
      sockets.learnSend(skb.view, skb.tsNanos); // sent from one of the host's sockets
    }
    int v = runHook(Hook.OUTPUT, false);
    if (v != XtVerdict.ACCEPT) {
      return dropped(v);
    }
    rt = info.route;
    if (rt.ok() && rerouted) {
      skb.out = rt.oif(); // re-routed in OUTPUT: POSTROUTING sees the new device
    }
    if (rt.ok() && (rt.type() == RouteType.BROADCAST || rt.type() == RouteType.MULTICAST)
        && skb.out != null) {
      expectLoopedCopy(skb.out); // ip_mc_output clones it before the original's POSTROUTING
    }
    v = postrouting(rt);
    if (v != XtVerdict.ACCEPT) {
      return dropped(v);
    }
    // Broadcast and multicast leave through the device; their looped copies (ip_mc_output) come
    // back through arriveLooped from the capture. Only unicast to a local address goes over lo.
    final boolean mcOrBc = rt.ok() && (rt.type() == RouteType.BROADCAST
        || rt.type() == RouteType.MULTICAST);
    final boolean toSelf = !mcOrBc && ((rt.ok() && (rt.isLocal() || rt.type() == RouteType.LOCAL))
        || (skb.out != null && skb.out.isLoopback()));
    if (toSelf) {
      // Loopback: the packet comes back in on lo with its conntrack entry attached (nf_conntrack_in
      // ignores packets that already carry one), PREROUTING then INPUT.
      skb.in = host.loopback();
      skb.out = null;
      skb.pktType = PacketView.PACKET_HOST;
      info.looped = true;
      Disposition d = prerouting(true);
      return d == Disposition.DELIVERED ? Disposition.DELIVERED : d;
    }
    return Disposition.SENT;
  }

  /**
   * ip_route_me_harder for a locally generated packet whose destination, mark or TOS changed in
   * OUTPUT: a new route. The rest of OUTPUT still sees the device the hook started with (the hook
   * state's {@code out} is fixed when NF_HOOK begins); POSTROUTING leaves through the new one.
   */
  private int reroute() {
    // ip_route_me_harder: a zeroed flowi4 (uid 0) with the packet's protocol and ports dissected; a
    // foreign source (REJECT's reset, sent from the address it answers for) routes with ANYSRC
    final RouteResult rt;
    if (!host.isHostAddress(skb.saddr())) {
      rt = routeMeHarderAnySrc();
    } else {
      rt = flowRouting ? flowRoute(null, 0)
          : routes.route(skb.saddr(), skb.daddr(), skb.view.tos(), skb.mark, null);
    }
    if (!rt.ok()) {
      return XtVerdict.DROP; // ip_route_me_harder failed: the hook drops the packet
    }
    info.route = rt;
    rerouted = true;
    return XtVerdict.ACCEPT;
  }

  /**
   * ip_route_me_harder for a packet sent from a foreign address (REJECT's reset): a zeroed flowi4 with
   * the packet's protocol and ports, FLOWI_FLAG_ANYSRC since the source is a LOCAL or UNICAST address.
   */
  private RouteResult routeMeHarderAnySrc() {
    final int ports = flowPorts();
    return host.routeMeHarder(flowScratch[flowScratchNext ^= 1], skb.saddr(), skb.daddr(),
        skb.view.tos(), skb.mark, skb.view.protocol(), ports >>> 16, ports & 0xffff);
  }

  private Disposition dropped(int v) {
    if (v == XtVerdict.QUEUE) {
      return Disposition.QUEUED;
    }
    if (info.rejected) {
      return Disposition.REJECTED;
    }
    if (info.conntrackDrop) {
      return Disposition.CONNTRACK_DROP;
    }
    return Disposition.DROPPED;
  }

  /**
   * Runs every step of a hook in priority order. Returns ACCEPT or the verdict that stopped the
   * packet. {@code looped}: the packet already carries its conntrack entry (loopback).
   */
  private int runHook(Hook hook, boolean looped) {
    final int h = hook.number();
    for (HookGraph.Step step : graph.steps(hook)) {
      int v = XtVerdict.ACCEPT;
      switch (step) {
        case RAW:
          v = runTable(raw, h);
          break;
        case CONNTRACK_IN:
          if (conntrackOn && !looped) {
            v = conntrackIn(h);
          }
          break;
        case MANGLE: {
          final int mark0 = skb.mark;
          final int s0 = skb.saddr();
          final int d0 = skb.daddr();
          final int tos0 = skb.view.tos();
          v = runTable(mangle, h);
          if (v == XtVerdict.ACCEPT && h == Hook.OUTPUT.number() && (skb.mark != mark0
              || skb.saddr() != s0 || skb.daddr() != d0 || skb.view.tos() != tos0)) {
            v = reroute(); // iptable_mangle's hook: ip_route_me_harder before the next table
          }
          break;
        }
        case NAT:
          if (conntrackOn && nat != null) {
            final int d0 = skb.daddr();
            v = natHook(h);
            if (v == XtVerdict.ACCEPT && h == Hook.OUTPUT.number() && skb.daddr() != d0) {
              v = reroute(); // nf_nat_ipv4_local_fn: re-route, keeping the source the first lookup chose
            }
          }
          break;
        case FILTER:
          v = runTable(filter, h);
          break;
        case SECURITY:
          v = runTable(security, h);
          break;
        case CONNTRACK_CONFIRM:
          if (synproxy != null && conntrackOn) {
            v = synproxy.hook(skb); // ipv4_synproxy_hook, at NF_IP_PRI_CONNTRACK_CONFIRM - 1
            if (v == XtVerdict.STOLEN) {
              v = XtVerdict.DROP;
            }
          }
          if (conntrackOn && v == XtVerdict.ACCEPT) {
            v = confirm();
          }
          break;
        default:
          throw new AssertionError(step);
      }
      if (v != XtVerdict.ACCEPT) {
        info.dropHook = hook;
        info.dropStep = step;
        return v;
      }
    }
    return XtVerdict.ACCEPT;
  }

  private int runTable(CompiledTable t, int hook) {
    if (t == null || unhooked[t.id][hook]) {
      return XtVerdict.ACCEPT;
    }
    int v = evaluator.run(t, hook, skb, counters[t.id], ext, ext);
    if (v == XtVerdict.STOLEN) {
      return XtVerdict.DROP;
    }
    return v;
  }

  // ---- conntrack ------------------------------------------------------------------------------

  /** nf_conntrack_in at PREROUTING (-200) or OUTPUT. */
  private int conntrackIn(int hook) {
    if (skb.ctHandle >= 0 || skb.ctInfo == Skb.CT_UNTRACKED) {
      return XtVerdict.ACCEPT; // already attached (REJECT/ICMP answer) or NOTRACK
    }
    if (skb.notrack) {
      skb.ctInfo = Skb.CT_UNTRACKED;
      return XtVerdict.ACCEPT;
    }
    fillCtPacket(hook);
    conntrack.lookupOrCreate(ctp, ctr);
    if (synproxy != null) {
      synproxy.afterConntrack();
    }
    if (ctr.unconfirmed && ctr.handle >= 0) {
      routes.forget(ctr.handle); // a new connection in a reused slot
    }
    if (ctr.drop) {
      info.conntrackDrop = true;
      return XtVerdict.DROP;
    }
    skb.ctHandle = ctr.handle;
    skb.ctInfo = ctr.ctinfo;
    info.ctInvalidReason = ctr.invalidReason;
    if (helpers != null && ctr.unconfirmed && ctr.handle >= 0
        && (conntrack.status(ctr.handle) & Ct.IPS_EXPECTED) != 0) {
      helpers.expected(ctr.handle, skb.ctNanos); // the expectation's expectfn (nf_nat_follow_master)
    }
    return XtVerdict.ACCEPT;
  }

  private void fillCtPacket(int hook) {
    final PacketView v = skb.view;
    final CtPacket p = ctp;
    p.clear();
    p.l3 = 4;
    p.src = v.srcAddr();
    p.dst = v.dstAddr();
    p.proto = v.protocol();
    p.ipLen = skb.len;
    p.timeNanos = skb.ctNanos;
    p.hook = hook == Hook.OUTPUT.number() ? Ct.HOOK_LOCAL_OUT : Ct.HOOK_PRE_ROUTING;
    p.zone = skb.templateSet ? templateZone() : 0;
    p.helper = skb.templateHelperId;
    p.synproxy = synproxyTemplate;
    p.isFragment = v.fragmentOffset() != 0;
    p.l4Truncated = !v.l4HeaderPresent();
    if (v.l4HeaderPresent()) {
      if (p.proto == PacketView.IPPROTO_TCP || p.proto == PacketView.IPPROTO_UDP) {
        p.sport = v.srcPort();
        p.dport = v.dstPort();
      }
      if (p.proto == PacketView.IPPROTO_TCP) {
        p.tcpFlags = v.tcpFlags();
        p.seq = v.tcpSeq();
        p.ack = v.tcpAck();
        p.window = v.tcpWindow();
        p.tcpHdrLen = v.tcpDataOffset();
        p.datalen = Math.max(0, skb.len - v.headerLength() - v.tcpDataOffset());
        p.wscale = v.hasTcpOption(PacketView.TCPOPT_WINDOW) ? v.tcpWindowScale() : -1;
        p.sackPerm = v.tcpSackPermitted();
        final long sack = skb.tcpSackHighest();
        p.hasSack = sack >= 0;
        p.sackHighest = sack < 0 ? 0 : sack;
      } else if (p.proto == PacketView.IPPROTO_ICMP) {
        p.icmpType = v.icmpType();
        p.icmpCode = v.icmpCode();
        p.icmpId = v.icmpId();
        if (v.isIcmpError()) {
          p.innerIncomplete = v.icmpInnerOffset() < 0 || v.icmpInnerL4Offset() < 0;
          if (v.icmpInnerOffset() >= 0) {
            p.innerSrc = v.icmpInnerSrcAddr();
            p.innerDst = v.icmpInnerDstAddr();
            p.innerProto = v.icmpInnerProtocol();
            if (p.innerProto == PacketView.IPPROTO_ICMP) {
              p.innerIcmpId = Math.max(0, v.icmpInnerIcmpId());
              p.innerIcmpType = skb.innerIcmpType();
              p.innerIcmpCode = skb.innerIcmpCode();
            } else if (p.innerProto == Ct.IPPROTO_GRE) {
              innerGreKeys(v, p);
            } else {
              p.innerSport = Math.max(0, v.icmpInnerSrcPort());
              p.innerDport = Math.max(0, v.icmpInnerDstPort());
            }
          }
        }
      }
      // Checksums are verified only where the kernel does (PREROUTING, nf_conntrack_checksum=1):
      // loopback packets carry CHECKSUM_UNNECESSARY.
      p.l4ChecksumOk = hook != Hook.PREROUTING.number() || !v.l4ChecksumVerifiable()
          || v.l4ChecksumOk() || partialChecksum(v);
    } else if (p.proto == PacketView.IPPROTO_SCTP && v.sctpHeaderPresent()) {
      // SCTP is walked by its tracker (nf_conntrack_proto_sctp.c) over the packet's own bytes
      p.l4Truncated = false;
      p.sport = v.sctpSrcPort();
      p.dport = v.sctpDstPort();
      p.sctpBuf = skb.buffer;
      p.sctpOff = v.l4Offset();
      p.sctpLen = v.l4Length();
      p.sctpEnd = Math.min(v.l4Offset() + v.l4Length(), skb.present);
      // sctp_error checks the CRC32c in PREROUTING of a packet that arrived without checksum offload
      // (CHECKSUM_NONE); one sent with offload (CRC32c left to the device) carries 0 there
      p.l4ChecksumOk = hook != Hook.PREROUTING.number() || p.sctpEnd < v.l4Offset() + v.l4Length()
          || sctpCrcOk(v.l4Offset(), v.l4Length());
    } else if (p.proto == Ct.IPPROTO_GRE && !p.isFragment) {
      greKeys(v, p);
    }
  }

  /**
   * gre_pkt_to_tuple: an enhanced (version 1, PPTP) GRE header carrying PPP gives the tuple its keys, the
   * call id as the destination key and, as source key, what the PPTP helper's keymap holds for the
   * packet's addresses and call id (0 when none). Any other GRE, or fewer than 8 bytes, is tracked with
   * keys 0 like the generic protocol; version 1 with another protocol cannot be tracked at all (the
   * packet is INVALID). Without this, both directions of a PPTP call would look like one connection.
   */
  private void greKeys(PacketView v, CtPacket p) {
    final int callId = greCallId(v.l4Offset(), v.l4Offset() + v.l4Length(), v.l4CapturedEnd());
    if (callId == GRE_NOT_PPP) {
      p.greUntrackable = true;
    } else if (callId >= 0) {
      p.dport = callId;
      p.sport = conntrack.greSourceKey(p.src, p.dst, callId);
    }
  }

  /** The same for the GRE header an ICMP error quotes (icmp_error_message's nf_ct_get_tuplepr). */
  private void innerGreKeys(PacketView v, CtPacket p) {
    final int off = v.icmpInnerL4Offset();
    final int callId = off < 0 ? -1 : greCallId(off, v.l4Offset() + v.l4Length(), v.l4CapturedEnd());
    if (callId == GRE_NOT_PPP) {
      p.innerGreUntrackable = true;
    } else if (callId >= 0) {
      p.innerDport = callId;
      p.innerSport = conntrack.greSourceKey(p.innerSrc, p.innerDst, callId);
    }
  }

  private static final int GRE_NOT_PPP = -2;

  /**
   * The call id of the GRE header at {@code off} (packet bytes up to {@code end}, captured up to
   * {@code capEnd}) when it is enhanced GRE carrying PPP; -1 when the keys are 0; GRE_NOT_PPP when
   * gre_pkt_to_tuple refuses it.
   */
  private int greCallId(int off, int end, int capEnd) {
    if (end - off < 8) {
      return -1; // skb_header_pointer(dataoff, 8) fails: keys 0
    }
    if (capEnd < off + 8) {
      skb.assume("GRE header cut by the capture (tracked with keys 0)");
      return -1;
    }
    final java.nio.ByteBuffer b = skb.buffer;
    if ((b.getShort(off) & 0x7) != 1) {
      return -1; // GRE_VERSION_1 only
    }
    if ((b.getShort(off + 2) & 0xffff) != 0x880b) { // GRE_PROTO_PPP
      return GRE_NOT_PPP;
    }
    return b.getShort(off + 6) & 0xffff;
  }

  /** The SCTP packet's CRC32c (RFC 9260 appendix B) is right, or 0 (left to offload). */
  private boolean sctpCrcOk(int off, int len) {
    final int stored = skb.buffer.getInt(off + 8);
    if (stored == 0) {
      return true;
    }
    // over the whole packet with the checksum field taken as zero
    final java.util.zip.CRC32C crc = sctpCrc;
    crc.reset();
    crc.update(skb.data, off, 8);
    crc.update(SCTP_ZERO_CRC, 0, 4);
    crc.update(skb.data, off + 12, len - 12);
    // the CRC is stored little-endian in the header (sctp_compute_cksum's cpu_to_le32)
    return Integer.reverseBytes(stored) == (int) crc.getValue();
  }

  private final java.util.zip.CRC32C sctpCrc = new java.util.zip.CRC32C();
  private static final byte[] SCTP_ZERO_CRC = new byte[4];

  /**
   * A checksum left for the NIC to finish (CHECKSUM_PARTIAL: the field holds the folded pseudo-header
   * sum). Captures taken inside the kernel (NFLOG, veth peers with tx offload) show such packets; the
   * kernel never verifies them (nf_ip_checksum skips CHECKSUM_PARTIAL), so neither do we.
   */
  boolean partialChecksum(PacketView v) {
    final int proto = v.protocol();
    if (proto != PacketView.IPPROTO_TCP && proto != PacketView.IPPROTO_UDP) {
      return false;
    }
    final int field = v.l4Offset() + (proto == PacketView.IPPROTO_TCP ? 16 : 6);
    if (field + 2 > skb.present) {
      return false;
    }
    final int stored = skb.buffer.getShort(field) & 0xffff;
    final int partial = io.nfeval.packet.Checksums.fold(
        io.nfeval.packet.Checksums.ipv4Pseudo(v.srcAddr(), v.dstAddr(), proto, v.l4Length()));
    return stored == partial;
  }

  /**
   * The kernel's own answers carry the entry of the packet they answer (nf_ct_attach from
   * nf_send_reset and icmp_send): the answer is RELATED to it even when that entry was never
   * confirmed. In a capture we see the answer as the next locally generated packet.
   */
  private void attachCandidate() {
    if (!triggerValid) {
      return;
    }
    final PacketView v = skb.view;
    boolean answer = false;
    if (v.protocol() == PacketView.IPPROTO_ICMP && v.isIcmpError() && v.icmpInnerOffset() >= 0) {
      answer = v.icmpInnerSrcAddr() == pSrc && v.icmpInnerDstAddr() == pDst
          && v.icmpInnerProtocol() == pProto
          && (pSport < 0 || v.icmpInnerL4Offset() < 0
              || (v.icmpInnerSrcPort() == pSport && v.icmpInnerDstPort() == pDport));
    } else if (pTcpReset && v.protocol() == PacketView.IPPROTO_TCP && v.l4HeaderPresent()
        && (v.tcpFlags() & PacketView.TCP_RST) != 0) {
      answer = v.srcAddr() == pDst && v.dstAddr() == pSrc && v.srcPort() == pDport
          && v.dstPort() == pSport;
    }
    triggerValid = false;
    if (!answer) {
      return;
    }
    if (pRejected && skb.socketKind != PacketContext.SOCKET_FULL) {
      skb.socketKind = PacketContext.SOCKET_NONE; // nf_send_reset / REJECT's icmp_send: no socket
    }
    if (pCtHandle < 0) {
      return;
    }
    // nf_conntrack_attach: an answer to an ORIGINAL packet is RELATED_REPLY, else RELATED.
    skb.ctHandle = pCtHandle;
    skb.ctInfo = Ct.dir(pCtInfo) == Ct.DIR_ORIGINAL ? Ct.CTINFO_RELATED_REPLY : Ct.CTINFO_RELATED;
    info.attached = true;
    if (v.protocol() == PacketView.IPPROTO_TCP) {
      conntrack.setClosing(pCtHandle, skb.ctNanos); // nf_send_reset's nf_ct_set_closing
    }
    if (v.icmpType() == 5) {
      info.redirectStatus = pStatusAtForward; // the redirect left before the trigger's FORWARD
    }
  }

  /** __nf_conntrack_confirm at the end of INPUT and POSTROUTING. */
  private int confirm() {
    if (helpers != null && skb.ctHandle >= 0 && conntrack.helper(skb.ctHandle) != Ct.HELPER_NONE) {
      // nf_confirm: the connection's helper sees the packet first, and may drop it
      if (helpers.help(skb, skb.ctHandle, skb.ctInfo) != XtVerdict.ACCEPT) {
        info.helperDrop = true;
        info.conntrackDrop = true;
        return XtVerdict.DROP;
      }
    }
    if (skb.ctHandle < 0 || Ct.dir(skb.ctInfo) != Ct.DIR_ORIGINAL) {
      return XtVerdict.ACCEPT;
    }
    if (!conntrack.confirm(skb.ctHandle, skb.ctNanos)) {
      info.conntrackDrop = true;
      skb.ctHandle = -1;
      return XtVerdict.DROP;
    }
    return XtVerdict.ACCEPT;
  }

  // ---- NAT --------------------------------------------------------------------------------------

  /** nf_nat_ipv4_fn / nf_nat_inet_fn for one hook. */
  private int natHook(int hook) {
    final int h = skb.ctHandle;
    if (h < 0) {
      return XtVerdict.ACCEPT; // INVALID or UNTRACKED: no NAT
    }
    final int ctinfo = skb.ctInfo;
    final int manip = NatCore.manipForHook(hook);
    if ((ctinfo == Ct.CTINFO_RELATED || ctinfo == Ct.CTINFO_RELATED_REPLY)
        && skb.protocol() == PacketView.IPPROTO_ICMP) {
      // Related ICMP errors never pass the nat chains: outer and quoted headers are translated
      // from the master connection (nf_nat_icmp_reply_translation).
      if (skb.view.icmpType() == 5 && info.redirectStatus >= 0
          && ((info.redirectStatus & Ct.IPS_NAT_DONE_MASK) != Ct.IPS_NAT_DONE_MASK
              || (info.redirectStatus & Ct.IPS_NAT_MASK) != 0)) {
        return XtVerdict.DROP; // "Redirects on non-null nats must be dropped" (as when it was sent)
      }
      int r = natCore.icmpReplyTranslation(h, ctinfo, hook, skb.view.icmpType(), rewrite);
      if (r == NatCore.ICMP_DROP) {
        return XtVerdict.DROP;
      }
      if (r == NatCore.ICMP_REWRITE) {
        skb.applyRewrite(rewrite);
      }
      return XtVerdict.ACCEPT;
    }
    if (natCore.needsNatChain(h, ctinfo, manip)) {
      natSetupDone = false;
      int v = runTable(nat, hook);
      if (v != XtVerdict.ACCEPT) {
        return v;
      }
      if (!natCore.isInitialized(h, manip)) {
        natCore.nullBinding(h, hook, skb.ctNanos);
      }
    }
    if (skb.out != null && natCore.oifChanged(h, ctinfo, hook, skb.out.index())) {
      // nf_nat_oif_changed: a masqueraded connection now leaves through another interface.
      conntrack.kill(h);
      return XtVerdict.DROP;
    }
    if (natCore.translate(h, ctinfo, hook, rewrite)) {
      skb.applyRewrite(rewrite);
      info.natRewritten = true;
    }
    return XtVerdict.ACCEPT;
  }

  boolean natSetupDone;

  /** SNAT/DNAT: nf_nat_setup_info with the rule's range. */
  int natSetup(NatRange range, int manip) {
    final int h = skb.ctHandle;
    if (h < 0) {
      return XtVerdict.ACCEPT;
    }
    if (!natCore.setupInfo(h, range, manip, skb.ctNanos)) {
      return XtVerdict.DROP;
    }
    return XtVerdict.ACCEPT;
  }

  /** MASQUERADE: the source of the outgoing interface toward the next hop (nf_nat_masquerade_ipv4). */
  int masquerade(NatRange range) {
    final int h = skb.ctHandle;
    if (h < 0 || skb.out == null) {
      return XtVerdict.ACCEPT;
    }
    RouteResult rt = info.route;
    final int nexthop = rt != null && rt.ok() && rt.gateway() != 0 ? rt.gateway() : skb.daddr();
    final int src = host.selectAddress(skb.out, nexthop, 0);
    if (src == 0) {
      return XtVerdict.DROP; // no address on the interface: the kernel drops
    }
    return natCore.masquerade(h, range, src, skb.out.index(), skb.ctNanos) ? XtVerdict.ACCEPT : XtVerdict.DROP;
  }

  /** REDIRECT: the primary address of the input device, 127.0.0.1 for local output. */
  int redirect(NatRange range) {
    final int h = skb.ctHandle;
    if (h < 0) {
      return XtVerdict.ACCEPT;
    }
    int dst;
    if (skb.hook == Hook.OUTPUT.number()) {
      dst = 0x7f000001;
    } else {
      dst = skb.in == null ? 0 : skb.in.primaryAddressFor(skb.daddr());
      if (dst == 0) {
        return XtVerdict.DROP;
      }
    }
    return natCore.redirect(h, range, skb.hook, dst, skb.ctNanos) ? XtVerdict.ACCEPT : XtVerdict.DROP;
  }

  int netmap(NatRange range) {
    final int h = skb.ctHandle;
    if (h < 0) {
      return XtVerdict.ACCEPT;
    }
    return natCore.netmap(h, range, skb.hook, skb.saddr(), skb.daddr(), skb.ctNanos)
        ? XtVerdict.ACCEPT : XtVerdict.DROP;
  }

  /** Targets that decide the disposition record it here. */
  void markRejected(boolean tcpReset) {
    info.rejected = true;
    info.rejectWithTcpReset = tcpReset;
  }

  /**
   * nf_ct_zone_tmpl: the CT template's zone; with "mark" its id is the packet's mark now, when conntrack
   * runs after raw PREROUTING / OUTPUT.
   */
  private int templateZone() {
    final int z = skb.templateZone;
    if ((z & CtTarget.ZONE_FROM_MARK) == 0) {
      return z;
    }
    return (z & (Ct.ZONE_DIR_ORIG | Ct.ZONE_DIR_REPL)) | (skb.mark & 0xffff);
  }

  /**
   * CT --notrack / NOTRACK in the raw table. Like a template, it is ignored once the packet carries one
   * (xt_ct_target / notrack_tg: "if (skb->_nfct != 0) return XT_CONTINUE").
   */
  void notrack() {
    if (!skb.templateSet) {
      skb.notrack = true;
    }
  }

  void ctTemplate(int zone, String helper) {
    if (!skb.templateSet && !skb.notrack) {
      skb.templateSet = true;
      skb.templateZone = zone;
      skb.templateHelper = helper;
      if (helper != null) {
        skb.templateHelperId = Ct.helperId(helper);
        if (skb.templateHelperId == Ct.HELPER_NONE) {
          skb.assume("CT --helper " + helper + " (only ftp, tftp, irc, sane, amanda, netbios-ns, snmp and pptp are modelled: no expectations)");
        } else if (helpers == null) {
          helpers = new ConntrackHelpers(this);
        }
      }
    }
  }

  Skb skb() {
    return skb;
  }

  private static int pktTypeOf(PacketView raw, NetInterface in) {
    if (raw.sllPacketType() >= 0) {
      return raw.sllPacketType();
    }
    if (raw.hasDstMac()) {
      final long dst = raw.dstMac();
      if (dst == 0xffffffffffffL) {
        return PacketView.PACKET_BROADCAST;
      }
      if ((dst & 0x010000000000L) != 0) {
        return PacketView.PACKET_MULTICAST;
      }
      if (in != null && in.mac() != 0 && in.mac() != dst) {
        return PacketView.PACKET_OTHERHOST;
      }
      return PacketView.PACKET_HOST;
    }
    final int d = raw.isIpv4() ? raw.dstAddr() : 0;
    if (d == -1) {
      return PacketView.PACKET_BROADCAST;
    }
    if ((d & 0xf0000000) == 0xe0000000) {
      return PacketView.PACKET_MULTICAST;
    }
    return PacketView.PACKET_HOST;
  }
}
