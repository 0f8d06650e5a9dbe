package io.nfeval.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nfeval.InputException;
import io.nfeval.packet.LinkType;
import io.nfeval.packet.PacketView;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PacketOriginsTest {
  @TempDir Path dir;

  @Test
  void ifnamesFromIpAddrJson() throws Exception {
    Files.writeString(dir.resolve("ip-addr.json"), "[{\"ifindex\":1,\"ifname\":\"lo\",\"addr_info\":[]},"
        + "{\"ifindex\":7,\"ifname\":\"eth0\",\"flags\":[\"UP\"]},{\"link\":\"x\"}]");
    final PacketOrigins o = PacketOrigins.fromSnapshot(dir, "wan0");
    assertThat(o.ifname(7)).isEqualTo("eth0");
    assertThat(o.ifname(2)).isNull();
    final PacketView v = new PacketView();
    final byte[] sll2 = new byte[20 + 20];
    sll2[0] = 0x08;
    sll2[7] = 7;
    sll2[20] = 0x45;
    sll2[23] = 20;
    v.wrap(ByteBuffer.wrap(sll2), 0, sll2.length, sll2.length, LinkType.LINUX_SLL2).decode();
    final CapturedPacket p = new CapturedPacket().set(ByteBuffer.wrap(sll2), 0, sll2.length, sll2.length,
        0, LinkType.LINUX_SLL2, 0, "pcapng-name", null, 0, 0, 0);
    assertThat(o.ingress(p, v)).isEqualTo("eth0");
    sll2[7] = 9;
    v.decode();
    assertThat(o.ingress(p, v)).isEqualTo("pcapng-name");
    v.wrap(ByteBuffer.wrap(sll2), 20, 20, 20, LinkType.IPV4).decode();
    p.set(ByteBuffer.wrap(sll2), 20, 20, 20, 0, LinkType.IPV4, 0, null, null, 0, 0, 0);
    assertThat(o.ingress(p, v)).isEqualTo("wan0");
    assertThat(o.isLocal(true, v)).isTrue();
    assertThat(o.isLocal(false, v)).isFalse();
  }

  @Test
  void badJsonIsAnInputError() throws Exception {
    Files.writeString(dir.resolve("ip-addr.json"), "{not json");
    assertThatThrownBy(() -> PacketOrigins.fromSnapshot(dir, null))
        .isInstanceOf(InputException.class).hasMessageContaining("ip-addr.json");
    assertThat(PacketOrigins.fromSnapshot(dir.resolve("nowhere"), null).ifname(1)).isNull();
  }
}
