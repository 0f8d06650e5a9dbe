package io.nfeval;

/**
 * Bad input that the user must fix: a broken capture, ruleset or snapshot file. The CLI prints
 * {@link #getMessage()} as one line and exits with code 2; the stack trace only with {@code --debug}.
 *
 * <p>The message always names the file and, where known, the line or byte offset, in the form
 * {@code FILE:LINE: what is wrong} or {@code FILE: offset N: what is wrong}.
 */
public class InputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final long line;
  private final long offset;

  private InputException(String file, long line, long offset, String problem, Throwable cause) {
    super(format(file, line, offset, problem), cause);
    this.file = file;
    this.line = line;
    this.offset = offset;
  }

  /** A problem at a line of a text file (1-based line; 0 when the whole file is meant). */
  public static InputException atLine(Object file, long line, String problem) {
    return new InputException(String.valueOf(file), line, -1, problem, null);
  }

  /** A problem at a byte offset of a binary file. */
  public static InputException atOffset(Object file, long offset, String problem) {
    return new InputException(String.valueOf(file), 0, offset, problem, null);
  }

  /** A problem with a whole file (unreadable, missing). */
  public static InputException ofFile(Object file, String problem, Throwable cause) {
    return new InputException(String.valueOf(file), 0, -1, problem, cause);
  }

  /** A problem with the command line or an input that is not a file. */
  public static InputException usage(String problem) {
    return new InputException(null, 0, -1, problem, null);
  }

  public String file() {
    return file;
  }

  /** 1-based line, or 0 when not a line problem. */
  public long line() {
    return line;
  }

  /** Byte offset, or -1 when not a binary-offset problem. */
  public long offset() {
    return offset;
  }

  private static String format(String file, long line, long offset, String problem) {
    if (file == null || file.equals("null")) {
      return problem;
    }
    if (line > 0) {
      return file + ":" + line + ": " + problem;
    }
    if (offset >= 0) {
      return file + ": offset " + offset + ": " + problem;
    }
    return file + ": " + problem;
  }
}
