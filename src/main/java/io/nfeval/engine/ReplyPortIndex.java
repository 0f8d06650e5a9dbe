package io.nfeval.engine;

import io.nfeval.nat.NatCore;
import java.util.Arrays;

/**
 * The local ports that remote endpoints answered on, with the time each (remote, local) pair first
 * appears in the captures: what the kernel's random source-port choice for a clashing NAT binding
 * turned out to be (nf_nat_l4proto_unique_tuple starts at get_random_u16(), which no replay can
 * reproduce). Built in a first pass; a choice takes the earliest unclaimed pair seen after the
 * connection started.
 */
public final class ReplyPortIndex implements NatCore.PortHint {
  /** Entries kept at most, so a huge capture cannot exhaust memory in this first pass. */
  private static final int MAX_ENTRIES = 4_000_000;

  /** (proto, remote port, remote address) → index of its row (no boxing on the lookup path). */
  private final LongLongMap rowOf = new LongLongMap(-1);
  /** Rows: flat [localAddr, localPort, tsHigh, tsLow]* and how many ints are used. */
  private int[][] rows = new int[64][];
  private int[] used = new int[64];
  private int nrows;
  private int entries;

  private static long key(int proto, int remoteAddr, int remotePort) {
    return ((long) proto << 48) | ((long) (remotePort & 0xffff) << 32) | (remoteAddr & 0xffffffffL);
  }

  /** Records a packet from {@code remote} to the host's {@code localAddr:localPort}. */
  void add(int proto, int remoteAddr, int remotePort, int localAddr, int localPort, long tsNanos) {
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
      rows[row] = new int[16];
      rowOf.put(k, row);
    }
    int[] r = rows[row];
    final int n = used[row];
    for (int i = 0; i < n; i += 4) {
      if (r[i] == localAddr && r[i + 1] == localPort) {
        return; // first appearance only
      }
    }
    if (n + 4 > r.length) {
      r = Arrays.copyOf(r, r.length * 2);
      rows[row] = r;
    }
    r[n] = localAddr;
    r[n + 1] = localPort;
    r[n + 2] = (int) (tsNanos >>> 32);
    r[n + 3] = (int) tsNanos;
    used[row] = n + 4;
    entries++;
  }

  boolean isEmpty() {
    return entries == 0;
  }

  @Override
  public int choose(int proto, int natAddr, int remoteAddr, int remotePort, int origPort, int min,
      int rangeSize, long nowNanos) {
    final int row = (int) rowOf.get(key(proto, remoteAddr, remotePort));
    if (row < 0) {
      return -1;
    }
    final int[] r = rows[row];
    final int n = used[row];
    int best = -1;
    long bestTs = Long.MAX_VALUE;
    for (int i = 0; i < n; i += 4) {
      final int port = r[i + 1];
      if (r[i] != natAddr || port == origPort || port < min || port >= min + rangeSize) {
        continue;
      }
      final long ts = ((long) r[i + 2] << 32) | (r[i + 3] & 0xffffffffL);
      if (ts >= nowNanos && ts < bestTs) {
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
