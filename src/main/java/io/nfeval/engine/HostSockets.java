package io.nfeval.engine;

import io.nfeval.host.HostModel;
import io.nfeval.packet.PacketView;

/**
 * The host's TCP sockets as a capture of its own packets shows them, for {@code -m socket} and
 * TPROXY's lookups (xt_socket.c nf_sk_lookup_slow_v4, nf_tproxy_ipv4.c): a snapshot lists no sockets.
 *
 * <ul>
 *   <li>A connection's socket (full, request or TIME_WAIT: __inet_lookup_established finds all three)
 *       exists once the host has sent a TCP segment from it: its SYN when it connects, its SYN-ACK when
 *       it accepts. It goes with a reset either way; when the host closes second (LAST_ACK) once the
 *       peer acknowledges the host's FIN; when it closes first, 60 s (TCP_TIMEWAIT_LEN) after the
 *       peer's FIN (its TIME_WAIT socket is found until then). Kernel scenario socket-lifecycle.</li>
 *   <li>A listener exists for an address and port the host answered a SYN from (a first pass over the
 *       captures learns them before the replay, since the lookup of the first SYN comes before the
 *       host's answer). Only the host's own addresses: a SYN-ACK from a foreign address comes from a
 *       transparent socket TPROXY gave the connection. A capture cannot tell whether a listener is bound
 *       to that address or to 0.0.0.0; daemons bind the wildcard, which xt_socket ignores without
 *       {@code --nowildcard}: assumed, and flagged where it decides.</li>
 *   <li>Transparent (IP_TRANSPARENT, inherited from the listener) is a socket whose local address is not
 *       one of the host's, or whose connection TPROXY assigned.</li>
 * </ul>
 * Only TCP: a UDP socket's bound address (xt_socket ignores 0.0.0.0) does not show in its packets.
 */
final class HostSockets {
  /** Lookup results. */
  static final int NONE = 0;
  static final int FOUND = 1;
  static final int FOUND_TRANSPARENT = 2;
  /** A listener (bound, as assumed, to 0.0.0.0). */
  static final int LISTENER = 3;

  private static final long TIME_WAIT = 60_000_000_000L;
  /**
   * How long TPROXY's assignment of a connection waits for the host's first segment from it: the host
   * answers a SYN at once, and a SYN retransmitted later is assigned again.
   */
  private static final long PENDING = 120_000_000_000L;
  private static final int F_TRANSPARENT = 1;
  private static final int F_FIN_LOCAL = 2;
  private static final int F_FIN_REMOTE = 4;
  /** TPROXY assigned the connection; the host has not sent from its socket yet (no socket found). */
  private static final int F_PENDING = 8;
  /** The host sent its FIN after the peer's: gone once the peer acknowledges it. */
  private static final int F_LAST_ACK = 16;
  private static final int MIN_CAPACITY = 1 << 10;

  private final HostModel host;
  // open addressing with linear probing over (local addr, local port, remote addr, remote port). A socket
  // that goes is removed at once; TIME_WAIT sockets past their 60 s and stale TPROXY assignments are
  // dropped when the table fills, so it holds what the host has open, not every connection it ever had.
  private int capacity = MIN_CAPACITY;
  private int[] local = new int[capacity];
  private int[] remote = new int[capacity];
  private int[] ports = new int[capacity];
  private int[] flags = new int[capacity];
  /** The peer's FIN that started TIME_WAIT, or when TPROXY assigned a pending connection. */
  private long[] since = new long[capacity];
  /** The acknowledgment number that acknowledges the host's FIN (LAST_ACK). */
  private int[] finEnd = new int[capacity];
  private boolean[] used = new boolean[capacity];
  private int size;
  /** Listeners: (addr << 16 | port) → 1. */
  private final LongLongMap listeners = new LongLongMap(0);
  /** Connections a first pass saw the host accept from a foreign address (a transparent socket). */
  private final LongLongMap transparentAnswers = new LongLongMap(0);
  /** Some connection was accepted that way: a transparent listener exists. */
  private boolean transparentListener;
  private boolean scanned;

  HostSockets(HostModel host) {
    this.host = host;
  }

  private static int hash(int l, int r, int p) {
    int x = l * 0x9E3779B1 ^ r * 0x85EBCA77 ^ p * 0xC2B2AE3D;
    return x ^ (x >>> 15);
  }

  private int find(int l, int r, int p) {
    final int mask = capacity - 1;
    for (int i = hash(l, r, p) & mask; used[i]; i = (i + 1) & mask) {
      if (local[i] == l && remote[i] == r && ports[i] == p) {
        return i;
      }
    }
    return -1;
  }

  /** A fresh entry for a key {@link #find} did not find. */
  private int insert(int l, int r, int p, long now) {
    if (2 * (size + 1) > capacity) {
      rebuild(now);
    }
    return place(l, r, p);
  }

