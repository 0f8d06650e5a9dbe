package io.nfeval.cli;

import io.nfeval.InputException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nfeval snapshot}: not available yet (issue #6); says so clearly instead of pretending. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
    description = {"Write a snapshot directory of the host this runs on.", "Not available in this build yet (issue #6)."})
final class SnapshotCommand implements Callable<Integer> {
  @Parameters(arity = "0..*", hidden = true)
  List<String> ignored;

  @Override
  public Integer call() {
    throw InputException.usage("'nfeval snapshot' is not available in this build yet (issue #6)");
  }
}
