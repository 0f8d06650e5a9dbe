package io.nfeval.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.rules.ext.ExtSpec;
import io.nfeval.rules.ext.Extensions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every registered extension has conformance lines (upstream .t or nfeval's kernel-checked golden). */
class ExtensionCoverageTest {
  @Test
  void everyExtensionHasGoldenLines() throws IOException {
    final StringBuilder all = new StringBuilder();
    for (String f : ExtensionsConformanceTest.FILES) {
      all.append(read("/rules/extensions-t/" + f)).append(read("/rules/golden/" + f));
    }
    all.append(read("/rules/golden/nfeval_parse_only.t"));
    final String text = all.toString();
    final List<String> missing = new ArrayList<>();
    for (ExtSpec<?> s : Extensions.MATCHES) {
      if (!text.contains("-m " + s.name() + " ")) {
        missing.add("-m " + s.name());
      }
    }
    for (ExtSpec<?> s : Extensions.TARGETS) {
      if (!text.contains("-j " + s.name())) {
        missing.add("-j " + s.name());
      }
    }
    assertThat(missing).as("extensions without conformance lines").isEmpty();
  }

  private static String read(String res) throws IOException {
    try (InputStream in = ExtensionCoverageTest.class.getResourceAsStream(res)) {
      return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