  private int place(int l, int r, int p) {
    final int mask = capacity - 1;
    int i = hash(l, r, p) & mask;
    while (used[i]) {
      i = (i + 1) & mask;
    }
    used[i] = true;
    local[i] = l;
    remote[i] = r;
    ports[i] = p;
    flags[i] = 0;
    since[i] = 0;
    finEnd[i] = 0;
    size++;
    return i;
  }

  /**
   * An entry with these flags and time that nothing can find any more at {@code now}: a TIME_WAIT socket
   * past its 60 s, or a TPROXY assignment the host never answered.
   */
  private static boolean stale(int f, long since, long now) {
    if ((f & F_PENDING) != 0) {
      return now - since > PENDING;
    }
    return since != 0 && now - since > TIME_WAIT;
  }

  /**
   * The table is half full: drop the stale entries, then size it for what is left (at most a quarter
   * full, so that the next rebuild is as many insertions away as the table holds: amortised O(1)).
   */
  private void rebuild(long now) {
    int live = 0;
    for (int i = 0; i < capacity; i++) {
      if (used[i] && !stale(flags[i], since[i], now)) {
        live++;
      }
    }
    int n = MIN_CAPACITY;
    while (n < 4 * (live + 1)) {
      n *= 2;
    }
    final int[] ol = local;
    final int[] or = remote;
    final int[] op = ports;
    final int[] of = flags;
    final long[] ot = since;
    final int[] oe = finEnd;
    final boolean[] ou = used;
    capacity = n;
    local = new int[n];
    remote = new int[n];
    ports = new int[n];
    flags = new int[n];
    since = new long[n];
    finEnd = new int[n];
    used = new boolean[n];
    size = 0;
    for (int i = 0; i < ou.length; i++) {
      if (ou[i] && !stale(of[i], ot[i], now)) {
        final int k = place(ol[i], or[i], op[i]);
        flags[k] = of[i];
        since[k] = ot[i];
        finEnd[k] = oe[i];
      }
    }
  }

