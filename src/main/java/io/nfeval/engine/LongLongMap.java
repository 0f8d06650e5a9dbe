package io.nfeval.engine;

/** A small open-addressing long → long map (no boxing), in the style of Agrona's primitive maps. */
public final class LongLongMap {
  private long[] keys;
  private long[] values;
  private boolean[] used;
  private int size;
  private final long missing;

  public LongLongMap(long missingValue) {
    this.missing = missingValue;
    keys = new long[64];
    values = new long[64];
    used = new boolean[64];
  }

  private static int hash(long k) {
    long h = k * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }

  public long get(long key) {
    final int mask = keys.length - 1;
    int i = hash(key) & mask;
    while (used[i]) {
      if (keys[i] == key) {
        return values[i];
      }
      i = (i + 1) & mask;
    }
    return missing;
  }

  public void put(long key, long value) {
    if ((size + 1) * 2 > keys.length) {
      grow();
    }
    final int mask = keys.length - 1;
    int i = hash(key) & mask;
    while (used[i]) {
      if (keys[i] == key) {
        values[i] = value;
        return;
      }
      i = (i + 1) & mask;
    }
    used[i] = true;
    keys[i] = key;
    values[i] = value;
    size++;
  }

  public int size() {
    return size;
  }

  private void grow() {
    final long[] k = keys;
    final long[] v = values;
    final boolean[] u = used;
    keys = new long[k.length * 2];
    values = new long[k.length * 2];
    used = new boolean[k.length * 2];
    size = 0;
    for (int i = 0; i < k.length; i++) {
      if (u[i]) {
        put(k[i], v[i]);
      }
    }
  }
}
