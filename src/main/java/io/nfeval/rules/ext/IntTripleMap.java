package io.nfeval.rules.ext;

/**
 * An open-addressing map from three ints to a value, with linear probing and backward-shift deletion:
 * the per-key tables of stateful matches (hashlimit buckets) look up and update entries without
 * allocating a key object per packet.
 */
final class IntTripleMap<V> {
  private int[] a;
  private int[] b;
  private int[] c;
  private Object[] values;
  private int size;

  IntTripleMap() {
    alloc(16);
  }

  private void alloc(int cap) {
    a = new int[cap];
    b = new int[cap];
    c = new int[cap];
    values = new Object[cap];
  }

  private static int hash(int x, int y, int z) {
    int h = x * 0x9E3779B1 + y * 0x85EBCA77 + z * 0xC2B2AE3D;
    return h ^ (h >>> 15);
  }

  private int index(int x, int y, int z) {
    final int mask = values.length - 1;
    int i = hash(x, y, z) & mask;
    while (values[i] != null) {
      if (a[i] == x && b[i] == y && c[i] == z) {
        return i;
      }
      i = (i + 1) & mask;
    }
    return -1 - i;
  }

  @SuppressWarnings("unchecked")
  V get(int x, int y, int z) {
    final int i = index(x, y, z);
    return i >= 0 ? (V) values[i] : null;
  }

  void put(int x, int y, int z, V v) {
    int i = index(x, y, z);
    if (i >= 0) {
      values[i] = v;
      return;
    }
    if ((size + 1) * 2 > values.length) {
      grow();
      i = index(x, y, z);
    }
    i = -1 - i;
    a[i] = x;
    b[i] = y;
    c[i] = z;
    values[i] = v;
    size++;
  }

  void remove(int x, int y, int z) {
    int i = index(x, y, z);
    if (i < 0) {
      return;
    }
    final int mask = values.length - 1;
    values[i] = null;
    size--;
    // Backward-shift the rest of the probe run so lookups need no tombstones.
    int j = (i + 1) & mask;
    while (values[j] != null) {
      final int home = hash(a[j], b[j], c[j]) & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        a[i] = a[j];
        b[i] = b[j];
        c[i] = c[j];
        values[i] = values[j];
        values[j] = null;
        i = j;
      }
      j = (j + 1) & mask;
    }
  }

  int size() {
    return size;
  }

  private void grow() {
    final int[] oa = a;
    final int[] ob = b;
    final int[] oc = c;
    final Object[] ov = values;
    alloc(ov.length * 2);
    size = 0;
    for (int i = 0; i < ov.length; i++) {
      if (ov[i] != null) {
        @SuppressWarnings("unchecked")
        final V v = (V) ov[i];
        put(oa[i], ob[i], oc[i], v);
      }
    }
  }
}
