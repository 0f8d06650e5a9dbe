package io.nfeval.rules.ext.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.rules.IpMatch;
import io.nfeval.rules.ParseOptions;
import io.nfeval.rules.Rule;
import io.nfeval.rules.RulesetParser;
import io.nfeval.rules.ext.Match;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Kernel-differential check of the matches that need no connection tracking (stateless ones, and
 * nth/recent/limit/hashlimit within one burst where time does not matter): crafted frames are sent over a veth pair into a
 * namespace whose raw PREROUTING holds counting rules (no targets, so every rule sees every packet
 * until a hot-drop), and the kernel's per-rule packet counters must equal what the matches' own
 * evaluation counts. Needs root and iproute2; skipped visibly otherwise.
 */
@Tag("kernel")
class KernelMatchDifferentialTest {
  private static final String[] RULES = {
    "-p tcp -m tcp --dport 80",
    "-p tcp -m tcp --tcp-flags SYN,ACK SYN",
    "-p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN",
    "-p tcp -m tcp --tcp-option 8",
    "-p tcp -m tcp ! --sport 1000:2000",
    "-p tcp -m multiport --dports 22,80,8000:8080",
    "-p tcp -m multiport ! --ports 443",
    "-p udp -m udp --dport 53",
    "-p udp -m udp ! --sport 53",
    "-p icmp -m icmp --icmp-type 8",
    "-p icmp -m icmp --icmp-type 3/1:3",
    "-p icmp -m icmp ! --icmp-type any",
    "-m u32 --u32 \"0>>22&0x3C@0&0xFFFF=80\"",
    "-m u32 --u32 \"6&0xFF=17&&0>>22&0x3C@4>>16=0x10:0x30\"",
    "-m u32 ! --u32 \"0>>22&0x3C@100=0:0xFFFFFFFF\"",
    "-m string --string \"GET\" --algo bm",
    "-m string --string \"host\" --algo kmp --icase --from 40",
    "-m string --string \"GET\" --algo bm --to 42",
    "-m string --hex-string \"|0d0a|\" --algo kmp",
    "-m length --length 40:60",
    "-m ttl --ttl-lt 10",
    "-m ttl ! --ttl-eq 64",
    "-m tos --tos 0x10/0x3f",
    "-m dscp --dscp 0x2e",
    "-p tcp -m tcpmss --mss 1000:1460",
    "-p tcp -m tcpmss ! --mss 1000:1460",
    "-m iprange --src-range 10.99.0.1-10.99.0.3",
    "-m iprange ! --dst-range 10.99.0.2-10.99.0.2",
    "-p udp -m udp ! --sport 53 ! --dport 80",
    "-p tcp -m tcp",
    "-p tcp -m tcp --tcp-flags ALL NONE",
    "-p tcp -m tcp ! --tcp-option 2 --dport 80",
    "-p udp -m udp ! --sport 0:65535",
    "-m mark --mark 0x0/0xff",
    "-m pkttype --pkt-type unicast",
    "-m statistic --mode nth --every 3 --packet 1",
    "-m statistic --mode nth ! --every 4 --packet 0",
    "-p udp -m recent --set --name t1 --mask 255.255.255.255 --rsource",
    "-m recent --update --hitcount 3 --name t1 --mask 255.255.255.255 --rsource",
    "-m recent --rcheck --hitcount 2 --name t1 --mask 255.255.255.255 --rsource",
    "-m recent --rcheck --name t1 --mask 255.255.255.0 --rdest",
    "-p icmp -m recent --remove --name t1 --mask 255.255.255.255 --rsource",
    "-m limit --limit 1/hour --limit-burst 4",
    "-m hashlimit --hashlimit-upto 1/hour --hashlimit-burst 2 --hashlimit-mode srcip,dstport --hashlimit-name h1",
    "-m hashlimit --hashlimit-above 1/hour --hashlimit-burst 3 --hashlimit-mode dstip --hashlimit-name h2",
    "-m comment --comment \"all\"",
  };

  private static final int SRC = 0x0a630001; // 10.99.0.1
  private static final int DST = 0x0a630002; // 10.99.0.2

