package io.nfeval.bench;

import io.nfeval.engine.Engine;
import io.nfeval.engine.Snapshot;
import io.nfeval.host.NetInterface;
import io.nfeval.packet.PacketView;
import io.nfeval.rules.ParseOptions;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole per-packet path through the public engine API, {@code Engine.arrive(view, in, ts, index)}:
 * decode, routing, conntrack and NAT (stateful rulesets), every table of every hook the packet passes,
 * counters. Microseconds per packet for rulesets of 10 to 10,000 rules, stateful and stateless.
 *
 * <p>One invocation replays {@link #PACKETS} packets of a generated workload (20,000 concurrent flows) in
 * capture order through a fresh engine (built outside the timing), so conntrack sees real connections
 * from their first packet: per-packet cost includes the NEW packets' deep traversals and the
 * ESTABLISHED ones' short ones in the workload's proportions.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
public class ClassifyBenchmark {
  static final int PACKETS = 50_000;

  @Param({"10", "100", "1000", "10000"})
  public int rules;

  @Param({"false", "true"})
  public boolean stateless;

  Frames frames;
  Snapshot snapshot;
  Engine engine;
  NetInterface[] ingress;
  final PacketView view = new PacketView();

  @Setup(Level.Trial)
  public void load() throws Exception {
    frames = Frames.generate(PACKETS, 20_000, rules, stateless);
    snapshot = Snapshot.load(frames.dir.resolve("snapshot"), null, ParseOptions.DEFAULT);
    ingress = new NetInterface[frames.count];
    for (int i = 0; i < frames.count; i++) {
      view.wrap(frames.buffer, frames.offset[i], frames.length[i], frames.length[i], frames.linkType).decode();
      for (NetInterface n : snapshot.host().interfaces()) {
        if (n.mac() == view.dstMac() && !n.isLoopback()) {
          ingress[i] = n;
        }
      }
    }
  }

  @Setup(Level.Invocation)
  public void freshEngine() {
    engine = new Engine(snapshot.ruleset(), snapshot.host(), snapshot.ipsets(), new Engine.Options());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    frames.delete();
  }

  @Benchmark
  @OperationsPerInvocation(PACKETS)
  public Engine arrive() {
    final Frames f = frames;
    final Engine e = engine;
    for (int i = 0; i < f.count; i++) {
      view.wrap(f.buffer, f.offset[i], f.length[i], f.length[i], f.linkType).decode();
      e.arrive(view, ingress[i], f.ts[i], i);
    }
    return e;
  }
}
