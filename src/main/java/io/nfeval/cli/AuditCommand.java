package io.nfeval.cli;

import io.nfeval.InputException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nfeval audit}: not available yet (issue #7); says so clearly instead of pretending. */
@Command(name = "audit", mixinStandardHelpOptions = true,
    description = {"Firewall audit report of captured traffic.", "Not available in this build yet (issue #7)."})
final class AuditCommand implements Callable<Integer> {
  @Parameters(arity = "0..*", hidden = true)
  List<String> ignored;

  @Override
  public Integer call() {
    throw InputException.usage("'nfeval audit' is not available in this build yet (issue #7)");
  }
}
