package io.nfeval.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays recorded kernel answers without root: each src/test/resources/host/kernel-* directory holds a
 * namespace snapshot and {@code route-get.txt}, lines of {@code ip route get} arguments TAB the kernel's
 * JSON answer or "ERROR message". Regenerate on purpose with
 * {@code -Dtest=KernelRoutingDifferentialTest -Dnfeval.writeGolden=src/test/resources/host} (root).
 */
class KernelGoldenTest {
  static Stream<Path> goldenDirs() throws Exception {
    List<Path> dirs = new ArrayList<>();
    try (var s = Files.list(Paths.get("src/test/resources/host"))) {
      s.filter(p -> p.getFileName().toString().startsWith("kernel-")).sorted().forEach(dirs::add);
    }
    return dirs.stream();
  }

  @ParameterizedTest
  @MethodSource("goldenDirs")
  void modelAgreesWithRecordedKernelAnswers(Path dir) throws Exception {
    HostModel host = HostModel.load(dir);
    List<KernelRoutingDifferentialTest.Query> queries = new ArrayList<>();
    List<String> answers = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("route-get.txt"))) {
      if (line.isBlank()) {
        continue;
      }
      int tab = line.indexOf('\t');
      queries.add(KernelRoutingDifferentialTest.Query.parse(line.substring(0, tab)));
      answers.add(line.substring(tab + 1));
    }
    assertThat(queries).hasSizeGreaterThan(100);
    KernelRoutingDifferentialTest.check(dir.getFileName().toString(), host, queries, answers);
  }
}
