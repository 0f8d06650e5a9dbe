package io.nfeval.bench;

import io.nfeval.packet.PacketView;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code PacketView.wrap(...).decode()} over the workload's frame mix (Ethernet/IPv4; TCP with and without
 * options, UDP, ICMP; IMIX sizes): nanoseconds per packet. Decode is the first step of every replayed
 * packet, so it bounds the replay rate from above.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class DecodeBenchmark {
  static final int BATCH = 65536;

  Frames frames;
  final PacketView view = new PacketView();

  @Setup
  public void setup() throws Exception {
    frames = Frames.generate(BATCH, 5000, 100, false);
  }

  @TearDown
  public void tearDown() throws Exception {
    frames.delete();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long decode() {
    final Frames f = frames;
    long acc = 0;
    for (int i = 0; i < f.count; i++) {
      acc += view.wrap(f.buffer, f.offset[i], f.length[i], f.length[i], f.linkType).decode();
      acc += view.dstAddr();
    }
    return acc;
  }
}
