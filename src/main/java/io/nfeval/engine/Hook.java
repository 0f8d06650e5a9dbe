package io.nfeval.engine;

/** The five IPv4 netfilter hooks, numbered as the kernel's {@code enum nf_inet_hooks}. */
public enum Hook {
  PREROUTING,
  INPUT,
  FORWARD,
  OUTPUT,
  POSTROUTING;

  /** NF_INET_* number. */
  public int number() {
    return ordinal();
  }

  private static final Hook[] VALUES = values();

  public static Hook of(int number) {
    return VALUES[number];
  }
}
