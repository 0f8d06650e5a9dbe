package io.nfeval.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.packet.LinkType;
import io.nfeval.packet.Malformed;
import io.nfeval.packet.PacketView;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class PacketClockTest {
  private static final long S = 1_000_000_000L;
  private static final long MS = 1_000_000L;

  private final PacketClock clock = new PacketClock();
  private final CapturedPacket p = new CapturedPacket();
  private final PacketView v = new PacketView();

  /** An NFLOG record of a UDP datagram logged at {@code hook}, with NFULA_TIMESTAMP when {@code kernelMicros >= 0}. */
  private static byte[] nflog(int hook, long kernelMicros) {
    final ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 2).put((byte) 0).order(ByteOrder.BIG_ENDIAN).putShort((short) 7);
    b.order(ByteOrder.LITTLE_ENDIAN).putShort((short) 8).putShort((short) 1);
    b.order(ByteOrder.BIG_ENDIAN).putShort((short) 0x0800).put((byte) hook).put((byte) 0);
    if (kernelMicros >= 0) {
      b.order(ByteOrder.LITTLE_ENDIAN).putShort((short) 20).putShort((short) 3);
      b.order(ByteOrder.BIG_ENDIAN).putLong(kernelMicros / 1_000_000).putLong(kernelMicros % 1_000_000);
    }
    b.order(ByteOrder.LITTLE_ENDIAN).putShort((short) (4 + 28)).putShort((short) 9);
    b.order(ByteOrder.BIG_ENDIAN);
    b.put((byte) 0x45).put((byte) 0).putShort((short) 28).putInt(0).put((byte) 64).put((byte) 17).putShort((short) 0);
    b.putInt(0x0a010002).putInt(0x0a020002);
    b.putShort((short) 41003).putShort((short) 5003).putShort((short) 8).putShort((short) 0);
    final byte[] out = new byte[b.position()];
    b.flip().get(out);
    return out;
  }

  private long time(byte[] record, int linkType, long stampNanos) {
    p.set(ByteBuffer.wrap(record), 0, record.length, record.length, stampNanos, linkType, 0, null, null, 0, 0, 0);
    assertThat(v.wrap(p.buffer(), 0, record.length, record.length, linkType).decode()).isEqualTo(Malformed.OK);
    return clock.timeOf(p, v);
  }

  @Test
  void nflogRecordsTakeTheKernelsTimeNotLibpcapsReadTime() {
    // libpcap stamped these when it read them, 462 ms after the hook for the second (measured)
    assertThat(time(nflog(0, 1_000_000), LinkType.NFLOG, 1 * S + 220_000)).isEqualTo(1 * S);
    assertThat(time(nflog(0, 1_100_000), LinkType.NFLOG, 1 * S + 562 * MS)).isEqualTo(1 * S + 100 * MS);
  }

  @Test
  void aRecordWithoutTheKernelsTimeLosesTheLastReadingDelay() {
    time(nflog(0, 2_000_000), LinkType.NFLOG, 2 * S + 300 * MS);
    // OUTPUT: nfnetlink_log adds no NFULA_TIMESTAMP there
    assertThat(time(nflog(3, -1), LinkType.NFLOG, 2 * S + 310 * MS)).isEqualTo(2 * S + 10 * MS);
    // before any record with both times there is no delay to take off
    clock.reset();
    assertThat(time(nflog(3, -1), LinkType.NFLOG, 5 * S)).isEqualTo(5 * S);
  }

  @Test
  void timeNeverGoesBackBetweenNflogRecords() {
    time(nflog(0, 3_000_000), LinkType.NFLOG, 3 * S + 50 * MS);
    // logged later on another CPU, stamped when queued slightly before: the hook ran after the first
    assertThat(time(nflog(0, 2_999_990), LinkType.NFLOG, 3 * S + 51 * MS)).isEqualTo(3 * S);
    // an OUTPUT record read with a shorter delay than the last: not before the packet it follows
    assertThat(time(nflog(3, -1), LinkType.NFLOG, 3 * S + 20 * MS)).isEqualTo(3 * S);
  }

  @Test
  void otherLinkTypesKeepTheRecordsStampEvenWhenItGoesBack() {
    final byte[] ip = new byte[28];
    ip[0] = 0x45;
    ip[3] = 28;
    ip[8] = 64;
    ip[9] = 17;
    ip[25] = 8;
    assertThat(time(ip, LinkType.RAW, 7 * S)).isEqualTo(7 * S);
    assertThat(time(ip, LinkType.RAW, 6 * S)).isEqualTo(6 * S);
  }
}
