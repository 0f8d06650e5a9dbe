package io.nfeval.rules;

/** Where a rule came from: file name and 1-based line. */
public record SourceRef(String file, int line) {
  @Override
  public String toString() {
    return file + ":" + line;
  }
}
