package io.nfeval.engine;

import io.nfeval.conntrack.Ct;
import io.nfeval.conntrack.ConntrackTable;
import io.nfeval.host.NetInterface;
import io.nfeval.packet.LinkType;
import io.nfeval.packet.PacketView;
import io.nfeval.rules.ext.Jiffies;
import io.nfeval.rules.ext.PacketContext;
import java.nio.ByteBuffer;

/**
 * The packet as netfilter sees it while it crosses the hooks: nfeval's {@code struct sk_buff}. One per
 * worker, reused for every packet: the IPv4 datagram is copied into a private buffer (so NAT and
 * mangling rewrite it in place) and read back through a {@link PacketView} flyweight.
 *
 * <p>Implements {@link PacketContext}, the face that matches and targets see.
 */
public final class Skb implements PacketContext {
  /** Largest IPv4 datagram. */
  static final int MAX_DATAGRAM = 65535;

  final byte[] data = new byte[MAX_DATAGRAM + 64];
  final ByteBuffer buffer = ByteBuffer.wrap(data);
  final PacketView view = new PacketView();

  /** skb->len: the datagram length (IP total length), whatever the capture kept. */
  int len;
  /** How many bytes of the datagram are really present (captured). */
  int present;

  int hook;
  NetInterface in;
  NetInterface out;
  /** Bridge ports (br_netfilter's physindev/physoutdev), null when not bridged or unknown. */
  NetInterface physIn;
  NetInterface physOut;
  long dstMac;
  boolean hasDstMac;
  int mark;
  int priority;
  long tsNanos;
  /**
   * Conntrack's "now" (nfct_time_stamp, jiffies): the start of the tick {@link #tsNanos} falls in, in
   * packet-time nanoseconds. Every time conntrack, NAT and the helpers keep is on this grid.
   */
  long ctNanos;
  long index;
  long sourceMac;
  boolean hasSourceMac;
  int pktType;
  int uid = -1;
  int gid = -1;
  int socketKind = SOCKET_NONE;
  /** The packet entered at OUTPUT: the host sent it (helpers such as netbios-ns look only at those). */
  boolean localOrigin;

  // conntrack state of this packet
  ConntrackTable ct;
  int ctHandle = -1;
  int ctInfo = CT_INVALID;
  /** Set by raw-table CT --notrack / NOTRACK. */
  boolean notrack;
  /** CT target template: zone and helper for the connection this packet creates. */
  int templateZone;
  String templateHelper;
  /** The template helper's Ct.HELPER_* id (0: none, or one nfeval does not model). */
  int templateHelperId;
  boolean templateSet;

  // evaluation state
  boolean hotdropped;
  /** A match or target of a module nfeval does not know was evaluated for this packet. */
  boolean unknownSeen;
  CompiledTable currentTable;
  int currentEntry;
  Object[] matchStates;
  int currentSlot;
  final HostView host;
  int assumptions;
  String[] assumptionNames = new String[8];
  int assumptionCount;

  /** Trace of matched entries of this packet: (table id, entry) pairs. */
  int[] traceTable = new int[64];
  int[] traceEntry = new int[64];
  int traceLen;
  boolean tracing;

  /** LOG/NFLOG events of this packet (target, prefix). */
  final String[] logTarget = new String[16];
  final String[] logPrefix = new String[16];
  int logCount;

  final boolean assumeUnknowable;
  /** The engine's tables by id (for the trace). */
  java.util.List<CompiledTable> engineTables;

  Skb(HostView host, boolean assumeUnknowable) {
    this.host = host;
    this.assumeUnknowable = assumeUnknowable;
  }

