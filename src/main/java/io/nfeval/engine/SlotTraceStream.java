package io.nfeval.engine;

import java.io.OutputStream;

/**
 * Where an evaluator's {@link TraceWriter} puts its lines when several evaluators share a replay: the
 * bytes of the slot being evaluated. The decode stage copies each slot's lines to the trace file when
 * it reuses the slot (every evaluator has passed it by then), so the file holds the lines in packet
 * order, as one evaluator would write them. A slot's buffer grows to its largest packet's lines and is
 * then reused: nothing is allocated per packet.
 */
final class SlotTraceStream extends OutputStream {
  /** The slot the evaluator is working on. */
  Replayer.Slot slot;

  @Override
  public void write(int b) {
    final Replayer.Slot s = slot;
    room(s, 1);
    s.trace[s.traceLen++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    final Replayer.Slot s = slot;
    room(s, len);
    System.arraycopy(b, off, s.trace, s.traceLen, len);
    s.traceLen += len;
  }

  private static void room(Replayer.Slot s, int more) {
    if (s.traceLen + more > s.trace.length) {
      s.trace = java.util.Arrays.copyOf(s.trace, Math.max(2 * s.trace.length, s.traceLen + more));
    }
  }
}
