package io.nfeval.cli;

import io.nfeval.InputException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nfeval live}: not available yet (issue #6); says so clearly instead of pretending. */
@Command(name = "live", mixinStandardHelpOptions = true,
    description = {"Watch a live interface (libpcap) and evaluate its traffic.", "Not available in this build yet (issue #6)."})
final class LiveCommand implements Callable<Integer> {
  @Parameters(arity = "0..*", hidden = true)
  List<String> ignored;

  @Override
  public Integer call() {
    throw InputException.usage("'nfeval live' is not available in this build yet (issue #6)");
  }
}