  /** Removes entry {@code i}, shifting back the entries of its probe run (no tombstones). */
  private void remove(int i) {
    final int mask = capacity - 1;
    int hole = i;
    for (int j = (i + 1) & mask; used[j]; j = (j + 1) & mask) {
      final int home = hash(local[j], remote[j], ports[j]) & mask;
      // j may fill the hole unless its home lies cyclically in (hole, j]
      final boolean stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!stays) {
        local[hole] = local[j];
        remote[hole] = remote[j];
        ports[hole] = ports[j];
        flags[hole] = flags[j];
        since[hole] = since[j];
        finEnd[hole] = finEnd[j];
        hole = j;
      }
    }
    used[hole] = false;
    size--;
  }

  /** Entries in the table (sockets, TIME_WAIT sockets not yet dropped, pending TPROXY assignments). */
  int size() {
    return size;
  }

  /** Slots the table holds. */
  int capacity() {
    return capacity;
  }

  private static long listenerKey(int addr, int port) {
    return (addr & 0xffffffffL) << 16 | port;
  }

  /**
   * A first pass saw the host answer a SYN from {@code laddr:lport} to {@code raddr:rport}: a listener is
   * there, or, from a foreign address, a transparent listener TPROXY gave that connection to.
   */
  void learnSynAck(int laddr, int lport, int raddr, int rport) {
    if (host.isHostAddress(laddr)) {
      listeners.put(listenerKey(laddr, lport), 1);
    } else {
      transparentAnswers.put(connKey(laddr, lport, raddr, rport), 1);
      transparentListener = true;
    }
  }

  /** The first pass is done: what it did not see did not happen. */
  void scanned() {
    scanned = true;
  }

  /**
   * TPROXY's listener lookup (--on-ip/--on-port) for a segment from {@code raddr:rport} to
   * {@code laddr:lport}: no capture shows that listener, but its answers do. A SYN the host answered
   * from the connection's original destination reached it; otherwise a transparent listener exists if the
   * host ever answered a TPROXYed SYN (a SYN dropped after TPROXY gets no answer either).
   * {@link #FOUND_TRANSPARENT}, {@link #NONE}, or -1 when no first pass ran.
   */
  int tproxyListener(int raddr, int rport, int laddr, int lport, boolean syn) {
    if (!scanned) {
      return -1;
    }
    if (syn && transparentAnswers.get(connKey(laddr, lport, raddr, rport)) == 1) {
      return FOUND_TRANSPARENT;
    }
    return transparentListener ? FOUND_TRANSPARENT : NONE;
  }

  private static long connKey(int l, int lport, int r, int rport) {
    return ((long) hash(l, r, lport << 16 | rport) << 32) ^ (l & 0xffffffffL) ^ ((long) lport << 40)
        ^ (r * 31L) ^ rport;
  }

  /**
   * TPROXY assigned this arrival's connection to a transparent socket, whose first segment the host has
   * yet to send. A SYN that TPROXY gave the listener in place of a TIME_WAIT socket ended that socket
   * (nf_tproxy_handle_time_wait4).
   */
  void tproxied(PacketView v, long now) {
    final int l = v.dstAddr();
    final int r = v.srcAddr();
    final int p = v.dstPort() << 16 | v.srcPort();
    int i = find(l, r, p);
    if (i < 0) {
      i = insert(l, r, p, now);
    } else if ((flags[i] & F_PENDING) == 0 && since[i] == 0) {
      return; // an open socket keeps what it is
    }
    flags[i] = F_PENDING;
    since[i] = now;
    finEnd[i] = 0;
  }

  /** A TCP segment the host sent from one of its sockets: the socket exists (or ends, with a reset). */
  void learnSend(PacketView v, long now) {
    if (v.protocol() != PacketView.IPPROTO_TCP || !v.l4HeaderPresent()) {
      return;
    }
    final int l = v.srcAddr();
    final int r = v.dstAddr();
    final int p = v.srcPort() << 16 | v.dstPort();
    final int f = v.tcpFlags();
    int i = find(l, r, p);
    if ((f & PacketView.TCP_RST) != 0) {
      if (i >= 0) {
        remove(i);
      }
      return;
    }
    if ((f & PacketView.TCP_SYN) != 0 && (f & PacketView.TCP_ACK) != 0) {
      if (host.isHostAddress(l)) {
        listeners.put(listenerKey(l, v.srcPort()), 1); // learned as it goes when nothing was scanned
      }
    }
    if (i < 0) {
      i = insert(l, r, p, now);
      flags[i] = host.isHostAddress(l) ? 0 : F_TRANSPARENT;
    } else if ((flags[i] & F_PENDING) != 0) {
      flags[i] = F_TRANSPARENT; // TPROXY's connection: the socket inherits IP_TRANSPARENT
      since[i] = 0;
    } else if (expired(i, now)) {
      flags[i] = host.isHostAddress(l) ? 0 : F_TRANSPARENT;
      since[i] = 0;
      finEnd[i] = 0;
    }
    if ((f & PacketView.TCP_FIN) != 0 && (flags[i] & F_FIN_LOCAL) == 0) {
      flags[i] |= F_FIN_LOCAL;
      if ((flags[i] & F_FIN_REMOTE) != 0) {
        flags[i] |= F_LAST_ACK;
        finEnd[i] = (int) v.tcpSeq() + v.tcpPayloadLength() + 1;
      }
    }
  }

  /**
   * A segment the host's stack received (after its evaluation, whose lookup still found the socket):
   * a reset ends the socket, the peer's FIN starts TIME_WAIT for a host that closed first, and the
   * acknowledgment of a LAST_ACK socket's FIN ends it.
   */
  void learnArrival(PacketView v, long now) {
    if (v.protocol() != PacketView.IPPROTO_TCP || !v.l4HeaderPresent()) {
      return;
    }
    final int i = find(v.dstAddr(), v.srcAddr(), v.dstPort() << 16 | v.srcPort());
    if (i < 0 || (flags[i] & F_PENDING) != 0) {
      return;
    }
    final int f = v.tcpFlags();
    if ((f & PacketView.TCP_RST) != 0) {
      remove(i);
      return;
    }
    if ((flags[i] & F_LAST_ACK) != 0 && (f & PacketView.TCP_ACK) != 0 && (int) v.tcpAck() - finEnd[i] >= 0) {
      remove(i);
      return;
    }
    if ((f & PacketView.TCP_FIN) != 0 && (flags[i] & F_FIN_REMOTE) == 0) {
      flags[i] |= F_FIN_REMOTE;
      if ((flags[i] & F_FIN_LOCAL) != 0) {
        since[i] = now; // FIN_WAIT2 → TIME_WAIT
      }
    }
  }

  /** A TIME_WAIT socket past its 60 s (TCP_TIMEWAIT_LEN). */
  private boolean expired(int i, long now) {
    return (flags[i] & F_PENDING) == 0 && since[i] != 0 && now - since[i] > TIME_WAIT;
  }

  /**
   * __inet_lookup for a segment arriving from {@code raddr:rport} to {@code laddr:lport}: the
   * connection's socket, else a listener on the address or the wildcard.
   */
  int lookup(int raddr, int rport, int laddr, int lport, long now) {
    final int i = find(laddr, raddr, lport << 16 | rport);
    if (i >= 0 && (flags[i] & F_PENDING) == 0 && !expired(i, now)) {
      return (flags[i] & F_TRANSPARENT) != 0 ? FOUND_TRANSPARENT : FOUND;
    }
    return listeners.get(listenerKey(laddr, lport)) == 1 ? LISTENER : NONE;
  }
}
