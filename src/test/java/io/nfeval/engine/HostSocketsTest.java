package io.nfeval.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nfeval.host.HostModel;
import io.nfeval.packet.PacketView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host's sockets as learned from its packets: what a lookup finds through a socket's life (kernel
 * scenario socket-lifecycle checks the same against the kernel), and that the table holds what is open,
 * not every connection the capture ever had.
 */
class HostSocketsTest {
  private static final long SEC = 1_000_000_000L;
  private static final int SYN = 0x02;
  private static final int RST = 0x04;
  private static final int FIN = 0x01;
  private static final int ACK = 0x10;
  private static final int HOST = Packets.ip("192.0.2.1");
  private static final int FOREIGN = Packets.ip("203.0.113.9");

  @TempDir Path dir;

  private HostSockets sockets() throws Exception {
    final Path h = dir.resolve("host.json");
    Files.writeString(h, EngineSemanticsTest.HOST);
    return new HostSockets(HostModel.fromDescription(h));
  }

  private static String dotted(int a) {
    return (a >>> 24) + "." + (a >>> 16 & 255) + "." + (a >>> 8 & 255) + "." + (a & 255);
  }

  /** A segment from the host's {@code laddr:lport} to {@code raddr:rport}. */
  private static PacketView out(int laddr, int lport, int raddr, int rport, int flags, long seq, long ack) {
    return Packets.tcp(dotted(laddr), lport, dotted(raddr), rport, flags, seq, ack, 0);
  }

  /** A segment from {@code raddr:rport} to the host's {@code laddr:lport}. */
  private static PacketView in(int raddr, int rport, int laddr, int lport, int flags, long seq, long ack) {
    return Packets.tcp(dotted(raddr), rport, dotted(laddr), lport, flags, seq, ack, 0);
  }

  @Test
  void aSocketLivesFromTheHostsFirstSegmentToItsEnd() throws Exception {
    final HostSockets s = sockets();
    final int peer = Packets.ip("198.51.100.7");
    assertEquals(HostSockets.NONE, s.lookup(peer, 4000, HOST, 80, 0));
    s.learnSend(out(HOST, 80, peer, 4000, SYN | ACK, 1000, 1), SEC);
    assertEquals(HostSockets.FOUND, s.lookup(peer, 4000, HOST, 80, SEC));
    assertEquals(HostSockets.LISTENER, s.lookup(peer, 4001, HOST, 80, SEC), "the SYN-ACK shows a listener");
    // the peer closes first, the host second (LAST_ACK): gone once the host's FIN is acknowledged
    s.learnArrival(in(peer, 4000, HOST, 80, FIN | ACK, 1, 1001), 2 * SEC);
    s.learnSend(out(HOST, 80, peer, 4000, FIN | ACK, 1001, 2), 2 * SEC);
    assertEquals(HostSockets.FOUND, s.lookup(peer, 4000, HOST, 80, 2 * SEC));
    s.learnArrival(in(peer, 4000, HOST, 80, ACK, 2, 1001), 3 * SEC);
    assertEquals(HostSockets.FOUND, s.lookup(peer, 4000, HOST, 80, 3 * SEC), "an ACK short of the FIN");
    s.learnArrival(in(peer, 4000, HOST, 80, ACK, 2, 1002), 3 * SEC);
    assertEquals(HostSockets.LISTENER, s.lookup(peer, 4000, HOST, 80, 3 * SEC));
    assertEquals(0, s.size());

    // the host closes first: TIME_WAIT for 60 s after the peer's FIN
    s.learnSend(out(HOST, 40000, peer, 443, SYN, 5000, 0), 10 * SEC);
    s.learnSend(out(HOST, 40000, peer, 443, FIN | ACK, 5001, 9), 11 * SEC);
    s.learnArrival(in(peer, 443, HOST, 40000, FIN | ACK, 9, 5002), 12 * SEC);
    assertEquals(HostSockets.FOUND, s.lookup(peer, 443, HOST, 40000, 72 * SEC));
    assertEquals(HostSockets.NONE, s.lookup(peer, 443, HOST, 40000, 72 * SEC + 1));

    // a reset from either side ends it
    s.learnSend(out(HOST, 40001, peer, 443, SYN, 5000, 0), 80 * SEC);
    s.learnArrival(in(peer, 443, HOST, 40001, RST | ACK, 0, 5001), 80 * SEC);
    assertEquals(HostSockets.NONE, s.lookup(peer, 443, HOST, 40001, 80 * SEC));
    s.learnSend(out(HOST, 40002, peer, 443, SYN, 5000, 0), 80 * SEC);
    s.learnSend(out(HOST, 40002, peer, 443, RST, 5001, 0), 80 * SEC);
    assertEquals(HostSockets.NONE, s.lookup(peer, 443, HOST, 40002, 80 * SEC));
  }

