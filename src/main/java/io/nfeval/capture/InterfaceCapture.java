package io.nfeval.capture;

import io.nfeval.InputException;
import io.nfeval.packet.LinkType;
import io.nfeval.source.LibpcapReader;
import java.sql.Timestamp;
import java.util.concurrent.locks.LockSupport;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.PcapStat;
import org.pcap4j.core.RawPacketListener;

/**
 * One libpcap handle on one interface and the thread that reads it: {@code pcap_loop} through pcap4j's
 * raw path ({@link RawPacketListener}), copying each packet with its time stamp and original length
 * (pcap4j keeps the {@code pcap_pkthdr} of the packet being delivered in thread locals:
 * {@link PcapHandle#getTimestamp()}, {@link PcapHandle#getOriginalLength()}) into this handle's
 * {@link PacketRing}. The capture thread never waits for evaluation: a full ring counts a drop.
 *
 * <p>pcap4j 1.8.2's raw path allocates per packet (the byte[] copy of the frame, a
 * {@link Timestamp}, a boxed length and a Runnable): that is pcap4j's, not avoidable through its API;
 * everything on nfeval's side of the listener is allocation-free.
 *
 * <p>Direction ({@code pcap_setdirection}): {@link PcapHandle.PcapDirection#IN} captures what arrives
 * on the interface, {@code OUT} what the host sends on it (after POSTROUTING, i.e. after SNAT).
 */
public final class InterfaceCapture implements RawPacketListener {
  /** Settings for {@link #open}. */
  public static final class Settings {
    public int snaplen = 262144;
    public boolean promisc;
    public int bufferSize = 32 << 20;
    public int timeoutMillis = 100;
    public boolean immediate;
    public String bpf;
    public int ringBytes = 64 << 20;
  }

  private final String iface;
  private final boolean outbound;
  private final PcapHandle handle;
  private final PacketRing ring;
  private final int linkType;
  private final boolean nanoStamps;
  private final Thread thread;
  private volatile String error;
  private volatile boolean stopping;
  private volatile long progress = Long.MIN_VALUE;
  private final boolean nonBlocking;
  private final long holdNanos;
  private long lastStats0;
  private long lastStats1;
  private long lastStats2;

  private InterfaceCapture(String iface, boolean outbound, PcapHandle handle, int ringBytes,
      boolean nano, boolean nonBlocking, long holdNanos) {
    this.nonBlocking = nonBlocking;
    this.holdNanos = holdNanos;
    this.iface = iface;
    this.outbound = outbound;
    this.handle = handle;
    this.ring = new PacketRing(ringBytes);
    this.linkType = LinkType.fromDlt(handle.getDlt().value());
    this.nanoStamps = nano;
    this.thread = new Thread(this::loop, "nfeval-capture-" + iface + (outbound ? "-out" : ""));
    this.thread.setDaemon(true);
  }

  /**
   * Opens and activates a handle (one line errors for: libpcap missing, interface missing or down, no
   * permission, a filter that does not compile).
   */
  public static InterfaceCapture open(String iface, PcapHandle.PcapDirection direction, Settings s) {
    if (!LibpcapReader.available()) {
      throw InputException.usage("live: " + LibpcapReader.version() + "; "
          + CaptureProblems.libpcapPackage() + " (see native-notes/README.md)");
    }
    CaptureProblems.checkInterface(iface);
    PcapHandle h;
    boolean nano = true;
    try {
      h = build(iface, direction, s, PcapHandle.TimestampPrecision.NANO);
    } catch (PcapNativeException e) {
      final String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
      if (!m.contains("precision")) {
        throw CaptureProblems.openFailed(iface, s.promisc, e.getMessage());
      }
      nano = false; // this platform has microsecond stamps only
      try {
        h = build(iface, direction, s, PcapHandle.TimestampPrecision.MICRO);
      } catch (PcapNativeException e2) {
        throw CaptureProblems.openFailed(iface, s.promisc, e2.getMessage());
      }
    }
    if ("any".equals(iface)) {
      // Linux cooked v2 carries the interface index (v1 does not): the ingress interface stays known.
      try {
        h.setDlt(org.pcap4j.packet.namednumber.DataLinkType.getInstance(LinkType.LINUX_SLL2));
      } catch (PcapNativeException | NotOpenException e) {
        // older libpcap: v1 frames; their interface is unknown to the replayer
      }
    }
    try {
      if (s.bpf != null && !s.bpf.isBlank()) {
        h.setFilter(s.bpf, BpfProgram.BpfCompileMode.OPTIMIZE);
      }
    } catch (PcapNativeException | NotOpenException e) {
      h.close();
      throw InputException.usage("live: --bpf '" + s.bpf + "' does not compile: " + e.getMessage());
    }
    boolean nonBlocking = false;
    if (s.timeoutMillis > 0) {
      try {
        h.setBlockingMode(PcapHandle.BlockingMode.NONBLOCKING);
        nonBlocking = true;
      } catch (PcapNativeException | NotOpenException e) {
        // blocking reads: progress() stays unknown and the session falls back to its reorder window
      }
    }
    // TPACKET_V2 (immediate) hands a frame over as soon as it is written; the 20 ms cover the kernel's
    // block timer (jiffies) and a packet stamped when queued to the backlog, before the tap.
    final long hold = (s.immediate ? 0 : s.timeoutMillis) * 1_000_000L + 20_000_000L;
    return new InterfaceCapture(iface, direction == PcapHandle.PcapDirection.OUT, h, s.ringBytes, nano,
        nonBlocking, hold);
  }

