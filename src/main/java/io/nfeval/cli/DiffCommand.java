package io.nfeval.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.nfeval.engine.Engine;
import io.nfeval.report.Diff;
import io.nfeval.report.Reports;
import io.nfeval.source.ReaderKind;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nfeval diff}: replays the same captures against the snapshot's ruleset and a proposed one and
 * reports every flow whose verdict or NAT rewrite changes, the rules added/removed/moved, and a static
 * diff of the filter table. Exit 1 when anything changed, 0 when not — a gate for firewall changes in CI.
 */
@Command(name = "diff", mixinStandardHelpOptions = true,
    description = {"What-if diff of a proposed ruleset on captured traffic and over the header space.",
        "Exit 1 when anything changed, 0 when not, 2 on bad input."})
final class DiffCommand implements Callable<Integer> {
  @Option(names = "--snapshot", required = true, description = "Snapshot directory (current ruleset: its"
      + " iptables.rules).")
  Path snapshot;

  @Option(names = "--rules", required = true, description = "The proposed ruleset (iptables-save form).")
  Path rules;

  @Option(names = "--pcap", description = "Capture of packets arriving at the host.")
  List<Path> pcaps = new ArrayList<>();

  @Option(names = "--local", description = "Capture of packets the host itself originated.")
  List<Path> locals = new ArrayList<>();

  @Option(names = "--in", description = "Ingress interface for captures that do not name one.")
  String in;

  @Option(names = "--out", description = "Report file: .html, .md or .json (several allowed). Without it"
      + " the Markdown report goes to standard output.")
  List<Path> outs = new ArrayList<>();

  @Option(names = "--reader", defaultValue = "mmap", description = "Capture reader: mmap|libpcap.")
  String reader;




  @picocli.CommandLine.Mixin EvaluationOptions eval = new EvaluationOptions();

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    outs.forEach(Reports::checkFormat);
    final Engine.Options opts = eval.engineOptions();
    final Diff.Result r = Diff.run(new Diff.Request(snapshot, rules, pcaps, locals, in, eval.parseOptions(), opts,
        ReaderKind.parse(reader)));
    final JsonNode data = r.data();
    final PrintWriter out = spec.commandLine().getOut();
    if (outs.isEmpty()) {
      out.print(Reports.renderDiff(data, "md"));
    } else {
      for (Path p : outs) {
        Reports.writeDiff(data, p);
      }
      out.printf("diff: %s; %d of %d packets change, %d rules added, %d removed, %d moved, %d static regions;"
          + " wrote %s%n", r.changed() ? "changes found" : "no change",
          data.path("traffic").path("changedPackets").asLong(), data.path("traffic").path("packets").asLong(),
          data.path("rules").path("added").size(), data.path("rules").path("removed").size(),
          data.path("rules").path("moved").size(), data.path("static").path("regions").size(), outs);
    }
    out.flush();
    if (r.captureError() != null) {
      throw r.captureError();
    }
    return r.changed() ? 1 : Main.EXIT_OK;
  }
}
