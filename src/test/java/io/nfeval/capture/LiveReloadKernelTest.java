package io.nfeval.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nfeval.capture.LiveCaptureKernelTest.Sh;
import io.nfeval.host.SnapshotWriter;
import io.nfeval.source.LibpcapReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nfeval live --reload} on a veth pair between two namespaces it creates: pings from the peer,
 * then a broken iptables.rules (refused in one line, the run goes on), then a changed one (installed
 * at a reported packet: the unchanged rule keeps counting from where it was, the new rule starts at
 * zero), then SIGHUP (everything kept). Needs root; skips visibly without it.
 */
@Tag("kernel")
class LiveReloadKernelTest {
  private static final String HEAD = String.join("\n",
      "*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", "");
  private static final String OLD = HEAD + String.join("\n",
      "-A INPUT -p icmp -m icmp --icmp-type 8", "-A INPUT -p udp -m udp --dport 9", "COMMIT", "");
  private static final String NEW = HEAD + String.join("\n",
      "-A INPUT -p icmp", "-A INPUT -p icmp -m icmp --icmp-type 8", "COMMIT", "");
  private static final String BROKEN = HEAD + String.join("\n",
      "-A INPUT -p icmp", "-A INPUT -p tcp -m tcp --dport 70000", "COMMIT", "");


  @TempDir Path dir;

  @RegisterExtension
  static final VethNamespaces.Fixture NETS = new VethNamespaces.Fixture("live --reload test",
      "nfr", "rv", 78);

  private static void inNs(String ns, String script) {
    VethNamespaces.inNs(ns, script);
  }

  /** Replaces a file the way an editor or a deploy does: write beside it, rename over it. */
  private static void replace(Path f, String text) throws IOException {
    final Path tmp = f.resolveSibling("." + f.getFileName() + ".new");
    Files.writeString(tmp, text);
    Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static String awaitLine(Path err, Pattern p, Process live) throws Exception {
    for (int i = 0; i < 300; i++) { // up to 30 s: a loaded machine can take seconds to reload
      if (Files.exists(err)) {
        final Matcher m = p.matcher(Files.readString(err));
        if (m.find()) {
          return m.group();
        }
      }
      assertThat(live.isAlive()).as("live exited: " + (Files.exists(err) ? Files.readString(err) : ""))
          .isTrue();
      Thread.sleep(100);
    }
    throw new AssertionError("no line /" + p + "/ in: " + Files.readString(err));
  }

  private static long count(Path counters, String rule) throws IOException {
    final Matcher m = Pattern.compile("\\[(\\d+):\\d+\\] " + Pattern.quote(rule) + "\n")
        .matcher(Files.readString(counters));
    assertThat(m.find()).as(rule + " in " + Files.readString(counters)).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void reloadKeepsUnchangedCountersRefusesABrokenSnapshotAndReloadsOnSighup() throws Exception {
    assumeTrue(NETS.ready());
    final Path snap = dir.resolve("snap");
    final StringWriter w = new StringWriter();
    assertThat(new SnapshotWriter(snap, NETS.fw(), new PrintWriter(w)).write()).as(w.toString()).isTrue();
    final Path rules = snap.resolve("iptables.rules");
    replace(rules, OLD);
    final Path counters = dir.resolve("live.rules");
    final Path out = dir.resolve("live.out");
    final Path err = dir.resolve("live.err");
    final List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", NETS.fw(),
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), "io.nfeval.cli.Main", "live",
        "--iface", "rv0", "--snapshot", snap.toString(), "--reload", "--every", "200ms",
        "--timeout", "120", "--counters-out", counters.toString())); // a safety net: SIGTERM ends it
    final Process live = new ProcessBuilder(cmd).redirectOutput(out.toFile())
        .redirectError(err.toFile()).start();
    try {
      awaitLine(err, Pattern.compile("capturing on"), live);
      Thread.sleep(300);
      inNs(NETS.peer(), "ping -c 3 -i 0.2 -W 1 " + NETS.net() + ".1 >/dev/null");
      final String type8 = "-A INPUT -p icmp -m icmp --icmp-type 8";
      for (int i = 0; i < 50 && !(Files.exists(counters) && count(counters, type8) == 3); i++) {
        Thread.sleep(100);
      }
      assertThat(count(counters, type8)).isEqualTo(3);

      replace(rules, BROKEN);
      final String refused = awaitLine(err, Pattern.compile("nfeval live: reload refused.*"), live);
      assertThat(refused).contains("iptables.rules:6").contains("70000");
      Thread.sleep(500);
      assertThat(Files.readString(err)).as("refused once, not at every checkpoint")
          .containsOnlyOnce("reload refused");

      replace(rules, NEW);
      final String reloaded = awaitLine(err, Pattern.compile(
          "nfeval live: reloaded snapshot at packet \\d+: 2 rules \\(1 added, 1 removed, 1 kept counters\\)"),
          live);
      Thread.sleep(300);
      inNs(NETS.peer(), "ping -c 2 -i 0.2 -W 1 " + NETS.net() + ".1 >/dev/null");
      for (int i = 0; i < 50 && count(counters, type8) != 5; i++) {
        Thread.sleep(100);
      }
      assertThat(count(counters, type8)).as(reloaded + ": the unchanged rule counts on").isEqualTo(5);
      assertThat(count(counters, "-A INPUT -p icmp")).as("the new rule starts at zero").isEqualTo(2);

      Sh.run(List.of("kill", "-HUP", Long.toString(live.pid())), null);
      awaitLine(err, Pattern.compile("reloaded snapshot at packet \\d+: 2 rules \\(0 added, 0 removed,"
          + " 2 kept counters\\)"), live);
      Thread.sleep(300);
      assertThat(count(counters, type8)).as("SIGHUP: everything kept").isEqualTo(5);
      Sh.run(List.of("kill", "-TERM", Long.toString(live.pid())), null);
      assertThat(live.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(live.exitValue()).as(Files.readString(err)).isZero();
    } finally {
      live.destroyForcibly();
    }
  }
}
