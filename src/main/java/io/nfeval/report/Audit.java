package io.nfeval.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nfeval.InputException;
import io.nfeval.engine.Engine;
import io.nfeval.engine.ReplaySummary;
import io.nfeval.engine.Replayer;
import io.nfeval.engine.Snapshot;
import io.nfeval.rules.ParseOptions;
import io.nfeval.source.PacketOrigins;
import io.nfeval.source.ReaderKind;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code nfeval audit}: replays captures through a snapshot with tracing on and collects the audit
 * report's data ({@link AuditCollector}); the renderers ({@link Reports}) write it as JSON, Markdown or
 * HTML.
 */
public final class Audit {
  /** What to audit. {@code engineOptions}: back end, assumptions; tracing is switched on here. */
  public record Request(Path snapshot, Path rulesOverride, List<Path> pcaps, List<Path> locals, String in,
      ParseOptions parse, Engine.Options engineOptions, ReaderKind reader, int topN) {
  }

  /** The report data, and the error of a broken capture (everything before it is in the data). */
  public record Result(ObjectNode data, InputException captureError, long unknownIngress) {
  }

  private Audit() {
  }

  public static Result run(Request q) {
    final Snapshot snap = Snapshot.load(q.snapshot(), q.rulesOverride(), q.parse());
    final Engine.Options opts = q.engineOptions() == null ? new Engine.Options() : q.engineOptions();
    opts.trace = true;
    if (!q.locals().isEmpty()) {
      opts.generateAnswers = false; // the host's own answers are in the --local capture already
    }
    final Engine engine = new Engine(snap.ruleset(), snap.host(), snap.ipsets(), opts);
    final AuditCollector collector = new AuditCollector(engine);
    final ReplaySummary summary = new ReplaySummary();
    engine.setListener(collector);
    engine.setNatObserver(collector);
    final Replayer replayer = new Replayer(engine, PacketOrigins.fromSnapshot(q.snapshot(), q.in()),
        q.pcaps().size(), summary, null);
    final InputException err = Replays.run(Replays.files(q.pcaps(), q.locals()), q.reader(), engine, replayer);
    final AuditCollector.Inputs inputs = new AuditCollector.Inputs(name(q.snapshot()),
        q.pcaps().stream().map(Audit::name).toList(), q.locals().stream().map(Audit::name).toList());
    final ObjectNode data = collector.toJson(inputs, snap.ruleset(), replayer.decodeSummary(),
        summary.notEvaluatedByReason(), replayer.unknownIngress(), q.topN());
    return new Result(data, err, replayer.unknownIngress());
  }

  static String name(Path p) {
    final Path abs = p.toAbsolutePath().normalize();
    return abs.getFileName() == null ? abs.toString() : abs.getFileName().toString();
  }
}
