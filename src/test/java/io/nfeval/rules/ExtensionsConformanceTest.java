package io.nfeval.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.InputException;
import io.nfeval.rules.ext.Extensions;
import io.nfeval.rules.ext.VerdictTarget;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * iptables' own extension conformance tables ({@code extensions/*.t}, run upstream by
 * {@code iptables-test.py}): for every IPv4 line whose modules nfeval supports, nfeval must accept what
 * iptables accepts, reject what it rejects, and print what it prints. The {@code ;NFT;} variant wins
 * (we model iptables-nft). Lines needing kernel objects that a parser cannot know (ipsets, nfct
 * helpers/timeouts) are skipped and counted.
 */
class ExtensionsConformanceTest {
  /** The files copied into src/test/resources/rules/extensions-t (see PROVENANCE.md there). */
  static final List<String> FILES = List.of("iptables.t", "libipt_DNAT.t", "libipt_LOG.t",
      "libipt_MASQUERADE.t", "libipt_NETMAP.t", "libipt_REJECT.t", "libipt_SNAT.t", "libipt_TPROXY.t",
      "libipt_TTL.t", "libipt_connlimit.t", "libipt_conntrack.t", "libipt_icmp.t", "libipt_iprange.t",
      "libipt_policy.t", "libipt_recent.t", "libipt_standard.t", "libipt_ttl.t", "libxt_AUDIT.t",
      "libxt_CHECKSUM.t", "libxt_CLASSIFY.t", "libxt_CONNMARK.t", "libxt_CT.t", "libxt_DSCP.t",
      "libxt_MARK.t", "libxt_NFLOG.t", "libxt_NFQUEUE.t", "libxt_NOTRACK.t", "libxt_REDIRECT.t",
      "libxt_SET.t", "libxt_TCPMSS.t", "libxt_TOS.t", "libxt_TRACE.t", "libxt_addrtype.t", "libxt_comment.t",
      "libxt_connbytes.t", "libxt_connlimit.t", "libxt_connmark.t", "libxt_conntrack.t", "libxt_devgroup.t",
      "libxt_dscp.t", "libxt_hashlimit.t", "libxt_helper.t", "libxt_iprange.t", "libxt_length.t",
      "libxt_limit.t", "libxt_mac.t", "libxt_mark.t", "libxt_multiport.t", "libxt_nfacct.t",
      "libxt_owner.t", "libxt_physdev.t", "libxt_pkttype.t", "libxt_policy.t", "libxt_recent.t",
      "libxt_rpfilter.t", "libxt_sctp.t", "libxt_set.t", "libxt_socket.t", "libxt_standard.t",
      "libxt_state.t", "libxt_statistic.t", "libxt_string.t", "libxt_tcp.t", "libxt_tcpmss.t",
      "libxt_tos.t", "libxt_u32.t", "libxt_udp.t", "nfeval_kernel.t", "nfeval_kernel_ipset.t",
      "nfeval_parse_only.t", "libxt_ecn.t", "libipt_ah.t", "libxt_esp.t", "libxt_quota.t",
      "libxt_cpu.t", "libxt_time.t", "libxt_SECMARK.t", "libxt_CONNSECMARK.t", "libxt_IDLETIMER.t",
      "libxt_LED.t", "libxt_SYNPROXY.t", "libxt_TEE.t", "libipt_ECN.t", "libxt_RATEEST.t", "libxt_dccp.t", "libxt_cgroup.t", "libxt_cluster.t", "libxt_connlabel.t",
      "libxt_ipvs.t", "libxt_HMARK.t", "libxt_bpf.t", "libxt_rateest.t", "nfeval_kernel_ext2.t");

  /** Lines that depend on kernel state a parser cannot see. */
  private static final Set<String> KERNEL_STATE_MODULES = Set.of("set", "SET", "nfacct");

  static int upstreamPass;
  static int pass;
  static int fail;
  static int skipped;
  static final List<String> failures = new ArrayList<>();

  @TestFactory
  Stream<DynamicTest> conformance() {
    return FILES.stream().filter(f -> resource(f) != null)
        .map(f -> DynamicTest.dynamicTest(f, () -> runFile(f)));
  }

  @AfterAll
  static void report() {
    System.out.println("extensions-t conformance: pass=" + pass + " (upstream .t: " + upstreamPass
        + ", nfeval kernel-checked goldens: " + (pass - upstreamPass) + ") fail=" + fail + " skipped=" + skipped);
    failures.forEach(s -> System.out.println("  MISMATCH " + s));
  }

