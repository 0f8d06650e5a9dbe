package io.nfeval.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The reply-port hint: which answered port it offers a clashing source NAT binding. */
class ReplyPortIndexTest {
  private static final int UDP = 17;
  private static final int NAT = 0x0a020001; // 10.2.0.1
  private static final int SERVER = 0x0a020002; // 10.2.0.2

  private static int choose(ReplyPortIndex idx, long now) {
    idx.atPacket(0);
    // a flow from port 22 to 10.2.0.2:53, remapped within 1..511
    return idx.choose(UDP, NAT, SERVER, 53, 22, 1, 511, now);
  }

  @Test
  void takesTheFirstAnswerAfterTheConnectionStarted() {
    ReplyPortIndex idx = new ReplyPortIndex();
    idx.add(UDP, SERVER, 53, NAT, 300, 50, 1); // before the connection: another flow's
    idx.add(UDP, SERVER, 53, NAT, 80, 300, 4);
    idx.add(UDP, SERVER, 53, NAT, 200, 200, 3);
    assertEquals(200, choose(idx, 100));
    assertEquals(80, choose(idx, 100), "a port is claimed once");
    assertEquals(-1, choose(idx, 100));
  }

  @Test
  void leavesAnAnswerToALaterFlowThatKeptItsPort() {
    ReplyPortIndex idx = new ReplyPortIndex();
    idx.addSend(UDP, SERVER, 53, 80, 150); // a later flow from port 80 to the same endpoint
    idx.add(UDP, SERVER, 53, NAT, 80, 200, 3);
    assertEquals(-1, choose(idx, 100));
    // the same send before the remapped connection started does not explain the answer
    ReplyPortIndex earlier = new ReplyPortIndex();
    earlier.addSend(UDP, SERVER, 53, 80, 50);
    earlier.add(UDP, SERVER, 53, NAT, 80, 200, 3);
    assertEquals(80, choose(earlier, 100));
    // nor a send after the answer, or one to another endpoint
    ReplyPortIndex after = new ReplyPortIndex();
    after.addSend(UDP, SERVER, 53, 80, 250);
    after.addSend(UDP, SERVER, 54, 80, 150);
    after.add(UDP, SERVER, 53, NAT, 80, 200, 3);
    assertEquals(80, choose(after, 100));
  }

  @Test
  void leavesAPacketTheHostRefused() {
    ReplyPortIndex idx = new ReplyPortIndex();
    idx.add(UDP, SERVER, 53, NAT, 400, 200, 3);
    idx.add(UDP, SERVER, 53, NAT, 401, 300, 5);
    // the host's port unreachable about the first, a millisecond later
    idx.refute(UDP, SERVER, 53, NAT, 400, 1_000_200);
    assertEquals(401, choose(idx, 100));
    // an answer more than a second later refutes nothing
    ReplyPortIndex late = new ReplyPortIndex();
    late.add(UDP, SERVER, 53, NAT, 400, 200, 3);
    late.refute(UDP, SERVER, 53, NAT, 400, 200 + 2_000_000_000L);
    late.refute(UDP, SERVER, 53, NAT, 402, 300);
    assertEquals(400, choose(late, 100));
  }
}
