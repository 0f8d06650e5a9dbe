package io.nfeval.engine;

import io.nfeval.source.CaptureReader;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Replay in two stages: a decode thread reads captured records and decodes them into a ring of
 * preallocated {@link Replayer.Slot}s; the calling thread evaluates them in capture order.
 *
 * <p>Why this shape. Every piece of state a packet can change (conntrack and NAT bindings, rule and
 * policy counters, limit/quota/recent state, ICMP rate limits, the bridge table) belongs to the one
 * evaluator, the single writer of Agrona/Aeron's design: packets of one connection, its replies after
 * NAT and RELATED ICMP errors therefore meet the same state in the same order as in a sequential run,
 * and counters, verdicts, rewrites and the trace are identical for any thread count, by construction
 * rather than by merging. What is independent of that state (reading the file, decoding every layer,
 * choosing the entry hook and ingress device, summing the L4 checksum conntrack will verify) moves to
 * the decode thread. On the 2-core machines nfeval is sized for, two busy threads are what the
 * hardware holds.
 *
 * <p>The ring is single-producer single-consumer over slots reused in place, so no object is handed
 * over and nothing is allocated per packet (JCTools' queues pass references, which would need a
 * second queue to return free slots). Each side owns one sequence counter, published with a release
 * store once per batch and read with an acquire load (VarHandles), the counters 128 bytes apart so
 * they never share a cache line. A full ring stops the decode thread (back-pressure); waiting spins
 * briefly, then yields, then parks.
 */
final class ReplayPipeline {
  static final int DEFAULT_SLOTS = 1024;
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
  /** The producer's sequence (slots published) and the consumer's (slots released), padded apart. */
  private static final int TAIL = 16;
  private static final int HEAD = 32;

  private final Replayer replayer;
  private final Replayer.Slot[] slots;
  private final int mask;
  private final long[] seq = new long[48];
  private volatile boolean producerDone;
  private volatile boolean cancelled;
  private volatile Throwable producerFailure;

  ReplayPipeline(Replayer replayer, int slotCount) {
    if (Integer.bitCount(slotCount) != 1 || slotCount < 2 * BATCH) {
      throw new IllegalArgumentException("slot count must be a power of two >= " + 2 * BATCH);
    }
    this.replayer = replayer;
    this.slots = new Replayer.Slot[slotCount];
    for (int i = 0; i < slotCount; i++) {
      slots[i] = new Replayer.Slot();
    }
    this.mask = slotCount - 1;
  }

  /** Runs both stages to the end of the reader; returns the number of packets evaluated. */
  long run(CaptureReader reader, Replayer.Progress progress) {
    final Thread decoder = new Thread(() -> produce(reader), "nfeval-decode");
    decoder.setDaemon(true);
    decoder.start();
    boolean ok = false;
    try {
      final long n = consume(progress);
      ok = true;
      return n;
    } finally {
      if (!ok) {
        cancelled = true;
      }
      joinQuietly(decoder);
      final Throwable f = producerFailure;
      if (ok && f != null) {
        if (f instanceof RuntimeException) {
          throw (RuntimeException) f;
        }
        if (f instanceof Error) {
          throw (Error) f;
        }
        throw new IllegalStateException(f);
      }
    }
  }

  private void produce(CaptureReader reader) {
    long tail = 0;
    long headCache = 0;
    final int capacity = slots.length;
    try {
      int idle = 0;
      while (!cancelled) {
        // Room for a batch? When full, wait until half the ring is free: the evaluator is the
        // slower stage, so waking for every freed batch would only burn the core it needs.
        if (tail + BATCH - headCache > capacity) {
          headCache = (long) SEQ.getAcquire(seq, HEAD);
          if (tail + capacity / 2 - headCache > capacity) {
            idle = idle(idle);
            continue;
          }
        }
        idle = 0;
        int filled = 0;
        boolean more = true;
        while (filled < BATCH) {
          final Replayer.Slot s = slots[(int) (tail + filled) & mask];
          if (!reader.next(s.packet)) {
            more = false;
            break;
          }
          s.index = tail + filled;
          replayer.prepare(s);
          filled++;
        }
        tail += filled;
        SEQ.setRelease(seq, TAIL, tail);
        if ((tail & 4095) < BATCH) {
          replayer.readPosition = reader.position(); // for progress lines only
        }
        if (!more) {
          break;
        }
      }
    } catch (Throwable t) {
      producerFailure = t;
    } finally {
      producerDone = true;
    }
  }

  private long consume(Replayer.Progress progress) {
    long head = 0;
    int idle = 0;
    while (true) {
      final long tail = (long) SEQ.getAcquire(seq, TAIL);
      if (tail == head) {
        if (producerDone) {
          // the last batch may have been published just before the flag: look once more
          if ((long) SEQ.getAcquire(seq, TAIL) == head) {
            return head;
          }
          continue;
        }
        idle = idle(idle);
        continue;
      }
      idle = 0;
      while (head < tail) {
        if (head + PREFETCH_SLOT < tail) {
          replayer.prefetch(slots[(int) (head + PREFETCH_SLOT) & mask], Replayer.PREFETCH_SLOT);
        }
        if (head + PREFETCH_INDEX < tail) {
          replayer.prefetch(slots[(int) (head + PREFETCH_INDEX) & mask], Replayer.PREFETCH_INDEX);
        }
        if (head + PREFETCH_ENTRY < tail) {
          replayer.prefetch(slots[(int) (head + PREFETCH_ENTRY) & mask], Replayer.PREFETCH_ENTRY);
        }
        replayer.evaluate(slots[(int) head & mask]);
        head++;
        if ((head & (BATCH - 1)) == 0) {
          SEQ.setRelease(seq, HEAD, head);
        }
        if (progress != null && (head & 4095) == 0) {
          progress.update(head);
        }
      }
      SEQ.setRelease(seq, HEAD, head);
    }
  }

  /** Spin, then yield, then park: the other stage is usually only a moment behind. */
  private static int idle(int n) {
    if (n < 32) {
      Thread.onSpinWait();
    } else if (n < 40) {
      Thread.yield();
    } else {
      LockSupport.parkNanos(n < 60 ? 10_000 : 100_000);
    }
    return n + 1;
  }

  private static void joinQuietly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
