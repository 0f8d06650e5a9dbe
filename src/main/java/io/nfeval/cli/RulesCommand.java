package io.nfeval.cli;

import io.nfeval.rules.ParseOptions;
import io.nfeval.rules.Ruleset;
import io.nfeval.rules.RulesetParser;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nfeval rules}: ruleset tools. */
@Command(name = "rules", mixinStandardHelpOptions = true, description = "Ruleset tools.",
    subcommands = {RulesCommand.Show.class})
final class RulesCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  /** What to do with modules nfeval does not know ({@code --unknown}). */
  enum Unknown { fail, match, nomatch;

    ParseOptions options() {
      return ParseOptions.unknown(switch (this) {
        case match -> ParseOptions.UnknownPolicy.MATCH;
        case nomatch -> ParseOptions.UnknownPolicy.NOMATCH;
        default -> ParseOptions.UnknownPolicy.FAIL;
      });
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Print a ruleset in iptables-save's canonical form.")
  static final class Show implements Callable<Integer> {
    @Option(names = "--rules", required = true, description = "iptables-save or iptables-restore file")
    Path rules;

    @Option(names = "--unknown", defaultValue = "fail",
        description = "unknown match/target modules: fail (exit 2), match or nomatch (keep the rule)")
    Unknown unknown;

    @Option(names = "--counters", negatable = true,
        description = "print [packets:bytes] before rules (default: only if the input had them)")
    Boolean counters;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      final Ruleset rs = RulesetParser.parse(rules, unknown.options());
      final boolean withCounters = counters != null ? counters : rs.hadCounters();
      spec.commandLine().getOut().print(rs.save(withCounters));
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
