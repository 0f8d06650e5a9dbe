package io.nfeval;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads the JSON files of a snapshot (iproute2's, nft's): a broken one is one line naming the file.
 *
 * <p>The tree is built from jackson-core's streaming parser rather than through an ObjectMapper:
 * ObjectMapper's class initialisation (date formats, time zones) alone took 30 ms of a 0.4 s replay,
 * and these files need none of its binding. The tree is the one {@code ObjectMapper.readTree} gives
 * (ints, longs or big integers, doubles; a repeated key keeps its last value; what follows the first
 * value is not read); the parser's own limits (nesting depth 1,000) hold.
 */
public final class JsonFiles {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonFiles() {}

  /** Parses a JSON file; a syntax error becomes an InputException with the line Jackson reports. */
  public static JsonNode read(Path file) {
    try {
      JsonNode n = readTree(Files.readAllBytes(file));
      if (n == null) {
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

  /** The first JSON value of {@code bytes}, or null when they hold none (only whitespace). */
  static JsonNode readTree(byte[] bytes) throws IOException {
    try (JsonParser p = FACTORY.createParser(bytes)) {
      final JsonToken t = p.nextToken();
      return t == null ? null : value(p, t);
    }
  }

  private static JsonNode value(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT: {
        final ObjectNode o = NODES.objectNode();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          final String name = p.currentName();
          o.set(name, value(p, next(p)));
        }
        return o;
      }
      case START_ARRAY: {
        final ArrayNode a = NODES.arrayNode();
        for (JsonToken k = next(p); k != JsonToken.END_ARRAY; k = next(p)) {
          a.add(value(p, k));
        }
        return a;
      }
      case VALUE_STRING:
        return NODES.textNode(p.getText());
      case VALUE_NUMBER_INT:
        switch (p.getNumberType()) {
          case INT:
            return NODES.numberNode(p.getIntValue());
          case LONG:
            return NODES.numberNode(p.getLongValue());
          default:
            return NODES.numberNode(p.getBigIntegerValue());
        }
      case VALUE_NUMBER_FLOAT:
        return NODES.numberNode(p.getDoubleValue());
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        throw new JsonParseException(p, "unexpected " + t);
    }
  }

  /** The next token; the parser reports an unclosed array or object itself, this is the backstop. */
  private static JsonToken next(JsonParser p) throws IOException {
    final JsonToken t = p.nextToken();
    if (t == null) {
      throw new JsonParseException(p, "unexpected end of input");
    }
    return t;
  }
}