  /** Copies an IPv4 datagram from a decoded capture view into this skb and resets its state. */
  void load(PacketView raw) {
    final int l3 = raw.l3Offset();
    final int ipLen = raw.ipLength();
    final int avail = raw.offset() + raw.capLen() - l3;
    present = Math.max(0, Math.min(avail, Math.min(ipLen, MAX_DATAGRAM)));
    raw.buffer().get(l3, data, 0, present);
    len = ipLen;
    if (present != ipLen || !view.decodeCopyOf(raw, buffer, ipLen)) {
      redecode(); // cut by the capture, or not decoded whole: read the copy
    }
    if (ipLen <= MAX_DATAGRAM && raw.l4ChecksumKnown() >= 0
        && view.l4ChecksumVerifiable() == raw.l4ChecksumVerifiable()) {
      view.seedL4Checksum(raw.l4ChecksumKnown()); // same bytes: a decode stage summed them already
    }
    hasSourceMac = raw.hasMac();
    hasDstMac = raw.hasDstMac();
    dstMac = hasDstMac ? raw.dstMac() : 0;
    sourceMac = hasSourceMac ? raw.srcMac() : 0;
    resetState();
  }

  /** Reads the (possibly rewritten) datagram again. */
  void redecode() {
    view.wrap(buffer, 0, present, len, LinkType.IPV4);
    view.decode();
  }

  void resetState() {
    physIn = null;
    physOut = null;
    unknownSeen = false;
    mark = 0;
    priority = 0;
    ctHandle = -1;
    ctInfo = CT_INVALID;
    notrack = false;
    templateSet = false;
    templateZone = 0;
    templateHelper = null;
    templateHelperId = 0;
    assumptions = 0;
    assumptionCount = 0;
    traceLen = 0;
    logCount = 0;
    uid = -1;
    gid = -1;
    socketKind = SOCKET_NONE;
    pktType = PacketView.PACKET_HOST;
    localOrigin = false;
  }

  int saddr() {
    return view.srcAddr();
  }

  int daddr() {
    return view.dstAddr();
  }

  int protocol() {
    return view.protocol();
  }

  /** ip_decrease_ttl, with the header checksum kept valid. */
  void decrementTtl() {
    io.nfeval.packet.PacketWriter.setTtl(view, view.ttl() - 1);
  }

  /** Applies a NAT rewrite (outer header, and the quoted header of an ICMP error). */
  void applyRewrite(io.nfeval.nat.NatRewrite rw) {
    NatApply.apply(this, rw);
    if (rw.inner) {
      redecode();
    }
    // Otherwise the decoded layout stands: only addresses and ports changed, in place; the view
    // re-read its address cache as they were written, and reads ports from the bytes.
  }

  /** Right edge of the highest SACK block ("after"-wise), or -1 when there is no SACK option. */
  long tcpSackHighest() {
    final int off = view.tcpOptionOffset(PacketView.TCPOPT_SACK);
    if (off < 0 || off + 2 > present) {
      return -1;
    }
    final int optLen = data[off + 1] & 0xff;
    long best = -1;
    for (int b = off + 2; b + 8 <= off + optLen && b + 8 <= present; b += 8) {
      final long right = buffer.getInt(b + 4) & 0xffffffffL;
      if (best < 0 || (int) (right - best) > 0) {
        best = right;
      }
    }
    return best;
  }

  /** Type of the ICMP message quoted in an ICMP error, -1 when absent. */
  int innerIcmpType() {
    final int off = view.icmpInnerL4Offset();
    return off < 0 || off >= present ? -1 : data[off] & 0xff;
  }

  int innerIcmpCode() {
    final int off = view.icmpInnerL4Offset();
    return off < 0 || off + 1 >= present ? -1 : data[off + 1] & 0xff;
  }

  // ---- read-only views for reports (io.nfeval.report) -------------------------------------------

  /** Number of (table, entry) pairs in this packet's trace (tracing must be on: Options.trace). */
  public int traceLength() {
    return traceLen;
  }

  /** Table id ({@link CompiledTable#id()}) of trace step {@code i}. */
  public int traceTableAt(int i) {
    return traceTable[i];
  }

  /** Entry index of trace step {@code i} in its table. */
  public int traceEntryAt(int i) {
    return traceEntry[i];
  }

  /** Number of assumptions made for this packet (see {@link #assume}). */
  public int assumptionCount() {
    return assumptionCount;
  }

  /** Name of assumption {@code i}. */
  public String assumptionName(int i) {
    return assumptionNames[i];
  }

  void traceEntry(CompiledTable t, int e) {
    if (!tracing) {
      return;
    }
    if (traceLen == traceEntry.length) {
      traceTable = java.util.Arrays.copyOf(traceTable, traceLen * 2);
      traceEntry = java.util.Arrays.copyOf(traceEntry, traceLen * 2);
    }
    traceTable[traceLen] = t.id;
    traceEntry[traceLen] = e;
    traceLen++;
  }

