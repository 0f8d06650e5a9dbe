package io.nfeval.cli;

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

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Print a ruleset in iptables-save's canonical form.")
  static final class Show implements Callable<Integer> {
    @Option(names = "--rules", required = true) Path rules;

    @Override
    public Integer call() {
      throw io.nfeval.InputException.usage("rules show: not wired yet");
    }
  }
}
