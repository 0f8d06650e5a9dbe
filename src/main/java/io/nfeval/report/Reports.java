package io.nfeval.report;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nfeval.InputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Writes a report's data tree in the format its file name asks for: .json, .md or .html. */
public final class Reports {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Reports() {
  }

  /** Checks the extension before any work is done (exit 2 for an unknown one). */
  public static void checkFormat(Path out) {
    format(out);
  }

  private static String format(Path out) {
    final String n = out.getFileName().toString().toLowerCase();
    if (n.endsWith(".json")) {
      return "json";
    }
    if (n.endsWith(".md") || n.endsWith(".markdown")) {
      return "md";
    }
    if (n.endsWith(".html") || n.endsWith(".htm")) {
      return "html";
    }
    throw InputException.usage("--out " + out + ": the format is chosen by extension: .json, .md or .html");
  }

  public static String json(JsonNode data) {
    try {
      final DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
          .withObjectIndenter(new DefaultIndenter("  ", "\n"));
      return MAPPER.writer(pp).writeValueAsString(data) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Renders an audit report. */
  public static String renderAudit(JsonNode data, String format) {
    return switch (format) {
      case "json" -> json(data);
      case "md" -> MarkdownReport.audit(data);
      default -> HtmlReport.audit(data);
    };
  }

  /** Renders a diff report. */
  public static String renderDiff(JsonNode data, String format) {
    return switch (format) {
      case "json" -> json(data);
      case "md" -> MarkdownReport.diff(data);
      default -> HtmlReport.diff(data);
    };
  }

  public static void writeAudit(JsonNode data, Path out) {
    write(out, renderAudit(data, format(out)));
  }

  public static void writeDiff(JsonNode data, Path out) {
    write(out, renderDiff(data, format(out)));
  }

  /** Written beside the target, then moved into place (no half-written report); see OutputFile. */
  private static void write(Path out, String text) {
    try {
      OutputFile.writeString(out, text);
    } catch (IOException e) {
      throw InputException.ofFile(out.toString(), "cannot write the report: " + e.getMessage(), e);
    }
  }
}
