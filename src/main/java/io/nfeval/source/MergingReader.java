package io.nfeval.source;

import io.nfeval.InputException;
import java.nio.file.Path;
import java.util.List;

/**
 * Merges several readers by time stamp, stable for ties: among packets with equal time stamps the one
 * from the earlier input comes first, and each input keeps its own order (a k-way merge, like
 * {@code mergecap} without reordering within a file). An input that fails stops contributing; the
 * others are read to the end, then {@link #error()} returns the first failure.
 */
public final class MergingReader implements CaptureReader {
  private final CaptureReader[] inputs;
  private final CapturedPacket[] heads;
  private final boolean[] has;
  private boolean primed;
  /**
   * The input whose head was handed out last: it is advanced at the next call, not right away, so that
   * a streamed input's bytes stay valid until then ({@link CaptureReader#stableBytes()}).
   */
  private int handedOut = -1;

  public MergingReader(List<? extends CaptureReader> readers) {
    this.inputs = readers.toArray(new CaptureReader[0]);
    this.heads = new CapturedPacket[inputs.length];
    this.has = new boolean[inputs.length];
    for (int i = 0; i < heads.length; i++) {
      heads[i] = new CapturedPacket();
    }
  }

  @Override
  public boolean next(CapturedPacket into) {
    if (!primed) {
      for (int i = 0; i < inputs.length; i++) {
        has[i] = inputs[i].next(heads[i]);
      }
      primed = true;
    } else if (handedOut >= 0) {
      has[handedOut] = inputs[handedOut].next(heads[handedOut]);
    }
    handedOut = -1;
    int best = -1;
    for (int i = 0; i < inputs.length; i++) {
      if (has[i] && (best < 0 || heads[i].tsNanos() < heads[best].tsNanos())) {
        best = i;
      }
    }
    if (best < 0) {
      return false;
    }
    into.copyFrom(heads[best]);
    handedOut = best;
    return true;
  }

  @Override
  public boolean stableBytes() {
    for (CaptureReader r : inputs) {
      if (!r.stableBytes()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public InputException error() {
    for (CaptureReader r : inputs) {
      if (r.error() != null) {
        return r.error();
      }
    }
    return null;
  }

  @Override
  public Path file() {
    return inputs.length > 0 ? inputs[0].file() : null;
  }

  @Override
  public long position() {
    long p = 0;
    for (CaptureReader r : inputs) {
      if (r.position() < 0) {
        return -1;
      }
      p += r.position();
    }
    return p;
  }

  @Override
  public long size() {
    long s = 0;
    for (CaptureReader r : inputs) {
      if (r.size() < 0) {
        return -1;
      }
      s += r.size();
    }
    return s;
  }

  @Override
  public void close() {
    for (CaptureReader r : inputs) {
      r.close();
    }
  }
}
