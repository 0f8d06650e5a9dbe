package io.nfeval.rules.ext;

import io.nfeval.packet.PacketView;

/**
 * What a match or target sees of a packet while netfilter evaluates it: the kernel's {@code struct
 * sk_buff} plus {@code struct xt_action_param} (hook, in/out devices, fragment offset) and the
 * connection-tracking and host state that extensions consult.
 *
 * <p>The engine implements this once per worker and reuses it for every packet: implementations and
 * callers allocate nothing. The rules package defines it so that extensions (in {@code rules.ext})
 * evaluate without depending on the engine.
 */
public interface PacketContext {
  // ---- the datagram -------------------------------------------------------------------------

  /** A view over the current IPv4 datagram, with every rewrite made so far (NAT, TTL, TOS...). */
  PacketView ip();

  /** skb->len: the IP datagram length, counted in byte counters. */
  int length();

  /** Fragment offset in bytes (xt_action_param.fragoff); 0 for a first or unfragmented packet. */
  int fragOffset();

  /** The hook being traversed: 0 PREROUTING, 1 INPUT, 2 FORWARD, 3 OUTPUT, 4 POSTROUTING. */
  int hook();

  /** The packet's timestamp in nanoseconds: all time in nfeval is packet time. */
  long nowNanos();

  /**
   * The kernel's jiffies at this packet ({@link Jiffies#at}): packet time on the host's tick grid, for
   * the matches that count in ticks (limit, hashlimit, recent, connlimit). Only differences matter.
   */
  long jiffies();

  /** The host's tick rate, whose CONFIG_HZ the jiffies-counting matches derive their constants from. */
  Jiffies ticks();

  /** Index of the packet in the run (for trace and statistic). */
  long packetIndex();

  // ---- devices ------------------------------------------------------------------------------

  /** Input device name, or null (OUTPUT/POSTROUTING of local packets). */
  String inIface();

  /** Output device name, or null before routing (PREROUTING, INPUT). */
  String outIface();

  int inIfindex();

  int outIfindex();

  /** Device group of the input/output device (devgroup match), 0 when none. */
  int inGroup();

  int outGroup();

  /** True when the packet carries a link-layer source address (mac match). */
  boolean hasSourceMac();

  /** Link-layer source address, 48 bits in the low bits. */
  long sourceMac();

  /** skb->pkt_type: 0 HOST, 1 BROADCAST, 2 MULTICAST, 3 OTHERHOST, 4 OUTGOING. */
  int pktType();

  /** Bridge ports (physdev match); null when the packet is not bridged. */
  String physIn();

  String physOut();

  // ---- skb metadata -------------------------------------------------------------------------

  int mark();

  void setMark(int mark);

  /** skb->priority (CLASSIFY). */
  int priority();

  void setPriority(int priority);

  // ---- connection tracking ------------------------------------------------------------------

  /** IP_CT_* value of this packet (0 ESTABLISHED, 1 RELATED, 2 NEW, 3 ESTABLISHED_REPLY,
   * 4 RELATED_REPLY), {@link #CT_INVALID} when conntrack found no entry, {@link #CT_UNTRACKED}. */
  int ctInfo();

  int CT_INVALID = -1;
  int CT_UNTRACKED = 7;

  /** IPS_* status bits of the connection (0 when none). */
  int ctStatus();

  /** Direction of this packet in its connection: 0 ORIGINAL, 1 REPLY. */
  int ctDirection();

  int ctProto();

  int ctOrigSrc();

  int ctOrigDst();

  int ctReplSrc();

  int ctReplDst();

  /** Ports (or ICMP id) of the tuples; 0 where the protocol has none. */
  int ctOrigSrcPort();

  int ctOrigDstPort();

  int ctReplSrcPort();

  int ctReplDstPort();

  /** Seconds until the connection expires, as conntrack's --ctexpire sees it. */
  long ctExpiresSeconds();

  int ctMark();

  void setCtMark(int mark);

  /**
   * The connection's label bit {@code bit} (nf_conn_labels, 0..127): -1 when the packet has no connection
   * or the connection no labels, else 0 or 1; with {@code set} a clear bit is set first (connlabel --set)
   * and 1 returned. A context without labels assumes the bit clear.
   */
  default int ctLabel(int bit, boolean set) {
    assume("connlabel");
    return set ? 1 : 0;
  }

  /** Name of the helper assigned to the connection, or null. */
  String ctHelper();

  /** Conntrack zone of the connection (0 default). */
  int ctZone();

