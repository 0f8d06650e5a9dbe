package io.nfeval.engine;

import io.nfeval.conntrack.Ct;
import io.nfeval.conntrack.ConntrackTable;
import io.nfeval.host.NetInterface;
import io.nfeval.packet.LinkType;
import io.nfeval.packet.PacketView;
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
  long index;
  long sourceMac;
  boolean hasSourceMac;
  int pktType;
  int uid = -1;
  int gid = -1;
  int socketKind = SOCKET_NONE;

  // conntrack state of this packet
  ConntrackTable ct;
  int ctHandle = -1;
  int ctInfo = CT_INVALID;
  /** Set by raw-table CT --notrack / NOTRACK. */
  boolean notrack;
  /** CT target template: zone and helper for the connection this packet creates. */
  int templateZone;
  String templateHelper;
  boolean templateSet;

  // evaluation state
  boolean hotdropped;
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
    redecode();
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
    mark = 0;
    priority = 0;
    ctHandle = -1;
    ctInfo = CT_INVALID;
    notrack = false;
    templateSet = false;
    templateZone = 0;
    templateHelper = null;
    assumptions = 0;
    assumptionCount = 0;
    traceLen = 0;
    logCount = 0;
    uid = -1;
    gid = -1;
    socketKind = SOCKET_NONE;
    pktType = PacketView.PACKET_HOST;
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
    redecode();
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
    final long left = ct.expiresAt(ctHandle) - tsNanos;
    return left <= 0 ? 0 : left / 1_000_000_000L;
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
  public String ctHelper() {
    return null;
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
}
