package io.nfeval.cli;

import io.nfeval.InputException;
import io.nfeval.rules.RulesetChecker;
import io.nfeval.rules.Ruleset;
import io.nfeval.rules.RulesetParser;
import io.nfeval.ipset.IpsetParser;
import io.nfeval.ipset.IpsetRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nfeval check}: static checks of a ruleset or snapshot. One line per finding,
 * {@code FILE:LINE: what}; exit 0 when clean, 1 with findings, 2 when input is unreadable.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = "Parse a ruleset or snapshot and report problems.")
final class CheckCommand implements Callable<Integer> {
  @Option(names = "--snapshot", description = "snapshot directory (iptables.rules, ipset.save, ip-addr.json)")
  Path snapshot;

  @Option(names = "--rules", description = "iptables-save / iptables-restore file")
  Path rules;

  @Option(names = "--unknown", defaultValue = "nomatch",
      description = "unknown modules: reported as findings and assumed to match or not (default nomatch);"
          + " 'fail' stops at the first one with exit 2")
  RulesCommand.Unknown unknown;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if ((snapshot == null) == (rules == null)) {
      throw InputException.usage("check: give exactly one of --snapshot DIR or --rules FILE");
    }
    final Path rulesFile = rules != null ? rules : snapshot.resolve("iptables.rules");
    final Ruleset rs = RulesetParser.parse(rulesFile, unknown.options());
    IpsetRegistry sets = null;
    Set<String> ifaces = null;
    if (snapshot != null) {
      final Path ipset = snapshot.resolve("ipset.save");
      sets = Files.exists(ipset) ? IpsetParser.parse(ipset) : new IpsetRegistry(List.of());
      final Path addr = snapshot.resolve("ip-addr.json");
      if (Files.exists(addr)) {
        ifaces = interfaces(addr);
      }
    }
    final List<String> findings = RulesetChecker.check(rs, sets == null ? null : sets.names(), ifaces);
    findings.forEach(spec.commandLine().getOut()::println);
    spec.commandLine().getOut().flush();
    return findings.isEmpty() ? 0 : 1;
  }

  /** Interface names from {@code ip -j addr} output (the "ifname" fields). */
  static Set<String> interfaces(Path file) {
    final com.fasterxml.jackson.databind.JsonNode root = io.nfeval.JsonFiles.read(file);
    if (!root.isArray()) {
      throw InputException.ofFile(file, "expected a JSON array (ip -j addr)", null);
    }
    final Set<String> out = new LinkedHashSet<>();
    for (com.fasterxml.jackson.databind.JsonNode n : root) {
      if (n.hasNonNull("ifname")) {
        out.add(n.get("ifname").asText());
      }
    }
    return out;
  }
}
