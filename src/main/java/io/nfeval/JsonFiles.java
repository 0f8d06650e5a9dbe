package io.nfeval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads the JSON files of a snapshot (iproute2's, nft's): a broken one is one line naming the file. */
public final class JsonFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonFiles() {}

  /** Parses a JSON file; a syntax error becomes an InputException with the line Jackson reports. */
  public static JsonNode read(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      JsonNode n = JSON.readTree(bytes);
      if (n == null || n.isMissingNode()) {
        throw InputException.ofFile(file, "empty file, expected JSON", null);
      }
      return n;
    } catch (JsonProcessingException e) {
      long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      String msg = "bad JSON: " + e.getOriginalMessage();
      throw line > 0 ? InputException.atLine(file, line, msg) : InputException.ofFile(file, msg, e);
    } catch (NoSuchFileException e) {
      throw InputException.ofFile(file, "missing", e);
    } catch (IOException e) {
      throw InputException.ofFile(file, "cannot read: " + e.getMessage(), e);
    }
  }
}
