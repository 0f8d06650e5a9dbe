package io.nfeval.source;

import io.nfeval.InputException;

/** Which capture reader to use: nfeval's own memory-mapped pcap/pcapng readers, or libpcap via pcap4j. */
public enum ReaderKind {
  MMAP, LIBPCAP;

  /** Parses the CLI spelling ({@code mmap} or {@code libpcap}). */
  public static ReaderKind parse(String s) {
    if ("mmap".equalsIgnoreCase(s)) {
      return MMAP;
    }
    if ("libpcap".equalsIgnoreCase(s)) {
      return LIBPCAP;
    }
    throw InputException.usage("--reader must be mmap or libpcap, not '" + s + "'");
  }
}