  // ---- PacketContext ----------------------------------------------------------------------------

  @Override
  public PacketView ip() {
    return view;
  }

  @Override
  public int length() {
    return len;
  }

  @Override
  public int fragOffset() {
    return view.fragmentOffset();
  }

  @Override
  public int hook() {
    return hook;
  }

  @Override
  public long nowNanos() {
    return tsNanos;
  }

  @Override
  public long jiffies() {
    return host.ticks.at(tsNanos, host.tickPhase);
  }

  @Override
  public Jiffies ticks() {
    return host.ticks;
  }

  @Override
  public long packetIndex() {
    return index;
  }

  @Override
  public String inIface() {
    return in == null ? null : in.name();
  }

  @Override
  public String outIface() {
    return out == null ? null : out.name();
  }

  @Override
  public int inIfindex() {
    return in == null ? 0 : in.index();
  }

  @Override
  public int outIfindex() {
    return out == null ? 0 : out.index();
  }

  @Override
  public int inGroup() {
    return in == null ? 0 : in.group();
  }

  @Override
  public int outGroup() {
    return out == null ? 0 : out.group();
  }

  @Override
  public boolean hasSourceMac() {
    return hasSourceMac;
  }

  @Override
  public long sourceMac() {
    return sourceMac;
  }

  @Override
  public int pktType() {
    return pktType;
  }

  @Override
  public String physIn() {
    return physIn == null ? null : physIn.name();
  }

  @Override
  public String physOut() {
    return physOut == null ? null : physOut.name();
  }

  @Override
  public int mark() {
    return mark;
  }

  @Override
  public void setMark(int mark) {
    this.mark = mark;
  }

  @Override
  public int priority() {
    return priority;
  }

  @Override
  public void setPriority(int priority) {
    this.priority = priority;
  }

  @Override
  public int ctInfo() {
    return ctInfo;
  }

  private boolean hasCt() {
    return ctHandle >= 0;
  }

  @Override
  public int ctStatus() {
    return hasCt() ? ct.status(ctHandle) : 0;
  }

  @Override
  public int ctDirection() {
    return hasCt() ? Ct.dir(ctInfo) : 0;
  }

  @Override
  public int ctProto() {
    return hasCt() ? ct.proto(ctHandle) : 0;
  }

  @Override
  public int ctOrigSrc() {
    return hasCt() ? ct.tupleSrc(ctHandle, Ct.DIR_ORIGINAL) : 0;
  }

  @Override
  public int ctOrigDst() {
    return hasCt() ? ct.tupleDst(ctHandle, Ct.DIR_ORIGINAL) : 0;
  }

  @Override
  public int ctReplSrc() {
    return hasCt() ? ct.tupleSrc(ctHandle, Ct.DIR_REPLY) : 0;
  }

  @Override
  public int ctReplDst() {
    return hasCt() ? ct.tupleDst(ctHandle, Ct.DIR_REPLY) : 0;
  }

  @Override
  public int ctOrigSrcPort() {
    return hasCt() ? ct.tupleSport(ctHandle, Ct.DIR_ORIGINAL) : 0;
  }

  @Override
  public int ctOrigDstPort() {
    return hasCt() ? ct.tupleDport(ctHandle, Ct.DIR_ORIGINAL) : 0;
  }

  @Override
  public int ctReplSrcPort() {
    return hasCt() ? ct.tupleSport(ctHandle, Ct.DIR_REPLY) : 0;
  }

  @Override
  public int ctReplDstPort() {
    return hasCt() ? ct.tupleDport(ctHandle, Ct.DIR_REPLY) : 0;
  }

  @Override
  public long ctExpiresSeconds() {
    if (!hasCt()) {
      return 0;
    }
    if (!ct.isConfirmed(ctHandle)) {
      return 0; // an unconfirmed entry's timeout is still relative: nf_ct_expires() gives 0
    }
    // nf_ct_expires() / HZ: max((s32)(ct->timeout - nfct_time_stamp), 0) / HZ, in whole ticks. The
    // timeout was set as jiffies + seconds * HZ, which is the tick of the expiry time here.
    final long left = host.ticks.at(ct.expiresAt(ctHandle), host.tickPhase) - jiffies();
    return left <= 0 ? 0 : left / host.ticks.hz;
  }

