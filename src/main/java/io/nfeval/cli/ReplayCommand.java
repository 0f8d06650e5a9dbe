package io.nfeval.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nfeval replay}: replays captures through the host's firewall. */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Replay captures through the snapshot's netfilter hooks.")
final class ReplayCommand implements Callable<Integer> {
  @Option(names = "--snapshot", description = "Snapshot directory (iptables.rules, ip-addr.json, ...).")
  Path snapshot;

  @Option(names = "--pcap", description = "Capture of packets arriving at the host (pcap or pcapng).")
  List<Path> pcaps = new ArrayList<>();

  @Option(names = "--local", description = "Capture of packets the host itself originated.")
  List<Path> locals = new ArrayList<>();

  @Option(names = "--in", description = "Ingress interface for captures that do not name one.")
  String in;

  @Option(names = "--counters-out", description = "Write predicted counters in iptables-save -c form.")
  Path countersOut;

  @Option(names = "--trace-out", description = "Write one JSON object per packet (JSON Lines).")
  Path traceOut;

  @Option(names = "--threads", defaultValue = "1", description = "Evaluation threads.")
  int threads;

  @Option(names = "--reader", defaultValue = "mmap", description = "Capture reader: mmap|libpcap.")
  String reader;

  @Override
  public Integer call() {
    throw io.nfeval.InputException.usage("replay: not wired yet");
  }
}
