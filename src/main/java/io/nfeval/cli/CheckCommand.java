package io.nfeval.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nfeval check}: static checks of a ruleset or snapshot. */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = "Parse a ruleset or snapshot and report problems.")
final class CheckCommand implements Callable<Integer> {
  @Option(names = "--snapshot") Path snapshot;
  @Option(names = "--rules") Path rules;

  @Override
  public Integer call() {
    throw io.nfeval.InputException.usage("check: not wired yet");
  }
}