  // ---- host ---------------------------------------------------------------------------------

  /**
   * RTN_* type of {@code addr} as the addrtype match computes it; with {@code limitDev} the
   * lookup is limited to that device (--limit-iface-in/out), null for no limit.
   */
  int addrType(int addr, String limitDev);

  /**
   * The reverse-path check of the rpfilter match: can {@code saddr} be reached back through the
   * input device? {@code loose} accepts any device; {@code validMark} uses the packet mark.
   */
  boolean reversePathOk(boolean loose, boolean validMark, boolean acceptLocal);

  // ---- what a capture cannot tell ---------------------------------------------------------

  /** {@link #socketKind()}: the capture does not tell whether the packet has a socket. */
  int SOCKET_UNKNOWN = 0;
  /** No socket at all (arriving and forwarded packets, REJECT's answers): skb_to_full_sk is NULL. */
  int SOCKET_NONE = 1;
  /**
   * A kernel control socket without a file (the stack's RSTs, TIME_WAIT ACKs, echo replies, ICMP
   * errors): xt_owner sees a socket but no uid/gid.
   */
  int SOCKET_KERNEL = 2;
  /** A full socket of a process: {@link #socketUid()} and {@link #socketGid()} are known. */
  int SOCKET_FULL = 3;

  /** {@link #socketLookup} results: the capture cannot tell. */
  int SOCK_UNKNOWN = -1;
  /** No socket. */
  int SOCK_NONE = 0;
  /** A connection's socket, not transparent. */
  int SOCK_FOUND = 1;
  /** A connection's socket with IP_TRANSPARENT. */
  int SOCK_TRANSPARENT = 2;
  /** Only a listener, taken as bound to 0.0.0.0 (flagged). */
  int SOCK_LISTENER = 3;

  /**
   * xt_socket's lookup for the arriving segment (nf_sk_lookup_slow_v4): its connection's socket, else a
   * listener; {@link #SOCK_UNKNOWN} when the captures do not show the host's sockets.
   */
  default int socketLookup() {
    return SOCK_UNKNOWN;
  }

  /** TPROXY's first lookup: an established socket for the segment's own addresses and ports. */
  default int tproxyEstablished() {
    return SOCK_UNKNOWN;
  }

  /**
   * TPROXY's second lookup, the listener on --on-ip/--on-port: {@link #SOCK_TRANSPARENT} when a
   * transparent one takes the segment, {@link #SOCK_NONE} when none does.
   */
  default int tproxyListener() {
    return SOCK_UNKNOWN;
  }

  /** TPROXY gave the segment's connection to a transparent socket (nf_tproxy_assign_sock). */
  default void tproxyAssigned() {
  }

  /** What is known of the packet's socket, for xt_owner. */
  int socketKind();

  /** Socket owner uid of a locally generated packet, or -1 when the capture does not say. */
  int socketUid();

  int socketGid();

  /**
   * Records that a match had to assume its answer (owner, socket, policy, ...); the engine flags
   * the packet in the trace and counts the assumption for reports.
   */
  void assume(String what);

  /**
   * The run's seed for what the kernel draws at random (statistic --mode random): the same seed gives
   * the same replay; no seed reproduces the kernel's own draws.
   */
  long randomSeed();

  /** The user's choice for matches the capture cannot decide: true = assume they match. */
  boolean assumeUnknowableMatches();

  /**
   * Called by a match that finds the packet too broken to judge (the kernel's {@code par->hotdrop}):
   * the table stops and the packet is dropped.
   */
  void hotdrop();

  /** Per-(rule, match) mutable state created by the extension (limit buckets, nth counters...). */
  Object matchState();

  // ---- actions of targets ---------------------------------------------------------------------

  /** Records a LOG/NFLOG/ULOG/TRACE/AUDIT event in the trace. */
  void log(String target, String prefix);

  // ---- added for extension evaluation (h-eval) ----------------------------------------------

  /**
   * State shared by every rule that names the same object, as the kernel keeps it per network
   * namespace: xt_recent tables ({@code --name}), xt_hashlimit tables ({@code --hashlimit-name}),
   * nfacct objects. Created on first use with {@code create}; the engine owns it, so two engines
   * (two replays) never share it and nothing is static.
   */
  Object sharedState(String key, java.util.function.Supplier<Object> create);

