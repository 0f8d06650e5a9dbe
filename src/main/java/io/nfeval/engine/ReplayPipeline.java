package io.nfeval.engine;

import io.nfeval.source.CaptureReader;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Replay in stages over a ring of preallocated {@link Replayer.Slot}s: the decode stage reads captured
 * records and decodes them into slots; evaluators run them through their engines in capture order.
 *
 * <p>Why this shape. Every piece of state a packet can change (conntrack and NAT bindings, rule and
 * policy counters, limit/quota/recent state, ICMP rate limits, the bridge table) belongs to one
 * evaluator, the single writer of Agrona/Aeron's design. With conntrack or any other state a packet
 * leaves for later ones ({@link Engine#orderDependence}), there is one evaluator: packets of one
 * connection, its replies after NAT and RELATED ICMP errors meet the same state in the same order as
 * in a sequential run, and counters, verdicts, rewrites and the trace are identical for any thread
 * count by construction. What is independent of that state (reading the file, decoding every layer,
 * choosing the entry hook and ingress device and routing arrivals ahead, summing the L4 checksum
 * conntrack will verify) moves to a decode thread. On the 2-core machines nfeval is sized for, two
 * busy threads are what the hardware holds.
 *
 * <p>When packets do not depend on one another, several engines evaluate (replicas sharing the
 * compiled tables, each with its own counters, as the kernel keeps per-CPU counters beside one rule
 * blob): the decode stage marks each slot with its evaluator, by source address (which keeps each
 * ICMP rate limit in one engine); the first evaluator is also the decode stage, so that two threads
 * keep two cores busy; counters and summaries are summed at the end, and each packet's verdict is the
 * one the sequential run gives it.
 *
 * <p>The ring is single-producer over slots reused in place, so no object is handed over and nothing
 * is allocated per packet (JCTools' queues pass references, which would need a second queue to return
 * free slots). The producer and each evaluator own one sequence counter, published with a release
 * store once per batch and read with an acquire load (VarHandles), the counters 128 bytes apart so
 * they never share a cache line; a slot is free again when every evaluator has passed it. A full ring
 * stops the decode stage (back-pressure); waiting spins briefly, then yields, then parks.
 */
final class ReplayPipeline {
  static final int DEFAULT_SLOTS = 1024;
  /**
   * Slots with several evaluators: each takes the packets of its own sources, which come in bursts;
   * a deeper ring lets one run ahead instead of waiting for the other.
   */
  static final int SHARED_SLOTS = 4096;
  /** Slots published (or released) per release store. */
  private static final int BATCH = 32;
  /**
   * Prefetch distances in packets (see Replayer#prefetch): the slot and its view four ahead, the
   * header bytes and conntrack index slot two ahead, the entry and routing memo one ahead.
   */
  private static final int PREFETCH_SLOT = 4;
  private static final int PREFETCH_INDEX = 2;
  private static final int PREFETCH_ENTRY = 1;

  private static final VarHandle SEQ = MethodHandles.arrayElementVarHandle(long[].class);
  /**
   * The producer's sequence (slots published) and each evaluator's (slots it has passed), 128 bytes
   * apart: evaluator k's at {@code HEAD + k * PAD}.
   */
  private static final int PAD = 16;
  private static final int TAIL = PAD;
  private static final int HEAD = 2 * PAD;

  /** The decode stage's replayer (evaluator 0), and every evaluator's. */
  private final Replayer replayer;
  private final Replayer[] evaluators;
  private final Replayer.Slot[] slots;
  private final int mask;
  private final long[] seq;
  private volatile boolean producerDone;
  private volatile boolean cancelled;
  private volatile Throwable producerFailure;

  /**
   * With several evaluators and a trace: the trace file, to which the decode stage copies each slot's
   * lines (written there by its evaluator) when it reuses the slot, and the rest at the end.
   */
  private final java.io.OutputStream traceOut;

  /**
   * Evaluators beyond the first each take the slots the decode stage marked with their number
   * ({@link Replayer.Slot#shard}) and pass over the others; a slot is free again once every evaluator
   * has passed it. Each evaluator is the single writer of its own engine.
   */
  ReplayPipeline(Replayer[] evaluators, int slotCount, java.io.OutputStream traceOut) {
    if (traceOut != null && evaluators.length < 2) {
      throw new IllegalArgumentException("slot traces are for several evaluators");
    }
    this.traceOut = traceOut;
    if (Integer.bitCount(slotCount) != 1 || slotCount < 2 * BATCH) {
      throw new IllegalArgumentException("slot count must be a power of two >= " + 2 * BATCH);
    }
    this.replayer = evaluators[0];
    this.evaluators = evaluators;
    this.seq = new long[HEAD + (evaluators.length + 1) * PAD];
    this.slots = new Replayer.Slot[slotCount];
    for (int i = 0; i < slotCount; i++) {
      slots[i] = new Replayer.Slot();
    }
    this.mask = slotCount - 1;
  }

  /** Runs all stages to the end of the reader; returns the number of packets evaluated. */
  long run(CaptureReader reader, Replayer.Progress progress) {
    // With several evaluators, the first one is also the decode stage (see produce): on 2 cores, a
    // third busy thread would only take turns with the other two.
    final boolean decodeHere = evaluators.length > 1;
    final Thread decoder = decodeHere ? null : new Thread(() -> produce(reader, null), "nfeval-decode");
    final Thread[] others = new Thread[evaluators.length - 1];
    final Throwable[] otherFailures = new Throwable[others.length];
    for (int k = 1; k < evaluators.length; k++) {
      final int shard = k;
      others[k - 1] = new Thread(() -> {
        try {
          consume(shard, null);
        } catch (Throwable t) {
          otherFailures[shard - 1] = t;
          cancelled = true;
        }
      }, "nfeval-evaluate-" + k);
      others[k - 1].setDaemon(true);
    }
    if (decoder != null) {
      decoder.setDaemon(true);
      decoder.start();
    }
    for (Thread t : others) {
      t.start();
    }
    boolean ok = false;
    try {
      final long n = decodeHere ? produce(reader, progress) : consume(0, progress);
      ok = true;
      return n;
    } finally {
      if (!ok) {
        cancelled = true;
      }
      if (decoder != null) {
        StageThreads.join(decoder);
      }
      for (Thread t : others) {
        StageThreads.join(t);
      }
      if (ok && traceOut != null) {
        drainTraces();
      }
      Throwable f = producerFailure;
      for (Throwable t : otherFailures) {
        f = f != null ? f : t;
      }
      if (ok && f != null) {
        StageThreads.rethrow(f);
      }
    }
  }

  private void writeTrace(Replayer.Slot s) {
    try {
      traceOut.write(s.trace, 0, s.traceLen);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      s.traceLen = 0;
    }
  }

  /**
   * The lines still in slots once every evaluator is done, oldest slot first: the ring holds the last
   * packets in order from the slot after the last one filled.
   */
  private void drainTraces() {
    final long end = (long) SEQ.getAcquire(seq, TAIL);
    for (long i = Math.max(0, end - slots.length); i < end; i++) {
      final Replayer.Slot s = slots[(int) i & mask];
      if (s.traceLen > 0) {
        writeTrace(s);
      }
    }
  }

  /** How far every evaluator has got: the slots before it are free. */
  private long slowestHead() {
    long min = (long) SEQ.getAcquire(seq, HEAD);
    for (int k = 1; k < evaluators.length; k++) {
      min = Math.min(min, (long) SEQ.getAcquire(seq, HEAD + k * PAD));
    }
    return min;
  }

  /**
   * The decode stage: fills and publishes batches of slots. With several evaluators it is also
   * evaluator 0 (on the calling thread), evaluating each batch's slots marked 0 right after
   * publishing it, while they are still in its cache. Returns the number of packets read.
   */
  private long produce(CaptureReader reader, Replayer.Progress progress) {
    final boolean evaluates = evaluators.length > 1;
    final int resume = evaluates ? BATCH : slots.length / 2;
    long tail = 0;
    long headCache = 0;
    final int capacity = slots.length;
    // A streamed reader's bytes last until its next call: each slot keeps its own copy.
    final boolean copy = !reader.stableBytes();
    try {
      int idle = 0;
      while (!cancelled) {
        // Room for a batch? When full, a decode thread waits until half the ring is free: the
        // evaluator is the slower stage, so waking for every freed batch would only burn the core it
        // needs. A decode stage that also evaluates goes on as soon as a batch is free.
        if (tail + BATCH - headCache > capacity) {
          headCache = slowestHead();
          if (tail + resume - headCache > capacity) {
            idle = StageThreads.idle(idle);
            continue;
          }
        }
        idle = 0;
        int filled = 0;
        boolean more = true;
        while (filled < BATCH) {
          final Replayer.Slot s = slots[(int) (tail + filled) & mask];
          if (s.traceLen > 0) {
            writeTrace(s); // every evaluator has passed it: its lines come next in packet order
          }
          if (!reader.next(s.packet)) {
            more = false;
            break;
          }
          if (copy) {
            s.keepBytes();
          }
          s.index = tail + filled;
          replayer.prepare(s);
          filled++;
        }
        final long first = tail;
        tail += filled;
        SEQ.setRelease(seq, TAIL, tail);
        if ((tail & 4095) < BATCH) {
          replayer.readPosition = reader.position(); // for progress lines only
        }
        if (evaluates) {
          for (long i = first; i < tail; i++) {
            prefetchAhead(replayer, 0, i, tail);
            final Replayer.Slot s = slots[(int) i & mask];
            if (s.shard == 0) {
              replayer.evaluate(s);
            }
          }
          SEQ.setRelease(seq, HEAD, tail);
          if (progress != null && (tail & 4095) < BATCH) {
            progress.update(tail);
          }
        }
        if (!more) {
          break;
        }
      }
    } catch (Throwable t) {
      if (evaluates) {
        cancelled = true;
        throw t;
      }
      producerFailure = t;
    } finally {
      producerDone = true;
    }
    return tail;
  }

  /**
   * Evaluator {@code k}: evaluates the slots marked for it, in order, and passes the others.
   * Returns when the decode stage is done and every published slot is passed (or the run is
   * cancelled).
   */
  private long consume(int k, Replayer.Progress progress) {
    final Replayer ev = evaluators[k];
    final int headAt = HEAD + k * PAD;
    long head = 0;
    int idle = 0;
    while (true) {
      final long tail = (long) SEQ.getAcquire(seq, TAIL);
      if (tail == head) {
        if (producerDone || cancelled) {
          // the last batch may have been published just before the flag: look once more
          if ((long) SEQ.getAcquire(seq, TAIL) == head) {
            return head;
          }
          continue;
        }
        idle = StageThreads.idle(idle);
        continue;
      }
      idle = 0;
      while (head < tail) {
        prefetchAhead(ev, k, head, tail);
        final Replayer.Slot s = slots[(int) head & mask];
        if (s.shard == k) { // with one evaluator every slot is marked 0
          ev.evaluate(s);
        }
        head++;
        if ((head & (BATCH - 1)) == 0) {
          SEQ.setRelease(seq, headAt, head);
        }
        if (progress != null && (head & 4095) == 0) {
          progress.update(head);
        }
      }
      SEQ.setRelease(seq, headAt, head);
    }
  }

  /**
   * The prefetch stages for the packets after slot {@code at} (published up to {@code tail}) that
   * evaluator {@code k} will evaluate.
   */
  private void prefetchAhead(Replayer ev, int k, long at, long tail) {
    if (at + PREFETCH_SLOT < tail) {
      final Replayer.Slot p = slots[(int) (at + PREFETCH_SLOT) & mask];
      if (p.shard == k) {
        ev.prefetch(p, Replayer.PREFETCH_SLOT);
      }
    }
    if (at + PREFETCH_INDEX < tail) {
      final Replayer.Slot p = slots[(int) (at + PREFETCH_INDEX) & mask];
      if (p.shard == k) {
        ev.prefetch(p, Replayer.PREFETCH_INDEX);
      }
    }
    if (at + PREFETCH_ENTRY < tail) {
      final Replayer.Slot p = slots[(int) (at + PREFETCH_ENTRY) & mask];
      if (p.shard == k) {
        ev.prefetch(p, Replayer.PREFETCH_ENTRY);
      }
    }
  }
}
