package io.nfeval.engine;

import io.nfeval.nat.NatCore;
import java.util.Arrays;

/**
 * The local ports that remote endpoints answered on, with the time each (remote, local) pair first
 * appears in the captures: what the kernel's random source-port choice for a clashing NAT binding
 * turned out to be (nf_nat_l4proto_unique_tuple starts at get_random_u16(), which no replay can
 * reproduce). A choice takes the earliest unclaimed pair seen after the connection started, among
 * the records up to {@value #LOOKAHEAD} packets after the one being evaluated: a fixed horizon, so
 * the answer does not depend on how much of the captures was scanned.
 *
 * <p>A reply is not taken for a clashing binding when, between that connection's start and the
 * reply, something sent from the same port to the same remote endpoint: a later connection that kept
 * its own source port (get_unique_tuple keeps the original tuple when it is free) explains that reply,
 * and the clashing one went to a port the kernel drew at random.
 *
 * <p>Nor is one the host answered itself (a port unreachable or a reset from the local port): the
 * kernel delivered that packet locally, so no binding held the port.
 *
 * <p>Filled by a scan of the captures, either complete before the replay, or on demand
 * ({@link #scanOnDemand}): the first clashing binding starts it, and each one scans only as far as
 * its horizon. Most captures never have a clash, and then pay nothing for this.
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

  /** (row, local address index, local port) of every pair added, for the first-appearance test. */
  private final LongLongMap seenPairs = new LongLongMap(-1);
  /** The host's local addresses met so far (few): their index keys {@link #seenPairs}. */
  private final int[] localAddrs = new int[255];
  private int localCount;

  /** Index of a local address (added on first use), or -1 past 255 of them (then rows are scanned). */
  private int localIndex(int addr) {
    for (int i = 0; i < localCount; i++) {
      if (localAddrs[i] == addr) {
        return i;
      }
    }
    if (localCount == localAddrs.length) {
      return -1;
    }
    localAddrs[localCount] = addr;
    return localCount++;
  }

  /**
   * Sends to remote endpoints, per protocol (TCP, UDP, ICMP query): (remote address, remote port,
   * source port or query id) → time stamp of the first and of the last one seen.
   */
  private final LongLongMap[] firstSend = {new LongLongMap(-1), new LongLongMap(-1), new LongLongMap(-1)};
  private final LongLongMap[] lastSend = {new LongLongMap(-1), new LongLongMap(-1), new LongLongMap(-1)};

  private static int sendTable(int proto) {
    return proto == 6 ? 0 : proto == 17 ? 1 : proto == 1 ? 2 : -1;
  }

  private static long sendKey(int remoteAddr, int remotePort, int localPort) {
    return ((remoteAddr & 0xffffffffL) << 32) | ((long) (remotePort & 0xffff) << 16) | (localPort & 0xffff);
  }

  /**
   * Records a packet sent to {@code remote:remotePort} from source port (or query id) {@code localPort}:
   * an original direction that source NAT may keep as it is.
   */
  void addSend(int proto, int remoteAddr, int remotePort, int localPort, long tsNanos) {
    final int t = sendTable(proto);
    if (t < 0) {
      return;
    }
    final long k = sendKey(remoteAddr, remotePort, localPort);
    if (firstSend[t].get(k) == -1) {
      if (entries >= MAX_ENTRIES) {
        return;
      }
      entries++;
      firstSend[t].put(k, tsNanos);
    }
    lastSend[t].put(k, tsNanos);
  }

  /** Whether a send from {@code localPort} to the remote endpoint may lie in (after, upTo]. */
  private boolean sentBetween(int proto, int remoteAddr, int remotePort, int localPort, long after,
      long upTo) {
    final int t = sendTable(proto);
    if (t < 0) {
      return false;
    }
    final long k = sendKey(remoteAddr, remotePort, localPort);
    final long first = firstSend[t].get(k);
    return first != -1 && first <= upTo && lastSend[t].get(k) > after;
  }

  /** Indexes the captures' records up to a given one, on the evaluating thread. */
  interface Scan {
    /** Adds what records up to {@code record} (inclusive) teach; false once the captures ended. */
    boolean scanTo(long record);
  }

  /** The on-demand scan, null once it reached the end of the captures (or without one). */
  private Scan scan;
  /** Index of the packet being evaluated (set by the evaluator). */
  private long packetIndex;

  /** Fills the index on demand from {@code s} (instead of a complete scan before the replay). */
  void scanOnDemand(Scan s) {
    scan = s;
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
    final int local = localIndex(localAddr);
    if (local >= 0) {
      // first appearance only: one hash probe (a row of a busy server holds thousands of pairs)
      final long pair = ((long) row << 24) | ((long) local << 16) | (localPort & 0xffff);
      if (seenPairs.get(pair) >= 0) {
        return;
      }
      seenPairs.put(pair, 1);
    } else {
      for (int i = 0; i < n; i += PAIR) {
        if (r[i] == localAddr && r[i + 1] == localPort) {
          return;
        }
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

  /**
   * The host answered a packet from {@code remote:remotePort} to its {@code localAddr:localPort} with
   * a port unreachable or a reset: the kernel delivered it locally, so no NAT binding owned that port
   * and it was no reply. Its pair, recorded at most a second before, is not offered.
   */
  void refute(int proto, int remoteAddr, int remotePort, int localAddr, int localPort, long tsNanos) {
    final int row = (int) rowOf.get(key(proto, remoteAddr, remotePort));
    if (row < 0) {
      return;
    }
    final int[] r = rows[row];
    final int n = used[row];
    for (int i = 0; i < n; i += PAIR) {
      if (r[i] == localAddr && r[i + 1] == localPort) {
        final long ts = ((long) r[i + 2] << 32) | (r[i + 3] & 0xffffffffL);
        if (ts <= tsNanos && tsNanos - ts <= REFUTE_NANOS) {
          r[i + 2] = Integer.MIN_VALUE; // as if claimed
          r[i + 3] = 0;
        }
        return;
      }
    }
  }

  /** How long after a packet the host's answer to it may come and still refute it. */
  private static final long REFUTE_NANOS = 1_000_000_000L;

  @Override
  public int choose(int proto, int natAddr, int remoteAddr, int remotePort, int origPort, int min,
      int rangeSize, long nowNanos) {
    final long horizon = packetIndex + LOOKAHEAD;
    if (scan != null && !scan.scanTo(horizon)) {
      scan = null; // the whole capture is indexed
    }
    return chooseWithin(proto, natAddr, remoteAddr, remotePort, origPort, min, rangeSize, nowNanos,
        horizon);
  }

  private int chooseWithin(int proto, int natAddr, int remoteAddr, int remotePort, int origPort,
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
      if (ts >= nowNanos && ts < bestTs && record <= horizon
          && !sentBetween(proto, remoteAddr, remotePort, port, nowNanos, ts)) {
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
