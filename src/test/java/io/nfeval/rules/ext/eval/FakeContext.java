package io.nfeval.rules.ext.eval;

import io.nfeval.engine.InMemoryIpSets;
import io.nfeval.packet.LinkType;
import io.nfeval.packet.PacketView;
import io.nfeval.packet.PacketWriter;
import io.nfeval.rules.ext.PacketContext;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** A settable {@link PacketContext} over a raw datagram, for extension unit tests. */
final class FakeContext implements PacketContext {
  final ByteBuffer buf = ByteBuffer.allocate(65600);
  final PacketView view = new PacketView();
  int len;
  int hook = 1;
  long now;
  /** The host's CLOCK_REALTIME - CLOCK_MONOTONIC: where its ticks fall (0: on multiples of 4 ms). */
  long realtimeMinusMonotonic;
  io.nfeval.rules.ext.Jiffies ticks = io.nfeval.rules.ext.Jiffies.DEFAULT;
  String in = "eth0";
  String out;
  int inGroup;
  int outGroup;
  boolean hasMac;
  long mac;
  int pktType;
  String physIn;
  String physOut;
  int mark;
  int priority;
  int ctInfo = CT_INVALID;
  int ctStatus;
  int ctDir;
  int ctProto;
  int[] ctTuple = new int[8]; // origSrc, origDst, replSrc, replDst, origSport, origDport, replSport, replDport
  long ctExpires;
  int ctMark;
  String ctHelper;
  int ctZone;
  long[] ctPackets = new long[2];
  long[] ctBytes = new long[2];
  int addrType = 1;
  boolean rpOk = true;
  int uid = -1;
  int gid = -1;
  boolean assumeUnknowable = true;
  boolean hotdropped;
  Object state;
  final Map<String, Object> shared = new HashMap<>();
  final List<String> assumed = new ArrayList<>();
  final List<String> logs = new ArrayList<>();
  /** Live connections as "src dst proto ports zone" strings; closed ones in {@link #closed}. */
  final Set<String> live = new HashSet<>();
  final Set<String> closed = new HashSet<>();
  final InMemoryIpSets ipsets = new InMemoryIpSets();
  int pathMtu = 1500;
  /** Back end: x_tables by default here, so tests see the xt modules' own semantics. */
  boolean nft;

  @Override
  public boolean nfTablesBackend() {
    return nft;
  }

  FakeContext packet(byte[] datagram) {
    buf.clear();
    buf.put(0, datagram);
    len = datagram.length;
    view.wrap(buf, 0, len, len, LinkType.IPV4);
    view.decode();
    hotdropped = false;
    return this;
  }

  FakeContext at(long nanos) {
    now = nanos;
    return this;
  }

  static String key(int src, int dst, int proto, int ports, int zone) {
    return src + " " + dst + " " + proto + " " + ports + " " + zone;
  }

