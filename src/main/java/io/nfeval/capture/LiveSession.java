package io.nfeval.capture;

import io.nfeval.engine.Disposition;
import io.nfeval.engine.ReplaySummary;
import io.nfeval.engine.Replayer;
import io.nfeval.host.HostModel;
import io.nfeval.packet.LinkType;
import io.nfeval.source.CapturedPacket;
import io.nfeval.source.PcapngWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The evaluation side of {@code nfeval live}: ONE thread (the caller's) takes packets from every
 * capture's {@link PacketRing}, writes them to the pcapng (when asked) and feeds them to the
 * {@link Replayer} — the same single-threaded evaluator replay uses, so a live run and a replay of what
 * it saved give the same verdicts and counters.
 *
 * <p>Order: among the captures' oldest queued packets the one with the earliest time stamp goes
 * first, once every capture with an empty queue has shown (its {@link InterfaceCapture#progress()})
 * that it holds nothing stamped earlier, or the reorder window has run out. Packets of one handle keep
 * libpcap's order; across handles (interfaces, or the two directions of one) the kernel's order is
 * approximated by the time stamps. Replay reproduces exactly the order live used: each file is
 * written in evaluation order, and a packet that would sort before one already evaluated is stamped
 * 1 ns after it (counted as "restamped").
 *
 * <p>Packets a handle with direction OUT saw on an Ethernet interface are stored as Linux cooked v2
 * frames with packet type PACKET_OUTGOING (on their own pcapng interface of the same name), which the
 * replayer counts as "not evaluated: outgoing, seen after NAT" in live and replay alike.
 *
 * <p>Every {@code every} nanoseconds: a status line on stderr and a checkpoint of the outputs (pcapng
 * flushed, then the caller's {@link Checkpoint}: trace flushed, counters rewritten atomically), so a
 * crash loses at most the last interval. A stop request ({@link #requestStop()}, from a signal
 * handler), {@code --duration} or {@code --count} ends the capture loops ({@code pcap_breakloop}); the
 * queues are then drained (all of them, except past {@code --count}).
 */
public final class LiveSession {
  /** Writes the caller's outputs at a checkpoint. */
  public interface Checkpoint {
    void write() throws IOException;
  }

  private final List<InterfaceCapture> captures;
  private final Replayer replayer;
  private final ReplaySummary summary;
  private final PcapngWriter pcap;
  private final PcapngWriter localPcap;
  private final HostModel host;
  private final boolean inout;
  private final ForwardedPackets forwarded;
  private final io.nfeval.packet.PacketView sentView = new io.nfeval.packet.PacketView();
  private final int[] localPcapIds;
  private final long reorderNanos;
  private long lastTs = Long.MIN_VALUE;
  private long outOfOrder;
  private long restamped;
  private long windowExpired;
  private final long[] progressSeen;
  private final boolean[] headSeen;
  private boolean lastLocal;
  private long sentByHost;
  private long sentForwarded;
  private boolean draining;
  private final Checkpoint checkpoint;
  private final PrintWriter err;
  private final int[] pcapIds;
  private final int[] feedLinkTypes;
  private final int[] ifindexes;
  private final CapturedPacket packet = new CapturedPacket();
  private final byte[] cooked;
  private final ByteBuffer cookedBuf;
  private volatile boolean stopRequested;
  private long settleNanos = 150_000_000L;
  private long evaluated;
  private long leftAfterCount;
  private String error;

  /**
   * {@code pcap}: where arrivals (and outgoing packets not sent by the host itself) are saved, or null;
   * {@code localPcap}: with {@code --direction inout}, where the packets the host itself sent are saved
   * (replay them with {@code --local}), or null. {@code host} tells the host's own addresses.
   * {@code reorderNanos}: with several captures, how long at most a packet waits for a capture that has
   * not yet shown it is past the packet's time stamp (so that an earlier-stamped packet still on its
   * way through that capture goes first).
   */
  public LiveSession(List<InterfaceCapture> captures, Replayer replayer, ReplaySummary summary,
      PcapngWriter pcap, PcapngWriter localPcap, boolean inout, HostModel host,
      ForwardedPackets forwarded, long reorderNanos, int snaplen,
      Checkpoint checkpoint, PrintWriter err) throws IOException {
    this.captures = captures;
    this.replayer = replayer;
    this.summary = summary;
    this.pcap = pcap;
    this.localPcap = localPcap;
    this.inout = inout;
    this.forwarded = forwarded;
    this.host = host;
    this.reorderNanos = captures.size() > 1 ? reorderNanos : 0;
    this.localPcapIds = new int[captures.size()];
    this.progressSeen = new long[captures.size()];
    this.headSeen = new boolean[captures.size()];
    this.checkpoint = checkpoint;
    this.err = err;
    this.pcapIds = new int[captures.size()];
    this.feedLinkTypes = new int[captures.size()];
    this.ifindexes = new int[captures.size()];
    int maxPacket = 0;
    for (int i = 0; i < captures.size(); i++) {
      final InterfaceCapture c = captures.get(i);
      maxPacket = Math.max(maxPacket, c.ring().maxPacket());
      feedLinkTypes[i] = cookedOutgoing(c) ? LinkType.LINUX_SLL2 : c.linkType();
      ifindexes[i] = CaptureProblems.ifindex(c.iface());
      pcapIds[i] = pcap == null ? i : pcap.addInterface(c.iface(), feedLinkTypes[i], snaplen);
      localPcapIds[i] = localPcap == null ? i : localPcap.addInterface(c.iface(), c.linkType(), snaplen);
    }
    this.cooked = new byte[maxPacket + 20];
    this.cookedBuf = ByteBuffer.wrap(cooked);
  }

  private static boolean cookedOutgoing(InterfaceCapture c) {
    return c.outbound() && c.linkType() == LinkType.ETHERNET;
  }

  /** How long to keep reading after a stop request before breaking the capture loops. */
  public void setSettle(long nanos) {
    this.settleNanos = nanos;
  }

  /** Asks the session to stop (safe from any thread, e.g. a signal handler). */
  public void requestStop() {
    stopRequested = true;
  }

  public long evaluated() {
    return evaluated;
  }

  /** Packets captured but not evaluated because --count was reached first. */
  public long leftAfterCount() {
    return leftAfterCount;
  }

  /** Why a capture stopped on its own (interface went down, ...), or null. */
  public String error() {
    return error;
  }

  /**
   * Runs until a stop request, {@code durationNanos} (&lt;= 0: none) or {@code count} packets
   * (&lt;= 0: none); status and checkpoint every {@code everyNanos}.
   */
  public void run(long durationNanos, long count, long everyNanos) throws IOException {
    for (InterfaceCapture c : captures) {
      c.start();
    }
    final long start = System.nanoTime();
    long nextStatus = start + everyNanos;
    long lastEvaluated = 0;
    long lastTime = start;
    int idle = 0;
    boolean countReached = false;
    while (!stopRequested) {
      int n = 0;
      while (n < 256 && evaluateOne()) {
        n++;
        if (count > 0 && evaluated >= count) {
          countReached = true;
          break;
        }
      }
      if (countReached) {
        break;
      }
      final long now = System.nanoTime();
      if (now - nextStatus >= 0) {
        status(now - start, evaluated - lastEvaluated, now - lastTime);
        lastEvaluated = evaluated;
        lastTime = now;
        nextStatus = now + everyNanos;
        checkpoint();
      }
      if (durationNanos > 0 && now - start >= durationNanos) {
        break;
      }
      if (captureFailed()) {
        break;
      }
      if (n == 0) {
        // Idle: back off to 1 ms sleeps, so that a waiting evaluator leaves the CPU to the capture
        // threads (the queues absorb the delay).
        idle++;
        if (idle < 50) {
          Thread.onSpinWait();
        } else {
          LockSupport.parkNanos(Math.min(1_000_000L, 20_000L << Math.min(6, (idle - 50) / 8)));
        }
      } else {
        idle = 0;
      }
    }
    if (!countReached) {
      // Let libpcap hand over what the kernel already holds: without immediate mode a TPACKET_V3
      // block is delivered when full or when its timeout expires, so wait one timeout (evaluating
      // meanwhile) before breaking the loops.
      final long settleEnd = System.nanoTime() + settleNanos;
      while (System.nanoTime() - settleEnd < 0) {
        if (!evaluateOne()) {
          LockSupport.parkNanos(1_000_000L);
        }
      }
    }
    for (InterfaceCapture c : captures) {
      c.stop();
    }
    for (InterfaceCapture c : captures) {
      try {
        c.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (c.running()) {
        err.println("nfeval live: capture thread on " + c.iface() + " did not stop within 5 s");
      }
    }
    if (countReached) {
      for (InterfaceCapture c : captures) {
        final PacketRing r = c.ring();
        while (r.peek() >= 0) {
          leftAfterCount++;
          r.release();
        }
      }
    } else {
      draining = true;
      while (evaluateOne()) {
        // drain: everything captured is evaluated and written
      }
    }
    captureFailed();
    checkpoint();
  }

  private boolean captureFailed() {
    for (InterfaceCapture c : captures) {
      if (c.error() != null && error == null) {
        error = c.error();
      }
    }
    return error != null;
  }

  private void checkpoint() throws IOException {
    if (pcap != null) {
      pcap.flush();
    }
    if (localPcap != null) {
      localPcap.flush();
    }
    checkpoint.write();
  }

  /** Takes the earliest-stamped head of the rings and evaluates it; false when all are empty. */
  private boolean evaluateOne() {
    int best = -1;
    int bestRec = -1;
    long bestTs = Long.MAX_VALUE;
    for (int i = 0; i < captures.size(); i++) {
      final InterfaceCapture ci = captures.get(i);
      // Read before the peek: whatever the capture handed over before it published this bound is
      // then visible in its ring.
      progressSeen[i] = ci.progress();
      final PacketRing r = ci.ring();
      final int rec = r.peek();
      headSeen[i] = rec >= 0;
      if (rec >= 0) {
        final long ts = r.tsNanos(rec);
        if (best < 0 || ts < bestTs) {
          best = i;
          bestRec = rec;
          bestTs = ts;
        }
      }
    }
    if (best < 0) {
      return false;
    }
    if (captures.size() > 1 && !draining && !othersPast(best, bestTs)) {
      return false; // another capture may still deliver an earlier-stamped packet
    }
    final InterfaceCapture c = captures.get(best);
    final PacketRing r = c.ring();
    ByteBuffer buf = r.buffer();
    int off = PacketRing.dataOffset(bestRec);
    int capLen = r.capLen(bestRec);
    int wireLen = r.wireLen(bestRec);
    final boolean local = inout && sentByHost(c, buf, off, capLen);
    if (bestTs < lastTs) {
      outOfOrder++;
    }
    final long stamp = evaluationStamp(bestTs, lastTs, lastLocal, local);
    if (stamp != bestTs) {
      bestTs = stamp;
      restamped++;
    }
    lastTs = bestTs;
    lastLocal = local;
    if (local) {
      sentByHost++;
      if (localPcap != null) {
        try {
          localPcap.writePacket(localPcapIds[best], buf, off, capLen, wireLen, bestTs,
              PcapngWriter.FLAG_OUTBOUND);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      // fileIndex 1: the replayer's first "local" input, entering OUTPUT before any NAT
      packet.set(buf, off, capLen, wireLen, bestTs, c.linkType(), localPcapIds[best], c.iface(), null,
          1, -1, evaluated);
      replayer.feed(packet, evaluated);
      evaluated++;
      r.release();
      return true;
    }
    if (c.outbound() || outgoingCooked(c, buf, off, capLen)) {
      sentForwarded++;
    }
    if (cookedOutgoing(c)) {
      // Ethernet header -> SLL2 header (20 bytes) with packet type PACKET_OUTGOING.
      final int payload = Math.max(0, capLen - 14);
      cooked[0] = capLen >= 14 ? buf.get(off + 12) : 0;
      cooked[1] = capLen >= 14 ? buf.get(off + 13) : 0;
      cooked[2] = 0;
      cooked[3] = 0;
      final int idx = ifindexes[best];
      cooked[4] = (byte) (idx >>> 24);
      cooked[5] = (byte) (idx >>> 16);
      cooked[6] = (byte) (idx >>> 8);
      cooked[7] = (byte) idx;
      cooked[8] = 0;
      cooked[9] = 1; // ARPHRD_ETHER
      cooked[10] = 4; // PACKET_OUTGOING
      cooked[11] = 6;
      for (int k = 0; k < 8; k++) {
        cooked[12 + k] = k < 6 && capLen >= 12 ? buf.get(off + 6 + k) : 0;
      }
      for (int k = 0; k < payload; k++) {
        cooked[20 + k] = buf.get(off + 14 + k);
      }
      buf = cookedBuf;
      off = 0;
      capLen = 20 + payload;
      wireLen = Math.max(0, wireLen - 14) + 20;
    }
    if (pcap != null) {
      try {
        pcap.writePacket(pcapIds[best], buf, off, capLen, wireLen, bestTs,
            c.outbound() ? PcapngWriter.FLAG_OUTBOUND : PcapngWriter.FLAG_INBOUND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    packet.set(buf, off, capLen, wireLen, bestTs, feedLinkTypes[best], pcapIds[best], c.iface(), null,
        0, -1, evaluated);
    replayer.feed(packet, evaluated);
    evaluated++;
    r.release();
    return true;
  }

  /**
   * The time stamp a packet is evaluated and written with, given the stamp of the packet evaluated
   * before it. Replay merges the arrivals file and the --local file by time stamp (MergingReader:
   * earlier stamp first, the arrivals file on a tie, each file in its own order). A packet stamped
   * earlier than the one before, or an arrival stamped the same as a local packet before it, would be
   * put back in front of it; so it is stamped 1 ns after it, in the files, the trace and the
   * evaluation alike. Every other packet keeps libpcap's stamp.
   */
  static long evaluationStamp(long ts, long lastTs, boolean lastLocal, boolean local) {
    if (ts < lastTs || (ts == lastTs && lastLocal && !local)) {
      return lastTs + 1;
    }
    return ts;
  }

  /**
   * Whether every other capture with an empty queue has shown that it holds nothing stamped before
   * {@code ts} ({@link InterfaceCapture#progress()}), or {@code ts} has waited the whole reorder
   * window. Waiting on the captures' own progress rather than on a fixed delay keeps the kernel's
   * order when a capture thread is starved of CPU (a busy machine, a CI runner): its packets are then
   * late by more than any fixed delay, and a reply would be evaluated before its request.
   */
  private boolean othersPast(int best, long ts) {
    long now = 0;
    for (int j = 0; j < captures.size(); j++) {
      if (j == best || headSeen[j]) {
        continue; // a queued head is stamped no earlier than ts: it was compared above
      }
      if (captures.get(j).tracksProgress() && progressSeen[j] >= ts) {
        continue;
      }
      if (now == 0) {
        now = InterfaceCapture.realtimeNanos();
      }
      if (ts > now - reorderNanos) {
        return false;
      }
      windowExpired++;
      return true;
    }
    return true;
  }

  /** A Linux cooked frame (SLL/SLL2) with packet type PACKET_OUTGOING. */
  private static boolean outgoingCooked(InterfaceCapture c, ByteBuffer b, int off, int capLen) {
    if (c.linkType() == LinkType.LINUX_SLL2) {
      return capLen >= 20 && b.get(off + 10) == 4;
    }
    if (c.linkType() == LinkType.LINUX_SLL) {
      return capLen >= 16 && b.get(off + 1) == 4 && b.get(off) == 0;
    }
    return false;
  }

  /**
   * A Linux cooked frame on the loopback device (ARPHRD_LOOPBACK). libpcap shows each packet looped
   * back through {@code lo} once, as it arrives (it drops the outgoing copy, pcap-linux.c), so with
   * {@code --direction inout} that arrival stands for the packet the host sent: it is evaluated at
   * OUTPUT and the engine loops it back, as the kernel did.
   */
  private static boolean loopbackCooked(InterfaceCapture c, ByteBuffer b, int off, int capLen) {
    if (c.linkType() == LinkType.LINUX_SLL2) {
      return capLen >= 20 && b.get(off + 8) == 3 && b.get(off + 9) == 4;
    }
    if (c.linkType() == LinkType.LINUX_SLL) {
      return capLen >= 16 && b.get(off + 2) == 3 && b.get(off + 3) == 4;
    }
    return false;
  }

  /**
   * Whether an outgoing packet was sent by the host itself: IPv4 with one of the host's addresses as
   * source that is not a packet the engine forwarded ({@link ForwardedPackets}: forwarded packets
   * SNATed/MASQUERADEd to the host's address look like the host's own on the wire).
   */
  private boolean sentByHost(InterfaceCapture c, ByteBuffer b, int off, int capLen) {
    final int l3;
    final int proto;
    if (c.outbound() && c.linkType() == LinkType.ETHERNET) {
      l3 = 14;
      proto = capLen >= 14 ? ((b.get(off + 12) & 0xff) << 8) | (b.get(off + 13) & 0xff) : 0;
    } else if (outgoingCooked(c, b, off, capLen) || loopbackCooked(c, b, off, capLen)) {
      if (c.linkType() == LinkType.LINUX_SLL2) {
        l3 = 20;
        proto = ((b.get(off) & 0xff) << 8) | (b.get(off + 1) & 0xff);
      } else {
        l3 = 16;
        proto = ((b.get(off + 14) & 0xff) << 8) | (b.get(off + 15) & 0xff);
      }
    } else {
      return false;
    }
    if (proto != 0x0800 || capLen < l3 + 20 || (b.get(off + l3) & 0xf0) != 0x40) {
      return false;
    }
    final int src = ((b.get(off + l3 + 12) & 0xff) << 24) | ((b.get(off + l3 + 13) & 0xff) << 16)
        | ((b.get(off + l3 + 14) & 0xff) << 8) | (b.get(off + l3 + 15) & 0xff);
    if (!host.isHostAddress(src)) {
      return false;
    }
    // SNATed to the host's address, or the host's own? The engine remembers what it forwarded.
    return forwarded == null || sentView.wrap(b, off, capLen, capLen, c.linkType()).decode()
        != io.nfeval.packet.Malformed.OK || !forwarded.take(sentView);
  }

  private void status(long elapsed, long delta, long deltaNanos) {
    final StringBuilder b = new StringBuilder(200);
    b.append(String.format("[%6.1fs] %d packets (%.0f/s)", elapsed / 1e9, evaluated,
        delta / (deltaNanos / 1e9)));
    for (Disposition d : Disposition.values()) {
      final long n = summary.count(d);
      if (n > 0) {
        b.append(' ').append(d.label()).append('=').append(n);
      }
    }
    appendDrops(b);
    err.println(b);
    err.flush();
  }

  /** "; pcap recv R drop D ifdrop I; queue drop Q hwm N pkts (P%)" over all captures. */
  public void appendDrops(StringBuilder b) {
    long recv = 0;
    long drop = 0;
    long ifdrop = 0;
    long qdrop = 0;
    long hwm = 0;
    double hwmPct = 0;
    for (InterfaceCapture c : captures) {
      final long[] s = c.stats();
      recv += s[0];
      drop += s[1];
      ifdrop += s[2];
      final PacketRing r = c.ring();
      qdrop += r.dropped();
      hwm = Math.max(hwm, r.highWaterPackets());
      hwmPct = Math.max(hwmPct, 100.0 * r.highWaterBytes() / r.capacity());
    }
    b.append(String.format("; pcap recv %d drop %d ifdrop %d; queue drop %d high-water %d pkts (%.1f%%)",
        recv, drop, ifdrop, qdrop, hwm, hwmPct));
  }

  /** The final figures: per capture, libpcap's and the queue's counters. */
  public void printCaptureSummary(PrintWriter out) {
    out.println("Live capture:");
    out.printf("  %-22s %12d%n", "packets evaluated", evaluated);
    if (leftAfterCount > 0) {
      out.printf("  %-22s %12d%n", "left after --count", leftAfterCount);
    }
    if (inout) {
      out.printf("  %-22s %12d%n", "sent by the host", sentByHost);
      out.printf("  %-22s %12d%n", "sent, not by the host", sentForwarded);
    }
    if (pcap != null) {
      out.printf("  %-22s %12d%n", "packets written", pcap.packets()
          + (localPcap != null ? localPcap.packets() : 0));
    }
    if (outOfOrder > 0) {
      out.printf("  %-22s %12d  (stamped earlier than a packet already evaluated)%n", "out of order",
          outOfOrder);
    }
    if (windowExpired > 0) {
      out.printf("  %-22s %12d  (evaluated when the reorder window ran out, before every capture had"
          + " caught up)%n", "reorder window expired", windowExpired);
    }
    if (restamped > 0) {
      out.printf("  %-22s %12d  (evaluated and written 1 ns after the packet before, so that a replay"
          + " keeps this order)%n", "restamped", restamped);
    }
    for (InterfaceCapture c : captures) {
      final long[] s = c.stats();
      final PacketRing r = c.ring();
      out.printf("  %s%s: linktype %d%s; pcap received %d, dropped %d (kernel buffer), %d (interface);"
              + " queue dropped %d, high-water %d packets / %d bytes of %d%n",
          c.iface(), c.outbound() ? " (out)" : "", c.linkType(), c.nanoStamps() ? "" : " (us stamps)",
          s[0], s[1], s[2], r.dropped(), r.highWaterPackets(), r.highWaterBytes(), r.capacity());
    }
  }

  /** Total packets lost anywhere (kernel buffer, interface, queue) as far as libpcap can tell. */
  public long totalDrops() {
    long t = 0;
    for (InterfaceCapture c : captures) {
      final long[] s = c.stats();
      t += s[1] + s[2] + c.ring().dropped();
    }
    return t;
  }
}
