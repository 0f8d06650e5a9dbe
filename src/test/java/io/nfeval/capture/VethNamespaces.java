package io.nfeval.capture;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nfeval.capture.LiveCaptureKernelTest.Sh;
import io.nfeval.source.LibpcapReader;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The network the live kernel tests build for themselves: a namespace FW and a namespace PEER joined by
 * a veth pair, FW {@code net.1/24} on {@code dev0}, PEER {@code net.2/24} on {@code dev1}, IPv6 off.
 * Names carry the test JVM's pid, so parallel runs do not meet; {@link #close} removes both namespaces
 * (and the veth with them). Skips the calling test visibly without root, iproute2 or libpcap.
 */
final class VethNamespaces implements AutoCloseable {
  /**
   * The namespaces for the whole test class: {@code @RegisterExtension static final Fixture NETS = new
   * Fixture(...)} builds them before all tests (or skips them all) and removes them after.
   */
  static final class Fixture implements BeforeAllCallback, AfterAllCallback {
    private final String what;
    private final String prefix;
    private final String devPrefix;
    private final int octet;
    private VethNamespaces nets;

    Fixture(String what, String prefix, String devPrefix, int octet) {
      this.what = what;
      this.prefix = prefix;
      this.devPrefix = devPrefix;
      this.octet = octet;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
      nets = create(what, prefix, devPrefix, octet);
    }

    @Override
    public void afterAll(ExtensionContext context) {
      if (nets != null) {
        nets.close();
        nets = null;
      }
    }

    /** Whether the namespaces were built (else every test was skipped before running). */
    boolean ready() {
      return nets != null;
    }

    String tag() {
      return nets.tag;
    }

    String fw() {
      return nets.fw;
    }

    String peer() {
      return nets.peer;
    }

    String net() {
      return nets.net;
    }
  }

  final String tag;
  final String fw;
  final String peer;
  final String net;
  final String fwDev;
  final String peerDev;

  /**
   * Builds it: namespaces {@code prefix + "f"/"p" + tag}, devices {@code devPrefix + 0/1}, addresses in
   * {@code 10.<octet>.<pid-derived>.0/24}. {@code what} names the test in the skip message.
   */
  static VethNamespaces create(String what, String prefix, String devPrefix, int octet) {
    final Sh id = Sh.run(List.of("id", "-u"), null);
    assumeTrue(id.rc == 0 && id.out.strip().equals("0"),
        what + " needs root (namespaces, packet sockets); skipped");
    assumeTrue(Sh.run(List.of("ip", "-V"), null).rc == 0, "needs iproute2 'ip'; skipped");
    assumeTrue(LibpcapReader.available(), "needs libpcap: " + LibpcapReader.version() + "; skipped");
    final long pid = ProcessHandle.current().pid();
    final VethNamespaces n = new VethNamespaces(Long.toString(pid % 100000), prefix, devPrefix,
        "10." + octet + "." + (pid % 250 + 1));
    n.close(); // a leftover of a killed run with the same pid
    sh(List.of("ip", "netns", "add", n.fw));
    sh(List.of("ip", "netns", "add", n.peer));
    sh(List.of("ip", "link", "add", n.fwDev, "netns", n.fw, "type", "veth", "peer", "name", n.peerDev,
        "netns", n.peer));
    n.configure(n.fw, n.fwDev, ".1");
    n.configure(n.peer, n.peerDev, ".2");
    return n;
  }

  private VethNamespaces(String tag, String prefix, String devPrefix, String net) {
    this.tag = tag;
    this.fw = prefix + "f" + tag;
    this.peer = prefix + "p" + tag;
    this.net = net;
    this.fwDev = devPrefix + "0";
    this.peerDev = devPrefix + "1";
  }

  private void configure(String ns, String dev, String host) {
    inNs(ns, "ip addr add " + net + host + "/24 dev " + dev + " && ip link set " + dev + " up"
        + " && ip link set lo up && sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
  }

  @Override
  public void close() {
    Sh.run(List.of("ip", "netns", "del", fw), null);
    Sh.run(List.of("ip", "netns", "del", peer), null);
  }

  /** Runs a command; a failure fails the test with its stderr. */
  static void sh(List<String> cmd) {
    final Sh r = Sh.run(cmd, null);
    if (r.rc != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + r.err);
    }
  }

  /** Runs a shell script inside namespace {@code ns}; a failure fails the test. */
  static Sh inNs(String ns, String script) {
    final Sh r = Sh.run(List.of("ip", "netns", "exec", ns, "sh", "-ec", script), null);
    if (r.rc != 0) {
      throw new IllegalStateException("in " + ns + ": " + script + ": " + r.err);
    }
    return r;
  }
}
