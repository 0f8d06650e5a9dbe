package io.nfeval.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nfeval.InputException;
import io.nfeval.engine.Engine;
import io.nfeval.report.Audit;
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
 * {@code nfeval audit}: replays captures through a snapshot and writes the audit report (per-rule hits,
 * rules never hit, shadowed and redundant rules, top flows per verdict, NAT translations, conntrack
 * states over time, hook volumes, assumptions) as HTML, Markdown and/or JSON, by the --out extension.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
    description = {"Firewall audit report of captured traffic through a snapshot's ruleset.",
        "--out report.html | report.md | report.json (several allowed; format by extension)."})
final class AuditCommand implements Callable<Integer> {
  @Option(names = "--snapshot", required = true, description = "Snapshot directory.")
  Path snapshot;

  @Option(names = "--pcap", description = "Capture of packets arriving at the host.")
  List<Path> pcaps = new ArrayList<>();

  @Option(names = "--local", description = "Capture of packets the host itself originated.")
  List<Path> locals = new ArrayList<>();

  @Option(names = "--in", description = "Ingress interface for captures that do not name one.")
  String in;

  @Option(names = "--out", required = true, description = "Report file: .html, .md or .json.")
  List<Path> outs = new ArrayList<>();

  @Option(names = "--rules", description = "Use this ruleset instead of the snapshot's iptables.rules.")
  Path rules;

  @Option(names = "--top", defaultValue = "20", description = "Flows listed per verdict (default 20).")
  int top;

  @Option(names = "--reader", defaultValue = "mmap", description = "Capture reader: mmap|libpcap.")
  String reader;




  @picocli.CommandLine.Mixin EvaluationOptions eval = new EvaluationOptions();

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (pcaps.isEmpty() && locals.isEmpty()) {
      throw InputException.usage("audit: give at least one --pcap or --local capture");
    }
    outs.forEach(Reports::checkFormat);
    final Engine.Options opts = eval.engineOptions();
    final Audit.Result r = Audit.run(new Audit.Request(snapshot, rules, pcaps, locals, in, eval.parseOptions(),
        opts, ReaderKind.parse(reader), Math.max(1, top)));
    final ObjectNode data = r.data();
    for (Path out : outs) {
      Reports.writeAudit(data, out);
    }
    final PrintWriter o = spec.commandLine().getOut();
    o.printf("audit: %d packets; wrote %s%n", data.path("totals").path("packets").asLong(), outs);
    o.flush();
    if (r.unknownIngress() > 0) {
      spec.commandLine().getErr().println("nfeval: " + r.unknownIngress()
          + " packets were not evaluated: their ingress interface is unknown (give --in IFACE)");
    }
    if (r.captureError() != null) {
      throw r.captureError();
    }
    return Main.EXIT_OK;
  }
}
