package io.nfeval.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nfeval replay} prints the decode summary; a broken file gives the partial summary and exit 2. */
class ReplayDecodeSummaryTest {
  @TempDir Path dir;

  record Run(int rc, String out, String err) {}

  static Run run(String... args) {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final int rc = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(rc, out.toString(), err.toString());
  }

  static String res(String p) {
    return TestCaptures.resourceDir().resolve(p).toString();
  }

  @Test
  void summaryOfMergedCapturesWithDirectionAndIngress() throws Exception {
    Files.writeString(dir.resolve("ip-addr.json"),
        "[{\"ifindex\":1,\"ifname\":\"lo\"},{\"ifindex\":2,\"ifname\":\"ifb0\"}]");
    final Run r = run("replay", "--decode-only", "--snapshot", dir.toString(),
        "--pcap", res("zeek/linux_dlt_sll2.pcap"),
        "--pcap", res("suricata-verify/decode-sll2-01/input.pcap"),
        "--pcap", res("zeek/pcapng-multi-interface.pcapng"),
        "--local", res("tcpdump/tcp_rst_diag_payload.pcap"),
        "--in", "eth9");
    assertThat(r.rc).as(r.err).isZero();
    assertThat(r.out).startsWith("decode summary: 18 packets");
    assertThat(r.out).containsPattern("linux_sll2 \\(276\\) +11 packets");
    assertThat(r.out).containsPattern("ethernet \\(1\\) +6 packets");
    assertThat(r.out).containsPattern("null \\(0\\) +1 packets");
    assertThat(r.out).containsPattern("local +1 packets");
    assertThat(r.out).containsPattern("lo +4 packets");
    assertThat(r.out).containsPattern("ifb0 +5 packets");
    assertThat(r.out).containsPattern("eth9 +3 packets");
    assertThat(r.out).containsPattern("not_ip +2 packets");
  }

  @Test
  void nflogOutputHookIsLocal() {
    final Run r = run("replay", "--pcap", res("tcpdump/nflog.pcap"), "--pcap", res("zeek/nflog-http.pcap"));
    assertThat(r.rc).isZero();
    assertThat(r.out).containsPattern("nflog \\(239\\) +17 packets");
    assertThat(r.out).containsPattern("local +[1-9][0-9]* packets");
  }

  @Test
  void brokenFilePrintsPartialSummaryThenErrorExit2() throws Exception {
    final byte[] whole = new CaptureFiles(ByteOrder.LITTLE_ENDIAN)
        .raw(Files.readAllBytes(Path.of(res("tcpdump/tcp_rst_diag_payload.pcap")))).bytes();
    final Path cut = Files.write(dir.resolve("cut.pcap"), Arrays.copyOf(whole, whole.length - 3));
    final Run r = run("replay", "--pcap", res("zeek/tcp__options.pcap"), "--pcap", cut.toString());
    assertThat(r.rc).isEqualTo(Main.EXIT_BAD_INPUT);
    assertThat(r.out).startsWith("decode summary: 4 packets");
    assertThat(r.err.trim()).matches("nfeval: .*cut\\.pcap: offset 24: truncated record: .*");
    assertThat(r.err.trim().lines().count()).isEqualTo(1);
  }

  @Test
  void notACaptureAndBadReader() throws Exception {
    final Path txt = Files.writeString(dir.resolve("rules.txt"), "*filter\nCOMMIT\n");
    Run r = run("replay", "--pcap", txt.toString());
    assertThat(r.rc).isEqualTo(2);
    assertThat(r.err).contains("not a pcap or pcapng file");
    r = run("replay", "--pcap", res("zeek/tcp__options.pcap"), "--reader", "bogus");
    assertThat(r.rc).isEqualTo(2);
    assertThat(r.err).contains("--reader must be mmap or libpcap");
  }

  @Test
  void libpcapReaderGivesTheSameSummary() {
    Assumptions.assumeTrue(LibpcapReader.available(), "libpcap not loadable: " + LibpcapReader.version());
    final String[] files = {"--pcap", res("zeek/nflog-http.pcap"), "--pcap", res("tcpdump/pptp.pcap"),
        "--pcap", res("zeek/linux_dlt_sll2.pcap")};
    final Run a = run(concat(files, "--reader", "mmap"));
    final Run b = run(concat(files, "--reader", "libpcap"));
    assertThat(a.rc).isZero();
    assertThat(b.out).isEqualTo(a.out);
  }

  static String[] concat(String[] a, String... b) {
    final String[] r = new String[a.length + b.length + 1];
    r[0] = "replay";
    System.arraycopy(a, 0, r, 1, a.length);
    System.arraycopy(b, 0, r, 1 + a.length, b.length);
    return r;
  }
}
