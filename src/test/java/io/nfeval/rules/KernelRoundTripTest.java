package io.nfeval.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The kernel is the ground truth for the canonical form: each test ruleset is loaded with
 * {@code iptables-restore} into a fresh network namespace, read back with {@code iptables-save} and
 * compared with nfeval's print (header comments and counters ignored). Needs root, {@code ip netns}
 * and the iptables tools; skips visibly otherwise.
 */
@Tag("kernel")
class KernelRoundTripTest {
  /** Files where nfeval deliberately differs, with the reason. */
  static final Map<String, String> KNOWN = Map.of("iptables__testconfigs__unsupported_command",
      "iptables-restore stops at '-h' (help, exit 0) before COMMIT, so it loads nothing; nfeval refuses the"
          + " --check/--list commands, which are invalid in restore input");

  private static String run(String stdin, String... cmd) throws IOException, InterruptedException {
    final ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    final Process p = pb.start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timeout: " + String.join(" ", cmd));
    }
    return p.exitValue() == 0 ? out : null;
  }

  private static boolean available(String tool) {
    return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
  }

  /** Tables of an iptables-save text, counters zeroed and comments dropped, by table name. */
  static Map<String, List<String>> normalize(String text) {
    final Map<String, List<String>> out = new TreeMap<>();
    List<String> cur = null;
    for (String l : text.split("\n")) {
      String s = l.strip();
      if (s.isEmpty() || s.startsWith("#")) {
        continue;
      }
      s = s.replaceAll("\\[\\d+:\\d+\\]", "[0:0]");
      if (s.startsWith("[0:0] ")) {
        s = s.substring(6);
      }
      if (s.startsWith("*")) {
        cur = new ArrayList<>();
        out.put(s, cur);
      } else if (cur != null) {
        cur.add(s);
      }
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"iptables-nft", "iptables-legacy"})
  void kernelPrintsWhatNfevalPrints(String backend) throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root: skipped");
    Assumptions.assumeTrue(available("ip") || Files.isExecutable(Path.of("/usr/bin/ip")), "no ip tool: skipped");
    Assumptions.assumeTrue(available(backend + "-restore"), backend + " not installed: skipped");
    final List<Path> files = new ArrayList<>(CorpusRulesetsTest.files());
    final Path own = Path.of(KernelRoundTripTest.class.getResource("/rules/kernel").toURI());
    try (var s = Files.list(own)) {
      s.filter(p -> p.toString().endsWith(".rules")).sorted().forEach(files::add);
    }
    final String ns = "nfeval-rt-" + ProcessHandle.current().pid();
    int same = 0;
    int refusedBoth = 0;
    int skipped = 0;
    final List<String> diffs = new ArrayList<>();
    for (Path f : files) {
      final CorpusSupport.Result r = CorpusSupport.classify(f);
      final String text = Files.readString(f);
      if (KNOWN.containsKey(f.getFileName().toString()) || text.contains("-m nfacct") || text.contains("-m set")
          || text.contains("-j SET")) {
        skipped++;
        continue; // depends on kernel objects (nfacct, ipsets) or a documented quirk
      }
      Assumptions.assumeTrue(run(null, "ip", "netns", "add", ns) != null, "cannot create a netns: skipped");
      try {
        final String loaded = run(Files.readString(f), "ip", "netns", "exec", ns, backend + "-restore");
        final boolean nfevalRefuses = r.ruleset() == null || !r.ruleset().diagnostics().stream()
            .filter(d -> d.message().startsWith("jump to missing chain")
                || d.kind() == Diagnostic.Kind.REFUSED_BY_RESTORE).toList().isEmpty();
        if (loaded == null) {
          if (nfevalRefuses) {
            refusedBoth++;
          } else {
            diffs.add(f.getFileName() + ": kernel refuses, nfeval accepts");
          }
          continue;
        }
        if (r.ruleset() == null) {
          diffs.add(f.getFileName() + ": kernel accepts, nfeval refuses: " + r.message());
          continue;
        }
        final String saved = run(null, "ip", "netns", "exec", ns, backend + "-save");
        final Map<String, List<String>> kernel = normalize(saved);
        final Map<String, List<String>> ours = normalize(r.ruleset().save(false));
        kernel.keySet().retainAll(ours.keySet());
        if (kernel.equals(ours)) {
          same++;
        } else {
          final StringBuilder d = new StringBuilder(f.getFileName() + ":");
          for (String t : ours.keySet()) {
            final List<String> k = kernel.getOrDefault(t, List.of());
            final List<String> o = ours.get(t);
            for (int i = 0; i < Math.max(k.size(), o.size()); i++) {
              final String a = i < k.size() ? k.get(i) : "<none>";
              final String b = i < o.size() ? o.get(i) : "<none>";
              if (!a.equals(b)) {
                d.append("\n    kernel: ").append(a).append("\n    nfeval: ").append(b);
                break;
              }
            }
          }
          diffs.add(d.toString());
        }
      } finally {
        run(null, "ip", "netns", "del", ns);
      }
    }
    System.out.println(backend + " round trip: identical=" + same + " refused-by-both=" + refusedBoth + " skipped=" + skipped
        + " differ=" + diffs.size());
    diffs.forEach(d -> System.out.println("  DIFF " + d));
    assertThat(diffs).isEmpty();
  }
}
