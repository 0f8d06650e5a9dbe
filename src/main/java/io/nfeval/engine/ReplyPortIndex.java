package io.nfeval.engine;

import io.nfeval.nat.NatCore;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The local ports that remote endpoints answered on, with the time each (remote, local) pair first
 * appears in the captures: what the kernel's random source-port choice for a clashing NAT binding
 * turned out to be (nf_nat_l4proto_unique_tuple starts at get_random_u16(), which no replay can
 * reproduce). A choice takes the earliest unclaimed pair seen after the connection started, among
 * the records up to {@value #LOOKAHEAD} packets after the one being evaluated: a fixed horizon, so
 * the answer does not depend on how far a concurrent scan has got.
 *
 * <p>Filled by a scan of the captures, either complete before the replay or running on its own
 * thread beside it ({@link #beginScan}): that scan adds in batches under a lock and publishes how
 * many records it has indexed; {@link #choose} (rare: only clashing bindings ask) waits until the
 * scan has passed the horizon, then answers under the same lock.
 */
public final class ReplyPortIndex implements NatCore.PortHint {
  /** Entries kept at most, so a huge capture cannot exhaust memory in this first pass. */
  private static final int MAX_ENTRIES = 4_000_000;
  /** How many packets past the current one a choice may look for its reply. */
  static final long LOOKAHEAD = 1 << 20;
  /** Ints per pair in a row: local address, local port, time stamp (2), record index (2). */
  private static final int PAIR = 6;

  /** (proto, remote port, remote address) → index of its row (no boxing on the lookup path). */
  private final LongLongMap rowOf = new LongLongMap(-1);
  /** Rows: flat [localAddr, localPort, tsHigh, tsLow, indexHigh, indexLow]* and how many ints are used. */
  private int[][] rows = new int[64][];
  private int[] used = new int[64];
  private int nrows;
  private int entries;

  private final ReentrantLock lock = new ReentrantLock();
  /** Records the scan has indexed (published after each batch). */
  private volatile long scanned;
  /** No scan running (none started, or it ended). */
  private volatile boolean complete = true;
  private volatile Throwable scanFailure;
  /** Index of the packet being evaluated (set by the evaluator). */
  private long packetIndex;

  /** A concurrent scan starts: {@link #choose} will wait for it. */
  void beginScan() {
    complete = false;
    scanned = 0;
  }

  /** The scanner takes the lock for a batch of {@link #add}s. */
  void lockBatch() {
    lock.lock();
  }

  /** The scanner ends a batch: {@code records} indexed so far. */
  void unlockBatch(long records) {
    scanned = records;
    lock.unlock();
  }

  /** The scan ended (at the end of the captures, cancelled, or failed with {@code failure}). */
  void endScan(Throwable failure) {
    scanFailure = failure;
    complete = true;
  }

  /** Set by the engine for each packet: the horizon of {@link #choose} counts from it. */
  void atPacket(long index) {
    packetIndex = index;
  }

  private static long key(int proto, int remoteAddr, int remotePort) {
    return ((long) proto << 48) | ((long) (remotePort & 0xffff) << 32) | (remoteAddr & 0xffffffffL);
  }

  /** Records packet {@code record} of the captures, from {@code remote} to the host's {@code localAddr:localPort}. */
  void add(int proto, int remoteAddr, int remotePort, int localAddr, int localPort, long tsNanos,
      long record) {
    if (entries >= MAX_ENTRIES) {
      return;
    }
    final long k = key(proto, remoteAddr, remotePort);
    int row = (int) rowOf.get(k);
    if (row < 0) {
      if (nrows == rows.length) {
        rows = Arrays.copyOf(rows, nrows * 2);
        used = Arrays.copyOf(used, nrows * 2);
      }
      row = nrows++;
      rows[row] = new int[4 * PAIR];
      rowOf.put(k, row);
    }
    int[] r = rows[row];
    final int n = used[row];
    for (int i = 0; i < n; i += PAIR) {
      if (r[i] == localAddr && r[i + 1] == localPort) {
        return; // first appearance only
      }
    }
    if (n + PAIR > r.length) {
      r = Arrays.copyOf(r, r.length * 2);
      rows[row] = r;
    }
    r[n] = localAddr;
    r[n + 1] = localPort;
    r[n + 2] = (int) (tsNanos >>> 32);
    r[n + 3] = (int) tsNanos;
    r[n + 4] = (int) (record >>> 32);
    r[n + 5] = (int) record;
    used[row] = n + PAIR;
    entries++;
  }

  boolean isEmpty() {
    return entries == 0;
  }

  @Override
  public int choose(int proto, int natAddr, int remoteAddr, int remotePort, int origPort, int min,
      int rangeSize, long nowNanos) {
    final long horizon = packetIndex + LOOKAHEAD;
    while (!complete && scanned <= horizon) {
      LockSupport.parkNanos(50_000);
    }
    final Throwable f = scanFailure;
    if (f != null) {
      throw new IllegalStateException("the scan for NAT reply ports failed", f);
    }
    lock.lock();
    try {
      return chooseLocked(proto, natAddr, remoteAddr, remotePort, origPort, min, rangeSize, nowNanos,
          horizon);
    } finally {
      lock.unlock();
    }
  }

  private int chooseLocked(int proto, int natAddr, int remoteAddr, int remotePort, int origPort,
      int min, int rangeSize, long nowNanos, long horizon) {
    final int row = (int) rowOf.get(key(proto, remoteAddr, remotePort));
    if (row < 0) {
      return -1;
    }
    final int[] r = rows[row];
    final int n = used[row];
    int best = -1;
    long bestTs = Long.MAX_VALUE;
    for (int i = 0; i < n; i += PAIR) {
      final int port = r[i + 1];
      if (r[i] != natAddr || port == origPort || port < min || port >= min + rangeSize) {
        continue;
      }
      final long ts = ((long) r[i + 2] << 32) | (r[i + 3] & 0xffffffffL);
      final long record = ((long) r[i + 4] << 32) | (r[i + 5] & 0xffffffffL);
      if (ts >= nowNanos && ts < bestTs && record <= horizon) {
        best = i;
        bestTs = ts;
      }
    }
    if (best < 0) {
      return -1;
    }
    final int port = r[best + 1];
    r[best + 2] = Integer.MIN_VALUE; // claimed: its time now lies in the far past
    r[best + 3] = 0;
    return port;
  }
}
