package io.nfeval.cli;

import io.nfeval.InputException;
import io.nfeval.host.SnapshotWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nfeval snapshot OUTDIR}: records the running host's firewall and network state in a snapshot
 * directory ({@link SnapshotWriter}). Exit 0 when iptables.rules was written, 2 otherwise; every tool that
 * could not be run is named on stderr.
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
    description = {"Write a snapshot directory of the host (or a network namespace) this runs on.",
        "Files: iptables.rules (iptables-save -c), ipset.save, ip-addr.json, ip-route.json, ip-rule.json,",
        "sysctl.txt, nft-chains.json (iptables-nft) and snapshot-info.txt. Needs root for iptables-save,",
        "ipset and nft."})
final class SnapshotCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "OUTDIR", description = "Directory to write (created if missing).")
  Path outDir;

  @Option(names = "--netns", paramLabel = "NAME",
      description = "Snapshot the network namespace NAME (runs each tool through 'ip netns exec NAME').")
  String netns;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    try {
      boolean rules = new SnapshotWriter(outDir, netns, spec.commandLine().getErr()).write();
      spec.commandLine().getErr().flush();
      return rules ? Main.EXIT_OK : Main.EXIT_BAD_INPUT;
    } catch (IOException e) {
      throw InputException.ofFile(outDir, "cannot write snapshot: " + e.getMessage(), e);
    }
  }
}