  @Override
  public int ctMark() {
    return hasCt() ? ct.mark(ctHandle) : 0;
  }

  @Override
  public void setCtMark(int m) {
    if (hasCt()) {
      ct.setMark(ctHandle, m);
    }
  }

  @Override
  public int ctLabel(int bit, boolean set) {
    return hasCt() ? ct.label(ctHandle, bit, set) : -1;
  }

  @Override
  public String ctHelper() {
    return hasCt() ? Ct.helperName(ct.masterHelper(ctHandle)) : null;
  }

  @Override
  public int ctZone() {
    return hasCt() ? ct.zone(ctHandle) : 0;
  }

  @Override
  public int addrType(int addr, String limitDev) {
    return host.addrType(addr, limitDev);
  }

  @Override
  public boolean reversePathOk(boolean loose, boolean validMark, boolean acceptLocal) {
    return host.rpfilterOk(this, loose, validMark, acceptLocal);
  }

  @Override
  public int socketKind() {
    return socketKind;
  }

  /** The host's sockets as its captured packets show them; null when the captures hold none of them. */
  HostSockets sockets;

  @Override
  public int socketLookup() {
    if (sockets == null || view.protocol() != PacketView.IPPROTO_TCP || !view.l4HeaderPresent()
        || view.fragmentOffset() != 0) {
      return SOCK_UNKNOWN;
    }
    int daddr = daddr();
    int dport = view.dstPort();
    // nf_sk_lookup_slow_v4: a reply of a source-NATed connection is looked up by its original source
    if (ctHandle >= 0 && ctInfo == Ct.CTINFO_ESTABLISHED_REPLY
        && (ct.status(ctHandle) & Ct.IPS_SRC_NAT_DONE) != 0) {
      daddr = ct.tupleSrc(ctHandle, Ct.DIR_ORIGINAL);
      dport = ct.tupleSport(ctHandle, Ct.DIR_ORIGINAL);
    }
    return sockets.lookup(saddr(), view.srcPort(), daddr, dport, tsNanos);
  }

  @Override
  public int tproxyEstablished() {
    if (sockets == null || view.protocol() != PacketView.IPPROTO_TCP || !view.l4HeaderPresent()) {
      return SOCK_UNKNOWN;
    }
    if ((view.tcpFlags() & (PacketView.TCP_SYN | PacketView.TCP_ACK)) == PacketView.TCP_SYN) {
      return SOCK_NONE; // a new connection (or one reopening a TIME_WAIT socket): the listener decides
    }
    final int s = sockets.lookup(saddr(), view.srcPort(), daddr(), view.dstPort(), tsNanos);
    return s == HostSockets.LISTENER ? SOCK_NONE : s;
  }

  @Override
  public int tproxyListener() {
    if (sockets == null || view.protocol() != PacketView.IPPROTO_TCP || !view.l4HeaderPresent()) {
      return SOCK_UNKNOWN;
    }
    final boolean syn = (view.tcpFlags() & (PacketView.TCP_SYN | PacketView.TCP_ACK)) == PacketView.TCP_SYN;
    final int s = sockets.tproxyListener(saddr(), view.srcPort(), daddr(), view.dstPort(), syn);
    return s < 0 ? SOCK_UNKNOWN : s;
  }

  @Override
  public void tproxyAssigned() {
    if (sockets != null) {
      sockets.tproxied(view, tsNanos);
    }
  }

  @Override
  public int socketUid() {
    return uid;
  }

  @Override
  public int socketGid() {
    return gid;
  }

  @Override
  public void assume(String what) {
    for (int i = 0; i < assumptionCount; i++) {
      if (assumptionNames[i].equals(what)) {
        return;
      }
    }
    if (assumptionCount == assumptionNames.length) {
      assumptionNames = java.util.Arrays.copyOf(assumptionNames, assumptionCount * 2);
    }
    assumptionNames[assumptionCount++] = what;
  }