  /** {@link #ctLookup} answers: no live entry has that tuple (in either direction). */
  int CT_GONE = -1;
  /** {@link #ctLookup} answers: the entry lives but is closed (TCP TIME_WAIT or CLOSE). */
  int CT_CLOSED = 0;
  /** {@link #ctLookup} answers: the entry lives. */
  int CT_OPEN = 1;

  /**
   * Looks a connection up by its original tuple as nf_conncount's {@code find_or_evict} and
   * {@code already_closed} do: {@link #CT_GONE}, {@link #CT_CLOSED} or {@link #CT_OPEN}. {@code ports}
   * is packed {@code sport << 16 | dport} as {@link #ctOrigSrcPort()}/{@link #ctOrigDstPort()} give them.
   */
  int ctLookup(int origSrc, int origDst, int proto, int ports, int zone);

  /** Packets counted on the connection in direction {@code dir} (0 ORIGINAL, 1 REPLY); 0 without ct. */
  long ctPackets(int dir);

  /** Bytes counted on the connection in direction {@code dir}; 0 without ct. */
  long ctBytes(int dir);

  /** {@link #ipsetTest} answers: no set of that name (the kernel would have refused the rule). */
  int IPSET_NO_SET = -1;
  int IPSET_NO = 0;
  int IPSET_YES = 1;
  /** The packet hit an entry flagged {@code nomatch}. */
  int IPSET_NOMATCH = 2;

  /**
   * ip_set_test: is the packet's element in {@code set}? Dimension {@code i < dims} takes the source
   * (bit i of {@code srcFlags} set) or destination address/port. {@code updateCounters}: count the
   * packet on the matching entry (the set's {@code counters}).
   */
  int ipsetTest(String set, int srcFlags, int dims, boolean updateCounters);

  /**
   * ip_set_test with the set match's counter conditions: in a set with {@code counters} the element is
   * counted (unless {@code updateCounters} is false), then must meet {@code packetsOp packets} and
   * {@code bytesOp bytes} (IPSET_COUNTER_* operators: 0 none, 1 eq, 2 ne, 3 lt, 4 gt), as
   * ip_set_match_extensions does. A context without set counters assumes the conditions.
   */
  default int ipsetTest(String set, int srcFlags, int dims, boolean updateCounters, boolean updateSubcounters,
      int packetsOp, long packets, int bytesOp, long bytes) {
    if (packetsOp != 0 || bytesOp != 0) {
      assume("set-counters");
    }
    return ipsetTest(set, srcFlags, dims, updateCounters);
  }

  /** ip_set_add from the SET target; {@code timeout} in seconds, -1 for the set's default. */
  void ipsetAdd(String set, int srcFlags, int dims, long timeout, boolean exist);

  /** ip_set_del from the SET target. */
  void ipsetDel(String set, int srcFlags, int dims);

  /** Rewrites the IPv4 TTL, keeping the header checksum valid (TTL target). */
  void setTtl(int ttl);

  /** Rewrites the IPv4 TOS byte, keeping the header checksum valid (TOS and DSCP targets). */
  void setTos(int tos);

  /**
   * Sets the MSS option of a TCP SYN as xt_TCPMSS's {@code tcpmss_mangle_packet} does (never raising
   * it; adding the option when absent and the segment has no data). Returns the number of bytes the
   * datagram grew (0 or 4), or -1 when the packet is too broken (the target then drops it).
   */
  int setTcpMss(int mss);

  /**
   * {@code min(dst_mtu(skb_dst(skb)), reverse route MTU)} for {@code TCPMSS --clamp-mss-to-pmtu}; 0
   * when unknown.
   */
  int pathMtu();

  /**
   * True when the ruleset runs on iptables-nft (nf_tables): iptables-nft 1.8 compiles some matches to
   * native nf_tables expressions whose semantics differ from the xt modules: tcp/udp ports and
   * flags (payload loads that also read non-first fragments and never hot-drop) and limit (nft_limit:
   * nanosecond token bucket). False for iptables-legacy (x_tables everywhere).
   */
  boolean nfTablesBackend();

  /**
   * Rewrites the TCP ECE/CWR flags as ipt_ECN's {@code set_ect_tcp}: the bits of {@code mask} (0x40 ECE,
   * 0x80 CWR, of the flags byte) take their values from {@code flags}, and the TCP checksum is patched
   * incrementally ({@code inet_proto_csum_replace2} over the doff/flags word). Reads the header at
   * ihl*4 like the kernel. Returns false when the 20-byte TCP header is not there (the target drops).
   */
  boolean setTcpEceCwr(int mask, int flags);
}
