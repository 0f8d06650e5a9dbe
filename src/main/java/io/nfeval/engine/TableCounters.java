package io.nfeval.engine;

/**
 * Packet and byte counters of one table, indexed by entry like the kernel's per-entry
 * {@code xt_counters}. One instance per worker (single writer); reports sum them.
 */
public final class TableCounters {
  final long[] packets;
  final long[] bytes;

  public TableCounters(int entries) {
    packets = new long[entries];
    bytes = new long[entries];
  }

  void add(int entry, int len) {
    packets[entry]++;
    bytes[entry] += len;
  }

  public long packets(int entry) {
    return packets[entry];
  }

  public long bytes(int entry) {
    return bytes[entry];
  }

  /** Adds another worker's counters into this one. */
  public void addAll(TableCounters other) {
    for (int i = 0; i < packets.length; i++) {
      packets[i] += other.packets[i];
      bytes[i] += other.bytes[i];
    }
  }
}
