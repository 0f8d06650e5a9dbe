package io.nfeval.rules.ext;

/** An extension rejected its options; the parser turns it into an InputException at the rule's line. */
public final class ExtException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ExtException(String message) {
    super(message);
  }
}