  private static InputStream resource(String f) {
    final InputStream in = ExtensionsConformanceTest.class.getResourceAsStream("/rules/extensions-t/" + f);
    return in != null ? in : ExtensionsConformanceTest.class.getResourceAsStream("/rules/golden/" + f);
  }

  /**
   * Lines where nfeval deliberately accepts more than iptables-nft: legacy-era forms that real dumps and
   * scripts contain (statistic nth without --packet is valid for iptables-legacy).
   */
  static final Set<String> DIVERGENCES = Set.of("-m statistic --mode nth ! --every 5");

  private static void runFile(String file) throws IOException {
    final String text;
    try (InputStream in = resource(file)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String table = "filter";
    List<String> chains = List.of("INPUT");
    final List<String> mine = new ArrayList<>();
    int lineNo = 0;
    for (String line : text.split("\n")) {
      lineNo++;
      if (line.isBlank() || line.startsWith("#") || line.startsWith("@")) {
        continue;
      }
      if (line.startsWith(":")) {
        chains = List.of(line.substring(1).strip().split(","));
        continue;
      }
      if (line.startsWith("*")) {
        table = line.substring(1).strip();
        continue;
      }
      final String[] f = line.split(";", -1);
      if (f.length < 3) {
        continue;
      }
      final String rule = f[0];
      String expected = f[1];
      String result = f[2];
      for (int i = 3; i + 1 < f.length; i += 2) {
        if (f[i].equals("NFT")) {
          if (f[i + 1].equals("=")) {
            expected = "=";
          } else {
            result = f[i + 1];
          }
        }
      }
      if (!supported(rule, file.startsWith("lib")) || DIVERGENCES.contains(rule)) {
        skipped++;
        continue;
      }
      for (String chain : chains) {
        final String where = file + ":" + lineNo + " [" + table + "/" + chain + "] " + rule;
        final String got = tryRule(table, chain, rule);
        final boolean ok;
        if (result.equals("FAIL")) {
          ok = got == null;
        } else if (result.equals("NOMATCH")) {
          ok = got != null;
        } else {
          final String want = "-A " + chain + " " + (expected.equals("=") ? rule : expected);
          ok = got != null && got.equals(want.strip());
        }
        if (ok) {
          pass++;
          upstreamPass += file.startsWith("lib") || file.startsWith("iptables") ? 1 : 0;
        } else {
          fail++;
          final String msg = where + " => expected " + result + " " + expected + ", got " + got;
          failures.add(msg);
          mine.add(msg);
        }
      }
    }
    assertThat(mine).as("mismatches in " + file).isEmpty();
  }

  static boolean supported(String rule, boolean upstream) {
    final String[] t = rule.split("\\s+");
    for (int i = 0; i + 1 < t.length; i++) {
      if (t[i].equals("-m") || t[i].equals("--match")) {
        if (Extensions.match(t[i + 1]) == null || upstream && KERNEL_STATE_MODULES.contains(t[i + 1])) {
          return false;
        }
      }
      if (t[i].equals("-j") || t[i].equals("--jump")) {
        final String n = t[i + 1];
        if (VerdictTarget.of(n) == null && (Extensions.target(n) == null
            || upstream && KERNEL_STATE_MODULES.contains(n))) {
          return false;
        }
      }
    }
    return !rule.contains("--helper") || !rule.contains("-j CT");
  }

  /** The canonical line of the (first) rule, or null when nfeval rejects it. */
  static String tryRule(String table, String chain, String rule) {
    final String text = "*" + table + "\n-A " + chain + " " + rule + "\nCOMMIT\n";
    try {
      final Ruleset rs = RulesetParser.parse(text, "t", ParseOptions.DEFAULT);
      if (rs.diagnostics().stream().anyMatch(d -> d.kind() != Diagnostic.Kind.REFUSED_BY_RESTORE)) {
        return null; // e.g. a jump to a chain that does not exist: iptables refuses it (iptables 1.4's
                     // "! after the option", which nfeval reads on purpose, only gets a remark)
      }
      final List<Rule> rules = rs.table(table).chain(chain).rules();
      return rules.isEmpty() ? null : rules.get(0).save();
    } catch (InputException e) {
      return null;
    }
  }
}