  private static PcapHandle build(String iface, PcapHandle.PcapDirection direction, Settings s,
      PcapHandle.TimestampPrecision precision) throws PcapNativeException {
    return new PcapHandle.Builder(iface)
        .snaplen(s.snaplen)
        .promiscuousMode(s.promisc ? PcapNetworkInterface.PromiscuousMode.PROMISCUOUS
            : PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS)
        .timeoutMillis(s.timeoutMillis)
        .bufferSize(s.bufferSize)
        .immediateMode(s.immediate)
        .timestampPrecision(precision)
        .direction(direction)
        .build();
  }

  /** Widens the handle to both directions (Linux cooked captures tell the direction themselves). */
  public void captureBothDirections() {
    try {
      handle.setDirection(PcapHandle.PcapDirection.INOUT);
    } catch (PcapNativeException | NotOpenException e) {
      throw InputException.usage("live: cannot capture both directions on " + iface + ": "
          + e.getMessage());
    }
  }

  public void start() {
    thread.start();
  }

  /**
   * With a read timeout, the handle is non-blocking and this thread polls it, sleeping 1 ms when the
   * kernel has nothing ready: a TPACKET_V3 handle with a timeout otherwise blocks in poll() for as
   * long as its interface is idle (libpcap's set_poll_timeout), and {@link #progress()} could not move.
   */
  private void loop() {
    try {
      if (!nonBlocking) {
        handle.loop(-1, this);
        return;
      }
      while (!stopping) {
        final long before = realtimeNanos();
        final int n = handle.dispatch(-1, this); // every packet of every block the kernel has retired
        progress = before - holdNanos;
        if (n == 0) {
          LockSupport.parkNanos(1_000_000L);
        }
      }
    } catch (InterruptedException e) {
      // pcap_breakloop: the normal end
    } catch (PcapNativeException e) {
      error = "capture on " + iface + " failed: libpcap: " + e.getMessage();
    } catch (NotOpenException e) {
      // closed underneath: stopping
    } catch (RuntimeException | Error e) {
      error = "capture thread on " + iface + " failed: " + e;
    }
  }

  /** Called by libpcap (through pcap4j) on the capture thread for each packet. */
  @Override
  public void gotPacket(byte[] packet) {
    final Timestamp ts = handle.getTimestamp();
    final Integer orig = handle.getOriginalLength();
    final long sec = Math.floorDiv(ts.getTime(), 1000L);
    final long ns = sec * 1_000_000_000L + ts.getNanos();
    ring.offer(packet, packet.length, orig != null ? orig : packet.length, ns);
  }

  /**
   * Every packet this handle will still hand over is stamped later than this (epoch ns; Long.MIN_VALUE
   * before the first read). A packet the kernel stamped at t sits in a TPACKET_V3 block that is
   * retired by t + the block timeout (+ timer slack), and a read that started after that takes every
   * retired block; so the start of the last finished read minus that hold bounds what is still to
   * come. The bound moves only when this thread actually runs: a capture thread starved of CPU holds
   * the other captures' packets back instead of letting them overtake its own.
   */
  public long progress() {
    return progress;
  }

  /** Whether {@link #progress()} moves (non-blocking reads; not with {@code --timeout 0}). */
  public boolean tracksProgress() {
    return nonBlocking;
  }

  static long realtimeNanos() {
    final java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /** Asks the capture loop to end ({@code pcap_breakloop}); the thread ends soon after. */
  public void stop() {
    stopping = true;
    try {
      handle.breakLoop();
    } catch (NotOpenException e) {
      // already closed
    }
  }

  public void join(long millis) throws InterruptedException {
    thread.join(millis);
  }

  public boolean running() {
    return thread.isAlive();
  }

  /**
   * libpcap's counters ({@code pcap_stats}): received, dropped by the kernel for lack of buffer
   * space, dropped by the interface/driver. On Linux {@code ps_recv} counts every packet that passed
   * the filter, dropped ones included. Returns the last good figures when the handle is closed.
   */
  public long[] stats() {
    try {
      final PcapStat st = handle.getStats();
      lastStats0 = st.getNumPacketsReceived();
      lastStats1 = st.getNumPacketsDropped();
      lastStats2 = st.getNumPacketsDroppedByIf();
    } catch (PcapNativeException | NotOpenException e) {
      // keep the last figures
    }
    return new long[] {lastStats0, lastStats1, lastStats2};
  }

  public void close() {
    handle.close();
  }

  public String iface() {
    return iface;
  }

  public boolean outbound() {
    return outbound;
  }

  public PacketRing ring() {
    return ring;
  }

  public int linkType() {
    return linkType;
  }

  public boolean nanoStamps() {
    return nanoStamps;
  }

  /** Why the capture thread stopped on its own, or null. */
  public String error() {
    return error;
  }
}
