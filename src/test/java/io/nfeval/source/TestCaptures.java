package io.nfeval.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Locates the test captures (src/test/resources/pcaps) and the shared corpus. */
public final class TestCaptures {
  private TestCaptures() {}

  public static Path projectDir() {
    return Paths.get(System.getProperty("nfeval.projectDir", ".")).toAbsolutePath().normalize();
  }

  public static Path resourceDir() {
    return projectDir().resolve("src/test/resources/pcaps");
  }

  /** The shared corpus: ../shared/corpus/pcaps relative to the project, or /work/shared/corpus/pcaps. */
  public static Path corpusDir() {
    final Path rel = projectDir().resolve("../shared/corpus/pcaps").normalize();
    if (Files.isDirectory(rel)) {
      return rel;
    }
    return Paths.get("/work/shared/corpus/pcaps");
  }

  public static List<Path> capturesUnder(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> {
            final String n = p.getFileName().toString();
            return n.endsWith(".pcap") || n.endsWith(".pcapng");
          })
          .sorted()
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