  /** The run's random seed (Engine.Options.natSeed, set by --seed). */
  long randomSeed;

  @Override
  public long randomSeed() {
    return randomSeed;
  }

  @Override
  public boolean assumeUnknowableMatches() {
    return assumeUnknowable;
  }

  @Override
  public void hotdrop() {
    hotdropped = true;
  }

  @Override
  public Object matchState() {
    return matchStates[currentSlot];
  }

  @Override
  public void log(String target, String prefix) {
    if (logCount < logTarget.length) {
      logTarget[logCount] = target;
      logPrefix[logCount] = prefix;
      logCount++;
    }
  }

  // ---- added for extension evaluation (h-eval) --------------------------------------------------

  /** The ipsets of the run; the integrator wires the ipset package in. */
  IpSetAccess ipsets = IpSetAccess.NONE;
  /**
   * Named state shared across rules (recent/hashlimit tables, nfacct objects): one map per engine,
   * never static. Workers of one engine must share it ({@link #sharedStateMap}).
   */
  java.util.Map<String, Object> shared = new java.util.HashMap<>();

  /** Makes this skb use {@code map} for shared extension state (one map per engine). */
  public void sharedStateMap(java.util.Map<String, Object> map) {
    this.shared = map;
  }

  /** Sets the ipsets the set match and SET target consult. */
  public void ipsets(IpSetAccess sets) {
    this.ipsets = sets == null ? IpSetAccess.NONE : sets;
  }

  @Override
  public Object sharedState(String key, java.util.function.Supplier<Object> create) {
    Object o = shared.get(key);
    if (o == null) {
      o = create.get();
      shared.put(key, o);
    }
    return o;
  }

  @Override
  public int ctLookup(int origSrc, int origDst, int proto, int ports, int zone) {
    if (ct == null) {
      return CT_GONE;
    }
    // nf_conntrack_find_get: the tuple of either direction of a live entry
    final int t = ct.find(origSrc, origDst, ports, proto, zone, ctNanos);
    if (t < 0) {
      return CT_GONE;
    }
    final int h = t >> 1;
    if (proto == PacketView.IPPROTO_TCP) {
      final int st = ct.tcpState(h);
      if (st == io.nfeval.conntrack.TcpConntrack.TIME_WAIT || st == io.nfeval.conntrack.TcpConntrack.CLOSE) {
        return CT_CLOSED;
      }
    }
    return CT_OPEN;
  }

  @Override
  public long ctPackets(int dir) {
    return hasCt() ? ct.packets(ctHandle, dir) : 0;
  }

  @Override
  public long ctBytes(int dir) {
    return hasCt() ? ct.bytes(ctHandle, dir) : 0;
  }

  @Override
  public int ipsetTest(String set, int srcFlags, int dims, boolean updateCounters) {
    return ipsets.test(set, this, srcFlags, dims, updateCounters);
  }

  @Override
  public int ipsetTest(String set, int srcFlags, int dims, boolean updateCounters, boolean updateSubcounters,
      int packetsOp, long packets, int bytesOp, long bytes) {
    return ipsets.test(set, this, srcFlags, dims, updateCounters, updateSubcounters, packetsOp, packets, bytesOp,
        bytes);
  }

  @Override
  public void ipsetAdd(String set, int srcFlags, int dims, long timeout, boolean exist) {
    ipsets.add(set, this, srcFlags, dims, timeout, exist);
  }

  @Override
  public void ipsetDel(String set, int srcFlags, int dims) {
    ipsets.del(set, this, srcFlags, dims);
  }

  @Override
  public void setTtl(int ttl) {
    if (present >= 20) {
      io.nfeval.packet.PacketWriter.setTtl(view, ttl & 0xff);
      redecode();
    }
  }

  @Override
  public void setTos(int tos) {
    if (present >= 20) {
      io.nfeval.packet.PacketWriter.setTos(view, tos & 0xff);
      redecode();
    }
  }

