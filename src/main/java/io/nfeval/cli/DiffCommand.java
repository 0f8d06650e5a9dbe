package io.nfeval.cli;

import io.nfeval.InputException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nfeval diff}: not available yet (issue #7); says so clearly instead of pretending. */
@Command(name = "diff", mixinStandardHelpOptions = true,
    description = {"What-if diff of a proposed ruleset on captured traffic.", "Not available in this build yet (issue #7)."})
final class DiffCommand implements Callable<Integer> {
  @Parameters(arity = "0..*", hidden = true)
  List<String> ignored;

  @Override
  public Integer call() {
    throw InputException.usage("'nfeval diff' is not available in this build yet (issue #7)");
  }
}
