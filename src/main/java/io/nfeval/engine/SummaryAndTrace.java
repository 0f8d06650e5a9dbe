package io.nfeval.engine;

/**
 * The replay's listener when it writes a trace: each packet goes to the summary, then to the trace.
 * A class of its own (not a lambda) so that {@link Replayer#parallelObstacle} can tell it from any
 * other listener: this pair may be split over several evaluators, each with its own of both.
 */
public final class SummaryAndTrace implements Engine.PacketListener {
  final ReplaySummary summary;
  final TraceWriter trace;

  public SummaryAndTrace(ReplaySummary summary, TraceWriter trace) {
    this.summary = summary;
    this.trace = trace;
  }

  @Override
  public void packetDone(Skb skb, Disposition d, PacketInfo info) {
    summary.packetDone(skb, d, info);
    trace.packetDone(skb, d, info);
  }
}
