package io.nfeval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streaming tree builder gives ObjectMapper.readTree's tree, and the same one-line errors. */
class JsonFilesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void everyJsonFileOfTheTestSnapshotsReadsAsObjectMapperReadsIt() throws Exception {
    final List<Path> files;
    try (Stream<Path> s = Files.walk(Path.of("src/test/resources"))) {
      files = s.filter(p -> p.toString().endsWith(".json")).collect(Collectors.toList());
    }
    assertThat(files).hasSizeGreaterThan(100);
    for (Path f : files) {
      final byte[] b = Files.readAllBytes(f);
      final JsonNode expected;
      try {
        expected = MAPPER.readTree(b);
      } catch (Exception e) {
        continue; // broken on purpose; the error cases are below
      }
      if (expected == null || expected.isMissingNode()) {
        assertThat(JsonFiles.readTree(b)).as(f.toString()).isNull();
      } else {
        assertThat(JsonFiles.readTree(b)).as(f.toString()).isEqualTo(expected);
      }
    }
  }

  @Test
  void edgeCasesMatchObjectMapper() throws Exception {
    for (String text : List.of(
        "[]", "{}", " \n ", "[1, -2, 2147483648, 9223372036854775808, 1.5, -0.0, 1e300]",
        "{\"a\": 1, \"a\": 2}", "{\"x\": [true, false, null, \"s\\u00e9\", {\"y\": []}]}",
        "[1] trailing garbage", "\"just a string\"", "42")) {
      final byte[] b = text.getBytes(StandardCharsets.UTF_8);
      final JsonNode expected = MAPPER.readTree(b);
      if (expected == null || expected.isMissingNode()) {
        assertThat(JsonFiles.readTree(b)).as(text).isNull();
      } else {
        assertThat(JsonFiles.readTree(b)).as(text).isEqualTo(expected);
      }
    }
  }

  @Test
  void brokenFilesAreOneLineNamingFileAndLine() throws Exception {
    final Path f = dir.resolve("ip-addr.json");
    Files.writeString(f, "[\n {\"ifname\": \"eth0\",\n  \"mtu\": 1500\n");
    assertThatThrownBy(() -> JsonFiles.read(f)).isInstanceOf(InputException.class)
        .hasMessageContaining("ip-addr.json").hasMessageContaining("bad JSON");
    Files.writeString(f, "[\n {\"ifname\": eth0}]\n");
    assertThatThrownBy(() -> JsonFiles.read(f)).isInstanceOf(InputException.class)
        .hasMessageContaining(":2").hasMessageContaining("bad JSON");
    Files.writeString(f, "   \n");
    assertThatThrownBy(() -> JsonFiles.read(f)).isInstanceOf(InputException.class)
        .hasMessageContaining("empty file");
    Files.writeString(f, "[".repeat(5000));
    assertThatThrownBy(() -> JsonFiles.read(f)).isInstanceOf(InputException.class)
        .hasMessageContaining("bad JSON");
    assertThatThrownBy(() -> JsonFiles.read(dir.resolve("nope.json"))).isInstanceOf(InputException.class)
        .hasMessageContaining("missing");
  }
}
