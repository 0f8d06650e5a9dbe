package io.nfeval.engine;

import io.nfeval.nat.NatCore;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

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

  /** (proto, remote port, remote address) → flat [localAddr, localPort, tsHigh, tsLow]* rows. */
  private final Map<Long, int[]> rows = new HashMap<>();
  private final Map<Long, Integer> used = new HashMap<>();
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
    int[] r = rows.get(k);
    final int n = used.getOrDefault(k, 0);
    if (r != null) {
      for (int i = 0; i < n; i += 4) {
        if (r[i] == localAddr && r[i + 1] == localPort) {
          return; // first appearance only
        }
      }
    } else {
      r = new int[16];
    }
    if (n + 4 > r.length) {
      r = Arrays.copyOf(r, r.length * 2);
    }
    r[n] = localAddr;
    r[n + 1] = localPort;
    r[n + 2] = (int) (tsNanos >>> 32);
    r[n + 3] = (int) tsNanos;
    rows.put(k, r);
    used.put(k, n + 4);
    entries++;
  }

  boolean isEmpty() {
    return entries == 0;
  }

  @Override
  public int choose(int proto, int natAddr, int remoteAddr, int remotePort, int origPort, int min,
      int rangeSize, long nowNanos) {
    final long k = key(proto, remoteAddr, remotePort);
    final int[] r = rows.get(k);
    if (r == null) {
      return -1;
    }
    final int n = used.get(k);
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
