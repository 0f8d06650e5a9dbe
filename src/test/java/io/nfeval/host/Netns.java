package io.nfeval.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** A throw-away network namespace for kernel-differential tests; root only, deleted on close. */
final class Netns implements AutoCloseable {
  final String name;

  private Netns(String name) {
    this.name = name;
  }

  /** Skips the calling test visibly unless running as root with iproute2. */
  static void assumeRoot() {
    Result id = run(null, List.of("id", "-u"));
    Assumptions.assumeTrue(id.rc == 0 && id.out.strip().equals("0"),
        "kernel-differential test needs root (network namespaces); skipped");
    Result ip = run(null, List.of("ip", "-V"));
    Assumptions.assumeTrue(ip.rc == 0, "kernel-differential test needs iproute2 'ip'; skipped");
  }

  static Netns create(String tag) {
    String name = "nfh" + ProcessHandle.current().pid() + tag;
    run(null, List.of("ip", "netns", "del", name));
    Result r = run(null, List.of("ip", "netns", "add", name));
    if (r.rc != 0) {
      throw new IllegalStateException("ip netns add " + name + ": " + r.err);
    }
    return new Netns(name);
  }

  /** Runs a shell script inside the namespace; fails on the first failing command. */
  void sh(String script) {
    Result r = exec(List.of("sh", "-ec", script), null);
    if (r.rc != 0) {
      throw new IllegalStateException("setup in " + name + " failed: " + r.err + "\n" + script);
    }
  }

  Result exec(List<String> cmd, String stdin) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    full.addAll(cmd);
    return run(stdin, full);
  }

  /** Writes ip -j addr/route/rule and the IPv4 sysctls into a snapshot directory. */
  void snapshot(Path dir) throws IOException {
    Files.writeString(dir.resolve("ip-addr.json"), exec(List.of("ip", "-j", "addr", "show"), null).out);
    Files.writeString(dir.resolve("ip-route.json"),
        exec(List.of("ip", "-j", "route", "show", "table", "all"), null).out);
    Files.writeString(dir.resolve("ip-rule.json"), exec(List.of("ip", "-j", "rule", "show"), null).out);
    Files.writeString(dir.resolve("sysctl.txt"), exec(List.of("sh", "-c",
        "sysctl -a 2>/dev/null | grep -E '^net\\.ipv4\\.(ip_forward|conf\\.)'"), null).out);
  }

  @Override
  public void close() {
    run(null, List.of("ip", "netns", "del", name));
  }

  static final class Result {
    final int rc;
    final String out;
    final String err;

    Result(int rc, String out, String err) {
      this.rc = rc;
      this.out = out;
      this.err = err;
    }
  }

  static Result run(String stdin, List<String> cmd) {
    try {
      Path outF = Files.createTempFile("nfh", ".out");
      Path errF = Files.createTempFile("nfh", ".err");
      try {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(outF.toFile()).redirectError(errF.toFile());
        Process p = pb.start();
        if (stdin != null) {
          p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return new Result(-1, "", "timeout");
        }
        return new Result(p.exitValue(), Files.readString(outF), Files.readString(errF));
      } finally {
        Files.deleteIfExists(outF);
        Files.deleteIfExists(errF);
      }
    } catch (IOException e) {
      return new Result(-1, "", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "", e.toString());
    }
  }
}