  @Override public PacketView ip() { return view; }
  @Override public int length() { return len; }
  @Override public int fragOffset() { return view.fragmentOffset(); }
  @Override public int hook() { return hook; }
  @Override public long nowNanos() { return now; }
  @Override public long jiffies() { return ticks.at(now, realtimeMinusMonotonic); }
  @Override public io.nfeval.rules.ext.Jiffies ticks() { return ticks; }
  @Override public long randomSeed() { return 42; }
  @Override public long packetIndex() { return 0; }
  @Override public String inIface() { return in; }
  @Override public String outIface() { return out; }
  @Override public int inIfindex() { return in == null ? 0 : 2; }
  @Override public int outIfindex() { return out == null ? 0 : 3; }
  @Override public int inGroup() { return inGroup; }
  @Override public int outGroup() { return outGroup; }
  @Override public boolean hasSourceMac() { return hasMac; }
  @Override public long sourceMac() { return mac; }
  @Override public int pktType() { return pktType; }
  @Override public String physIn() { return physIn; }
  @Override public String physOut() { return physOut; }
  @Override public int mark() { return mark; }
  @Override public void setMark(int m) { mark = m; }
  @Override public int priority() { return priority; }
  @Override public void setPriority(int p) { priority = p; }
  @Override public int ctInfo() { return ctInfo; }
  @Override public int ctStatus() { return ctStatus; }
  @Override public int ctDirection() { return ctDir; }
  @Override public int ctProto() { return ctProto; }
  @Override public int ctOrigSrc() { return ctTuple[0]; }
  @Override public int ctOrigDst() { return ctTuple[1]; }
  @Override public int ctReplSrc() { return ctTuple[2]; }
  @Override public int ctReplDst() { return ctTuple[3]; }
  @Override public int ctOrigSrcPort() { return ctTuple[4]; }
  @Override public int ctOrigDstPort() { return ctTuple[5]; }
  @Override public int ctReplSrcPort() { return ctTuple[6]; }
  @Override public int ctReplDstPort() { return ctTuple[7]; }
  @Override public long ctExpiresSeconds() { return ctExpires; }
  @Override public int ctMark() { return ctMark; }
  @Override public void setCtMark(int m) { ctMark = m; }
  @Override public String ctHelper() { return ctHelper; }
  @Override public int ctZone() { return ctZone; }
  @Override public int addrType(int addr, String limitDev) { return addrType; }
  @Override public boolean reversePathOk(boolean loose, boolean validMark, boolean acceptLocal) { return rpOk; }
  /** What the capture tells of the socket when neither {@code in} nor {@code uid} decides it. */
  int socketKind = SOCKET_UNKNOWN;
  @Override public int socketKind() {
    return in != null ? SOCKET_NONE : uid >= 0 ? SOCKET_FULL : socketKind;
  }
  @Override public int socketUid() { return uid; }
  @Override public int socketGid() { return gid; }
  @Override public void assume(String what) { assumed.add(what); }
  @Override public boolean assumeUnknowableMatches() { return assumeUnknowable; }
  @Override public void hotdrop() { hotdropped = true; }
  @Override public Object matchState() { return state; }
  @Override public void log(String target, String prefix) { logs.add(target + ":" + prefix); }

  @Override
  public Object sharedState(String key, Supplier<Object> create) {
    return shared.computeIfAbsent(key, k -> create.get());
  }

  @Override
  public int ctLookup(int origSrc, int origDst, int proto, int ports, int zone) {
    final String k = key(origSrc, origDst, proto, ports, zone);
    return closed.contains(k) ? CT_CLOSED : live.contains(k) ? CT_OPEN : CT_GONE;
  }

  @Override public long ctPackets(int dir) { return ctPackets[dir]; }
  @Override public long ctBytes(int dir) { return ctBytes[dir]; }

  @Override
  public int ipsetTest(String set, int srcFlags, int dims, boolean updateCounters) {
    return ipsets.test(set, this, srcFlags, dims, updateCounters);
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
    PacketWriter.setTtl(view, ttl);
    view.decode();
  }

  @Override
  public void setTos(int tos) {
    PacketWriter.setTos(view, tos);
    view.decode();
  }

  @Override
  public int setTcpMss(int mss) {
    return 0;
  }

  @Override
  public int pathMtu() {
    return pathMtu;
  }

  @Override
  public boolean setTcpEceCwr(int mask, int flags) {
    final int th = view.l3Offset() + view.headerLength();
    if (th + 20 > len) {
      return false;
    }
    final int old = ((buf.get(th + 12) & 0xff) << 8) | (buf.get(th + 13) & 0xff);
    final int now = (old & ~mask) | (flags & mask);
    buf.put(th + 13, (byte) now);
    final int ck = ((buf.get(th + 16) & 0xff) << 8) | (buf.get(th + 17) & 0xff);
    final int nck = io.nfeval.packet.Checksums.replace16(ck, old, now);
    buf.put(th + 16, (byte) (nck >> 8));
    buf.put(th + 17, (byte) nck);
    return true;
  }
}