  @Test
  void tproxysConnectionIsTransparentOnceTheHostAnswers() throws Exception {
    final HostSockets s = sockets();
    final int client = Packets.ip("10.0.0.5");
    final PacketView syn = in(client, 5555, FOREIGN, 80, SYN, 100, 0);
    s.tproxied(syn, SEC);
    assertEquals(HostSockets.NONE, s.lookup(client, 5555, FOREIGN, 80, SEC), "no socket before the answer");
    s.learnSend(out(FOREIGN, 80, client, 5555, SYN | ACK, 7, 101), SEC);
    assertEquals(HostSockets.FOUND_TRANSPARENT, s.lookup(client, 5555, FOREIGN, 80, SEC));
    s.learnArrival(in(client, 5555, FOREIGN, 80, RST, 101, 0), 2 * SEC);
    assertEquals(HostSockets.NONE, s.lookup(client, 5555, FOREIGN, 80, 2 * SEC));
    // an assignment the host never answers is dropped in time
    for (int i = 0; i < 3000; i++) {
      s.tproxied(in(client, 10000 + i, FOREIGN, 80, SYN, 1, 0), 3 * SEC);
    }
    assertEquals(3000, s.size());
    for (int i = 0; i < 20_000; i++) {
      s.tproxied(in(client, 20000 + i, FOREIGN, 80, SYN, 1, 0), 200 * SEC);
    }
    assertEquals(20_000, s.size(), "the first 3,000 went when the table filled");
  }

  @Test
  void theTableHoldsWhatIsOpenNotEveryConnectionEver() throws Exception {
    final HostSockets s = sockets();
    // 400,000 connections one after another, 1 ms apart, half closed by the host first (TIME_WAIT 60 s),
    // a quarter closed by the peer first, a quarter reset: at most 60,000 TIME_WAIT sockets at a time
    int maxCapacity = 0;
    for (int i = 0; i < 400_000; i++) {
      final long t = i * 1_000_000L;
      final int peer = Packets.ip("198.51.100.1") + (i % 200);
      final int port = 1024 + i / 200;
      s.learnSend(out(HOST, port, peer, 443, SYN, 1, 0), t);
      switch (i & 3) {
        case 0, 1 -> {
          s.learnSend(out(HOST, port, peer, 443, FIN | ACK, 2, 1), t);
          s.learnArrival(in(peer, 443, HOST, port, FIN | ACK, 1, 3), t);
        }
        case 2 -> {
          s.learnArrival(in(peer, 443, HOST, port, FIN | ACK, 1, 2), t);
          s.learnSend(out(HOST, port, peer, 443, FIN | ACK, 2, 2), t);
          s.learnArrival(in(peer, 443, HOST, port, ACK, 2, 3), t);
        }
        default -> s.learnArrival(in(peer, 443, HOST, port, RST, 1, 0), t);
      }
      maxCapacity = Math.max(maxCapacity, s.capacity());
    }
    assertTrue(maxCapacity <= 1 << 19, "capacity " + maxCapacity);
    assertTrue(s.size() <= 60_001 * 2, "size " + s.size());
  }

  @Test
  void removalKeepsEveryOtherSocketFindable() throws Exception {
    final HostSockets s = sockets();
    final Random rnd = new Random(42);
    final Set<Long> open = new HashSet<>();
    for (int step = 0; step < 200_000; step++) {
      // few peers and ports: long probe runs, removals from their middle
      final int peer = Packets.ip("198.51.100.0") + rnd.nextInt(64);
      final int port = 1024 + rnd.nextInt(64);
      final long key = (long) peer << 16 | port;
      if (rnd.nextInt(3) == 0) {
        s.learnSend(out(HOST, port, peer, 80, RST, 1, 0), step);
        open.remove(key);
      } else {
        s.learnSend(out(HOST, port, peer, 80, SYN, 1, 0), step);
        open.add(key);
      }
      if (step % 1000 == 999) {
        assertEquals(open.size(), s.size());
        for (int p = 0; p < 64; p++) {
          for (int q = 0; q < 64; q++) {
            final int pa = Packets.ip("198.51.100.0") + p;
            final boolean expect = open.contains((long) pa << 16 | (1024 + q));
            assertEquals(expect ? HostSockets.FOUND : HostSockets.NONE, s.lookup(pa, 80, HOST, 1024 + q, step),
                "step " + step);
          }
        }
      }
    }
  }
}
