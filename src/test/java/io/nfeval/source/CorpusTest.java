package io.nfeval.source;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Walks the whole shared capture corpus (344 files, {@code ../shared/corpus/pcaps} or
 * {@code /work/shared/corpus/pcaps}): each file must read and decode without a crash or a hang (10 s per
 * file); broken files must end in an InputException. Skips visibly when the corpus is absent.
 */
@Tag("corpus")
class CorpusTest {
  @TestFactory
  Stream<DynamicTest> everyCorpusCaptureReadsAndDecodes() {
    final Path dir = TestCaptures.corpusDir();
    Assumptions.assumeTrue(Files.isDirectory(dir),
        "shared capture corpus not found at " + dir + ": corpus test skipped");
    return TestCaptures.capturesUnder(dir).stream().map(f -> DynamicTest.dynamicTest(
        dir.relativize(f).toString(),
        () -> assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
          ResourceDecodeTest.outcome(f);
        })));
  }

  /** The mmap readers and libpcap agree on every corpus capture too (see ReaderEquivalenceTest). */
  @TestFactory
  Stream<DynamicTest> mmapAndLibpcapAgreeOnTheCorpus() {
    final Path dir = TestCaptures.corpusDir();
    Assumptions.assumeTrue(Files.isDirectory(dir),
        "shared capture corpus not found at " + dir + ": corpus test skipped");
    Assumptions.assumeTrue(LibpcapReader.available(),
        "libpcap cannot be loaded (" + LibpcapReader.version() + "): corpus equivalence skipped");
    return TestCaptures.capturesUnder(dir).stream().map(f -> DynamicTest.dynamicTest(
        dir.relativize(f).toString(),
        () -> assertTimeoutPreemptively(Duration.ofSeconds(20),
            () -> ReaderEquivalenceTest.compare(f))));
  }
}
