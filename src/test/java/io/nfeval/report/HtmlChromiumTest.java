package io.nfeval.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders the audit report of the bundled Docker-host example in headless Chromium (Debian's
 * {@code chromium}): it must load without any console message (the page's Content-Security-Policy
 * forbids every fetch, so a network access would show up as a console error), run its script (it marks
 * {@code <html data-nfeval-ready="yes">}) and show the expected numbers. Takes a screenshot into
 * {@code target/}; {@code -Dnfeval.updateDocs=true} also refreshes {@code docs/audit-docker-host.png}.
 * Skipped, visibly, without chromium.
 */
class HtmlChromiumTest {
  static String chromium;

  @TempDir Path tmp;

  @BeforeAll
  static void findChromium() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String n : new String[] {"chromium", "chromium-browser"}) {
        if (Files.isExecutable(Path.of(dir, n))) {
          chromium = Path.of(dir, n).toString();
          return;
        }
      }
    }
  }

  /** Runs chromium headless on a file; returns {stdout, stderr}. */
  String[] chromium(Path page, String... extra) throws IOException, InterruptedException {
    final List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--user-data-dir=" + tmp.resolve("profile-" + System.nanoTime()), "--enable-logging=stderr", "--v=0"));
    cmd.addAll(List.of(extra));
    cmd.add(page.toUri().toString());
    final Path out = tmp.resolve("out.txt");
    final Path err = tmp.resolve("err.txt");
    final Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    // Seconds normally; on a VM stalled by its host (2026-11-28: 38% steal) chromium took over 120 s
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 300 s");
    }
    return new String[] {Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8)};
  }

  static String number(String dom, String id) {
    final Matcher m = Pattern.compile("id=\"" + id + "\">(\\d+)<").matcher(dom);
    assertThat(m.find()).as("element #" + id + " in the DOM").isTrue();
    return m.group(1);
  }

  static List<String> consoleLines(String stderr) {
    final List<String> bad = new ArrayList<>();
    for (String l : stderr.split("\n")) {
      if (l.contains(":CONSOLE") || l.contains("Uncaught") || l.contains("Refused to")) {
        bad.add(l);
      }
    }
    return bad;
  }

  @Test
  void auditReportLoadsAndShowsTheNumbers() throws Exception {
    Assumptions.assumeTrue(chromium != null,
        "SKIPPED: chromium not installed (apt-get install -y chromium); the HTML report is not checked in a browser");
    final JsonNode data = AuditGoldenTest.audit(AuditGoldenTest.ROOT.resolve("config/examples/docker-host"),
        AuditGoldenTest.ROOT.resolve("config/examples/docker-host/traffic.pcap"));
    final Path page = tmp.resolve("audit-docker-host.html");
    Files.writeString(page, Reports.renderAudit(data, "html"));
    final String html = Files.readString(page);
    assertThat(html).doesNotContain("http://").doesNotContain("https://").doesNotContain("src=\"");
    assertThat(html.length()).isLessThan(200_000);

    final String[] dump = chromium(page, "--dump-dom");
    assertThat(consoleLines(dump[1])).as("console output of the page").isEmpty();
    final String dom = dump[0];
    assertThat(dom).contains("data-nfeval-ready=\"yes\"");
    assertThat(number(dom, "total-packets")).isEqualTo("70");
    assertThat(number(dom, "total-bytes")).isEqualTo("10922");
    assertThat(number(dom, "verdict-accept-forward")).isEqualTo("46");
    assertThat(number(dom, "rules-total")).isEqualTo("27");
    assertThat(number(dom, "rules-never")).isEqualTo("6");
    assertThat(dom).contains("-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80");

    // the table script: sorting by packets (two clicks: descending) and filtering by text
    final Path probe = tmp.resolve("probe.html");
    Files.writeString(probe, html.replace("</body>", "<script>(function(){"
        + "var th=document.querySelectorAll('#rules-table th')[5];th.click();th.click();"
        + "var top=document.querySelector('#rules-table tbody tr').cells[5].textContent;"
        + "var f=document.querySelector('input.filter');f.value='DNAT';f.dispatchEvent(new Event('input'));"
        + "var shown=Array.prototype.filter.call(document.querySelector('#rules-table').tBodies[0].rows,"
        + "function(r){return r.style.display!=='none';}).length;"
        + "document.body.setAttribute('data-probe',top+'/'+shown+'/'+th.getAttribute('data-dir'));})();</script></body>"));
    final String[] pd = chromium(probe, "--dump-dom");
    assertThat(consoleLines(pd[1])).isEmpty();
    assertThat(pd[0]).contains("data-probe=\"57/4/desc\"");

    final Path shot = tmp.resolve("shot.png");
    final String[] s = chromium(page, "--window-size=1400,2400", "--hide-scrollbars", "--screenshot=" + shot);
    assertThat(consoleLines(s[1])).isEmpty();
    assertThat(Files.size(shot)).isGreaterThan(10_000);
    Files.createDirectories(Path.of("target"));
    Files.copy(shot, Path.of("target/audit-docker-host.png"), StandardCopyOption.REPLACE_EXISTING);
    if (Boolean.getBoolean("nfeval.updateDocs")) {
      Files.createDirectories(Path.of("docs"));
      Files.copy(shot, Path.of("docs/audit-docker-host.png"), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Test
  void diffReportLoads() throws Exception {
    Assumptions.assumeTrue(chromium != null,
        "SKIPPED: chromium not installed (apt-get install -y chromium); the HTML report is not checked in a browser");
    final Path ex = AuditGoldenTest.ROOT.resolve("config/examples/docker-host");
    final Path next = tmp.resolve("next.rules");
    Files.writeString(next, Files.readString(ex.resolve("iptables.rules")).replace(
        "-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT\n", ""));
    final Diff.Result r = Diff.run(new Diff.Request(ex, next, List.of(ex.resolve("traffic.pcap")), List.of(), null,
        io.nfeval.rules.ParseOptions.DEFAULT, null, io.nfeval.source.ReaderKind.MMAP));
    final Path page = tmp.resolve("diff.html");
    Files.writeString(page, Reports.renderDiff(r.data(), "html"));
    final String[] dump = chromium(page, "--dump-dom");
    assertThat(consoleLines(dump[1])).isEmpty();
    assertThat(dump[0]).contains("data-nfeval-ready=\"yes\"").contains("Changes found");
    assertThat(number(dump[0], "total-packets")).isEqualTo("70");
    assertThat(number(dump[0], "changed-packets")).isEqualTo(
        Long.toString(r.data().path("traffic").path("changedPackets").asLong()));
  }
}