  private static List<byte[]> packets() {
    final List<byte[]> out = new ArrayList<>();
    final byte[] get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    final byte[] ts = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0};
    final byte[] mss1460 = {2, 4, 5, (byte) 0xb4};
    final byte[] mss9000 = {2, 4, 0x23, 0x28, 1, 1, 4, 2};
    final int[][] tcp = {{1234, 80, 0x02}, {1500, 22, 0x12}, {443, 8042, 0x10}, {5000, 443, 0x11},
        {80, 1234, 0x04}, {1000, 8080, 0x29}, {2001, 80, 0x18}};
    for (int[] t : tcp) {
      out.add(Pkt.tcp(t[0], t[1], t[2]).from(SRC).to(DST).bytes());
    }
    out.add(Pkt.tcp(1234, 80, 0x02, ts, new byte[0]).from(SRC).to(DST).bytes());
    out.add(Pkt.tcp(1234, 80, 0x02, mss1460, new byte[0]).from(SRC).to(DST).bytes());
    out.add(Pkt.tcp(1234, 81, 0x02, mss9000, new byte[0]).from(0x0a630003).to(DST).ttl(5).bytes());
    out.add(Pkt.tcp(3333, 80, 0x18, new byte[0], get).from(SRC).to(DST).bytes());
    out.add(Pkt.tcp(3333, 80, 0x18, ts, get).from(SRC).to(DST).bytes());
    final Pkt tos = Pkt.udp(53, 53, new byte[8]).from(SRC).to(DST);
    tos.tos = 0xb8;
    out.add(tos.bytes());
    final Pkt tos2 = Pkt.udp(1053, 53, new byte[30]).from(SRC).to(0x0a630004);
    tos2.tos = 0x10;
    out.add(tos2.bytes());
    out.add(Pkt.udp(9, 9, "host: GET".getBytes(StandardCharsets.US_ASCII)).from(SRC).to(DST).ttl(1).bytes());
    out.add(Pkt.udp(53, 81, new byte[0]).from(SRC).to(DST).bytes());
    out.add(Pkt.udp(53, 80, new byte[0]).from(SRC).to(DST).bytes());
    out.add(Pkt.tcp(7, 80, 0).from(SRC).to(DST).bytes());
    out.add(Pkt.icmp(8, 0).from(SRC).to(DST).bytes());
    out.add(Pkt.icmp(3, 2).from(SRC).to(DST).bytes());
    out.add(Pkt.icmp(3, 4).from(SRC).to(DST).bytes());
    // fragments: a later TCP fragment, and the "evil" offset-8 one (hot-dropped by tcp)
    out.add(Pkt.tcp(1234, 80, 0x02).from(SRC).to(DST).frag(20, false).bytes());
    out.add(Pkt.udp(53, 53, new byte[16]).from(SRC).to(DST).frag(3, false).bytes());
    out.add(Pkt.tcp(1234, 80, 0x02).from(SRC).to(DST).frag(1, true).bytes());
    return out;
  }

  @Test
  void countersEqualTheKernelsWithIptablesNft() throws Exception {
    compare(true);
  }

  @Test
  void countersEqualTheKernelsWithIptablesLegacy() throws Exception {
    compare(false);
  }

  /**
   * Sends the packets one at a time and reads the counters after each, so a mismatch names the
   * packet and the rule.
   */
  private static void compare(boolean nft) throws Exception {
    assumeTool(List.of("id", "-u"), "0", "needs root (network namespaces)");
    assumeTool(List.of("ip", "-V"), null, "needs iproute2");
    final String ipt = nft ? "iptables" : "iptables-legacy";
    assumeTool(List.of(ipt, "-V"), null, "needs " + ipt);
    assumeTool(List.of("python3", "-c", "import socket; socket.AF_PACKET"), null, "needs python3");
    final String tag = (nft ? "n" : "l") + ProcessHandle.current().pid();
    final String a = "nfeA" + tag;
    final String b = "nfeB" + tag;
    final Path dir = Files.createTempDirectory("nfeval-eval");
    try {
      sh("ip netns add " + a + "; ip netns add " + b
          + "; ip link add " + a + "v type veth peer name " + b + "v"
          + "; ip link set " + a + "v netns " + a + "; ip link set " + b + "v netns " + b
          + "; for n in " + a + " " + b + "; do ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1;"
          + " ip -n $n link set lo up; done"
          + "; ip -n " + a + " link set " + a + "v up; ip -n " + b + " link set " + b + "v up"
          + "; ip -n " + b + " addr add 10.99.0.2/24 dev " + b + "v");
      final StringBuilder rules = new StringBuilder("*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
      for (String r : RULES) {
        rules.append("-A PREROUTING -s 10.99.0.0/24 -i ").append(b).append("v ").append(r).append('\n');
      }
      rules.append("COMMIT\n");
      Files.writeString(dir.resolve("rules"), rules);
      sh("ip netns exec " + b + " " + ipt + "-restore < " + dir.resolve("rules"));
      Thread.sleep(1500); // let interface start-up chatter pass
      sh("ip netns exec " + b + " " + ipt + " -t raw -Z");
      final String mac = sh("ip -n " + b + " -o link show " + b + "v | sed -E 's/.*link\\/ether ([0-9a-f:]+).*/\\1/'")
          .strip();
      Files.writeString(dir.resolve("send.py"), String.join("\n",
          "import socket, sys",
          "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)",
          "s.bind((sys.argv[1], 0))",
          "dst = bytes.fromhex(sys.argv[2].replace(':', ''))",
          "src = bytes.fromhex('020000000001')",
          "s.send(dst + src + b'\\x08\\x00' + bytes.fromhex(sys.argv[3]))",
          ""));
      final List<byte[]> pkts = packets();
      final long[][] kernel = new long[pkts.size()][];
      long[] before = new long[RULES.length];
      for (int i = 0; i < pkts.size(); i++) {
        sh("ip netns exec " + a + " python3 " + dir.resolve("send.py") + " " + a + "v " + mac + " "
            + HexFormat.of().formatHex(pkts.get(i)));
        Thread.sleep(50);
        final long[] now = counters(sh("ip netns exec " + b + " " + ipt + "-save -c -t raw"));
        kernel[i] = new long[RULES.length];
        for (int r = 0; r < RULES.length; r++) {
          kernel[i][r] = now[r] - before[r];
        }
        before = now;
      }
      final long[][] ours = simulate(b + "v", nft);
      final List<String> diffs = new ArrayList<>();
      for (int i = 0; i < pkts.size(); i++) {
        for (int r = 0; r < RULES.length; r++) {
          if (kernel[i][r] != ours[i][r]) {
            diffs.add("packet " + i + " rule '" + RULES[r] + "': kernel " + kernel[i][r] + ", ours " + ours[i][r]);
          }
        }
      }
      assertThat(diffs).as(ipt).isEmpty();
    } finally {
      sh("ip netns del " + a + " 2>/dev/null; ip netns del " + b + " 2>/dev/null; true");
    }
  }

  private static long[] counters(String saved) {
    final long[] out = new long[RULES.length];
    int r = 0;
    for (String line : saved.split("\n")) {
      if (line.startsWith("[") && line.contains("-A PREROUTING") && r < out.length) {
        out[r++] = Long.parseLong(line.substring(1, line.indexOf(':')));
      }
    }
    assertThat(r).isEqualTo(RULES.length);
    return out;
  }

  /** Counts per packet and rule as the table would, with our matches (a hot-drop ends it). */
  private static long[][] simulate(String dev, boolean nft) {
    final StringBuilder text = new StringBuilder("*raw\n:PREROUTING ACCEPT [0:0]\n");
    for (String r : RULES) {
      text.append("-A PREROUTING -s 10.99.0.0/24 -i ").append(dev).append(' ').append(r).append('\n');
    }
    text.append("COMMIT\n");
    final List<Rule> rules = RulesetParser.parse(text.toString(), "diff", ParseOptions.DEFAULT)
        .table("raw").chain("PREROUTING").rules();
    final List<byte[]> pkts = packets();
    final long[][] counts = new long[pkts.size()][rules.size()];
    final FakeContext ctx = new FakeContext();
    ctx.in = dev;
    ctx.nft = nft;
    final java.util.Map<Match, Object> states = new java.util.IdentityHashMap<>();
    for (int k = 0; k < pkts.size(); k++) {
      ctx.packet(pkts.get(k));
      for (int i = 0; i < rules.size(); i++) {
        final Rule r = rules.get(i);
        if (!ipMatch(r.ip(), ctx)) {
          continue;
        }
        boolean all = true;
        for (Match m : r.matches()) {
          ctx.state = states.computeIfAbsent(m, Match::newState);
          if (!m.matches(ctx)) {
            all = false;
            break;
          }
        }
        if (ctx.hotdropped) {
          break;
        }
        if (all) {
          counts[k][i]++;
        }
      }
    }
    return counts;
  }

  private static boolean ipMatch(IpMatch ip, FakeContext ctx) {
    if (((ctx.view.srcAddr() & ip.srcMask()) != ip.src()) ^ ip.invSrc()) {
      return false;
    }
    return ip.proto() == 0 || ((ctx.view.protocol() == ip.proto()) ^ ip.invProto());
  }

  private static void assumeTool(List<String> cmd, String expect, String why) {
    String out;
    int rc;
    try {
      final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      rc = p.waitFor(20, TimeUnit.SECONDS) ? p.exitValue() : -1;
    } catch (IOException | InterruptedException e) {
      out = "";
      rc = -1;
    }
    Assumptions.assumeTrue(rc == 0 && (expect == null || out.equals(expect)),
        "kernel-differential test " + why + "; skipped");
  }

  private static String sh(String script) throws IOException, InterruptedException {
    final Process p = new ProcessBuilder("sh", "-ec", script).redirectErrorStream(true).start();
    final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("failed: " + script + "\n" + out);
    }
    return out;
  }
}
