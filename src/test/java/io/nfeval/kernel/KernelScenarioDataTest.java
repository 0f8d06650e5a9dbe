package io.nfeval.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed kernel scenario data is self-consistent: every scenario has a snapshot, an
 * NFLOG capture whose per-hook packet counts equal what the kernel's raw table counted, and
 * counters that parse. Needs neither root nor the engine.
 */
final class KernelScenarioDataTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Stream<Path> scenarios() {
    return KernelScenarios.scenarioDirs().stream();
  }

  @Test
  void everyDefinedScenarioHasCommittedData() {
    List<String> defined = KernelScenarios.scenarioDefinitions().stream()
        .map(p -> p.getFileName().toString()).toList();
    List<String> generated = KernelScenarios.scenarioDirs().stream()
        .map(p -> p.getFileName().toString()).toList();
    assertThat(defined).hasSizeGreaterThanOrEqualTo(12);
    assertThat(generated).containsExactlyElementsOf(defined);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void snapshotIsComplete(Path dir) throws IOException {
    for (String f : KernelScenarios.SNAPSHOT_FILES) {
      assertThat(dir.resolve("snapshot").resolve(f)).as(f).isRegularFile();
    }
    for (String f : List.of("ip-addr.json", "ip-route.json", "ip-rule.json")) {
      assertThat(JSON.readTree(dir.resolve("snapshot").resolve(f).toFile()).isArray()).as(f).isTrue();
    }
    assertThat(Files.readString(dir.resolve("snapshot/sysctl.txt"))).contains("net.ipv4.ip_forward = ");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void snapshotRulesetIsTheExpectedRulesetWithZeroCounters(Path dir) {
    KernelScenarios.Counters before = KernelScenarios.parse(dir.resolve("snapshot/iptables.rules"));
    KernelScenarios.Counters after = KernelScenarios.parse(dir.resolve("expected.rules"));
    assertThat(before.rules().keySet()).containsExactlyElementsOf(after.rules().keySet());
    assertThat(before.policies().keySet()).containsExactlyElementsOf(after.policies().keySet());
    assertThat(before.rules().values()).allMatch(c -> c.packets() == 0 && c.bytes() == 0);
    assertThat(before.policies().values()).allMatch(c -> c.packets() == 0 && c.bytes() == 0);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void captureIsNflogAndMatchesRawCounters(Path dir) throws IOException {
    NflogPcap.Summary s = NflogPcap.read(dir.resolve("capture.pcap"));
    JsonNode meta = JSON.readTree(dir.resolve("meta.json").toFile());
    assertThat(s.linktype()).isEqualTo(NflogPcap.LINKTYPE_NFLOG);
    assertThat(s.records()).isPositive().isEqualTo(meta.get("packets").asInt());
    assertThat(s.perHook()[0] + s.perHook()[3]).as("only PREROUTING and OUTPUT are tapped")
        .isEqualTo(s.records());
    KernelScenarios.Counters after = KernelScenarios.parse(dir.resolve("expected.rules"));
    long rawPre = entering(after, "PREROUTING");
    long rawOut = entering(after, "OUTPUT");
    // With conntrack, reassembly absorbs non-first fragments; a queue that never completes or is
    // discarded (overlapping fragments) absorbs its first fragment too (finalize.py's rule).
    long pre = s.perHook()[0];
    if (rawPre != pre && rawPre != pre - s.nonFirstFragmentsPrerouting()) {
      assertThat(rawPre).as("raw PREROUTING")
          .isBetween(pre - s.fragmentsPrerouting(), pre - s.nonFirstFragmentsPrerouting());
    }
    assertThat(rawOut).as("raw OUTPUT").isEqualTo(s.perHook()[3]);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void metaDescribesTheRun(Path dir) throws IOException {
    JsonNode meta = JSON.readTree(dir.resolve("meta.json").toFile());
    assertThat(meta.get("scenario").asText()).isEqualTo(dir.getFileName().toString());
    assertThat(meta.get("description").asText()).isNotBlank();
    assertThat(meta.get("kernel").asText()).isNotBlank();
    assertThat(meta.get("backend").asText()).isIn("nf_tables", "legacy");
    assertThat(meta.get("captureConsistent").asBoolean()).isTrue();
    // A scenario of real bulk transfers cannot repeat its packet counts; it says so, with its reason
    final boolean timingDependent = Files.isRegularFile(KernelScenarios.harnessDir().resolve("scenarios")
        .resolve(dir.getFileName().toString()).resolve("timing-dependent"));
    if (!timingDependent) {
      assertThat(meta.get("reproducible").asBoolean()).as("counters equal in two runs").isTrue();
    }
  }

  @Test
  void bundledDockerHostExampleIsTheDockerHostScenario() throws IOException {
    Path example = KernelScenarios.projectDir().resolve("config/examples/docker-host");
    Path data = KernelScenarios.dataRoot().resolve("docker-host");
    for (String f : List.of("iptables.rules", "ip-addr.json", "ip-route.json", "ip-rule.json", "sysctl.txt")) {
      assertThat(Files.mismatch(example.resolve(f), data.resolve("snapshot").resolve(f))).as(f).isEqualTo(-1L);
    }
    assertThat(Files.mismatch(example.resolve("traffic.pcap"), data.resolve("capture.pcap"))).isEqualTo(-1L);
    assertThat(Files.mismatch(example.resolve("expected.rules"), data.resolve("expected.rules"))).isEqualTo(-1L);
  }

  /**
   * Packets that entered a raw chain: its policy counter when it has no rules, otherwise the
   * counter of its first rule, which every scenario keeps match-less for this purpose.
   */
  private static long entering(KernelScenarios.Counters c, String chain) {
    return c.rules().entrySet().stream()
        .filter(e -> e.getKey().table().equals("raw") && e.getKey().chain().equals(chain))
        .findFirst()
        .map(e -> {
          assertThat(e.getKey().rule()).as("first raw rule must be match-less")
              .matches("(-m comment --comment (\"[^\"]*\"|\\S+)\\s*)?(-j .*)?");
          return e.getValue().packets();
        })
        .orElseGet(() -> c.policy("raw", chain).packets());
  }
}