  @Override
  public boolean setTcpEceCwr(int mask, int flags) {
    final int thoff = view.l3Offset() + view.headerLength();
    if (present < 20 || thoff + 20 > present || len - view.headerLength() < 20) {
      return false;
    }
    final int old = ((data[thoff + 12] & 0xff) << 8) | (data[thoff + 13] & 0xff);
    final int now = (old & ~mask) | (flags & mask);
    if (now == old) {
      return true;
    }
    data[thoff + 13] = (byte) now;
    final int ck = thoff + 16;
    final int oldCk = ((data[ck] & 0xff) << 8) | (data[ck + 1] & 0xff);
    final int newCk = io.nfeval.packet.Checksums.replace16(oldCk, old, now);
    data[ck] = (byte) (newCk >> 8);
    data[ck + 1] = (byte) newCk;
    redecode();
    return true;
  }

  /**
   * tcpmss_mangle_packet (xt_TCPMSS.c) for IPv4: rewrites an MSS option larger than {@code mss}
   * (incremental checksum update), or appends one (min(mss, 536), RFC 1122's default) when the SYN
   * has none, no payload and room in doff; the IP total length grows by 4.
   */
  @Override
  public int setTcpMss(int mss) {
    if (view.fragmentOffset() != 0 || view.protocol() != PacketView.IPPROTO_TCP) {
      return 0;
    }
    final int thoff = view.l3Offset() + view.headerLength();
    final int l4len = len - view.headerLength();
    if (l4len < 20 || thoff + 20 > present) {
      return -1;
    }
    final int hdr = ((data[thoff + 12] & 0xff) >> 4) * 4;
    if (l4len < hdr || hdr < 20 || thoff + hdr > present) {
      return -1;
    }
    for (int i = 20; i <= hdr - 4; ) {
      final int kind = data[thoff + i] & 0xff;
      if (kind == PacketView.TCPOPT_MSS && (data[thoff + i + 1] & 0xff) == 4) {
        final int old = ((data[thoff + i + 2] & 0xff) << 8) | (data[thoff + i + 3] & 0xff);
        if (old <= mss) {
          return 0;
        }
        data[thoff + i + 2] = (byte) (mss >> 8);
        data[thoff + i + 3] = (byte) mss;
        final int ck = thoff + 16;
        final int oldCk = ((data[ck] & 0xff) << 8) | (data[ck + 1] & 0xff);
        final int newCk = io.nfeval.packet.Checksums.replace16(oldCk, old, mss & 0xffff);
        data[ck] = (byte) (newCk >> 8);
        data[ck + 1] = (byte) newCk;
        redecode();
        return 0;
      }
      // optlen(): EOL/NOP/garbage lengths advance by one byte
      final int ol = (kind <= 1 || thoff + i + 1 >= thoff + hdr) ? 1 : data[thoff + i + 1] & 0xff;
      i += ol == 0 ? 1 : ol;
    }
    if (l4len > hdr || hdr >= 15 * 4 || len + 4 > MAX_DATAGRAM || present != len) {
      return 0;
    }
    final int newMss = Math.min(mss, 536);
    final int at = thoff + hdr;
    data[at] = (byte) PacketView.TCPOPT_MSS;
    data[at + 1] = 4;
    data[at + 2] = (byte) (newMss >> 8);
    data[at + 3] = (byte) newMss;
    data[thoff + 12] = (byte) ((((hdr + 4) / 4) << 4) | (data[thoff + 12] & 0x0f));
    len += 4;
    present += 4;
    data[view.l3Offset() + 2] = (byte) (len >> 8);
    data[view.l3Offset() + 3] = (byte) len;
    io.nfeval.packet.PacketWriter.fillIpv4HeaderChecksum(buffer, view.l3Offset(), view.headerLength());
    redecode();
    io.nfeval.packet.PacketWriter.fillL4Checksum(view);
    return 4;
  }

  @Override
  public int pathMtu() {
    if (out == null) {
      return 0;
    }
    return in == null ? out.mtu() : Math.min(out.mtu(), in.mtu());
  }

  /** The ruleset's back end: nf_tables (iptables-nft, the default) or x_tables (iptables-legacy). */
  boolean nfTables = true;

  /** Sets the back end the ruleset runs on (Engine: {@code backend == Backend.NFT}). */
  public void nfTablesBackend(boolean nft) {
    this.nfTables = nft;
  }

  @Override
  public boolean nfTablesBackend() {
    return nfTables;
  }
}
