package io.nfeval.source;

import com.fasterxml.jackson.databind.JsonNode;
import io.nfeval.InputException;
import io.nfeval.packet.LinkType;
import io.nfeval.packet.PacketView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Per-packet metadata the engine needs beyond the headers: the direction (arriving at the host, or
 * originated locally and so entering at OUTPUT) and the ingress interface name.
 *
 * <p>Direction: packets from {@code --local} inputs are local, and so are NFLOG packets logged at the
 * OUTPUT hook (hook 3); everything else arrives (PREROUTING). SLL "outgoing" packets are not taken as
 * local: a sniffed outgoing packet may be forwarded traffic.
 *
 * <p>Ingress interface, first that applies: NFLOG {@code NFULA_IFINDEX_INDEV} and SLL2's interface index,
 * mapped through the snapshot's {@code ip-addr.json} ({@code ip -j addr}: ifindex → ifname); the pcapng
 * {@code if_name}; the {@code --in} default. Names are the Strings held here (no allocation per packet).
 */
public final class PacketOrigins {
  private final int[] ifindexes;
  private final String[] ifnames;
  private final String defaultIn;

  public PacketOrigins(int[] ifindexes, String[] ifnames, String defaultIn) {
    this.ifindexes = ifindexes.clone();
    this.ifnames = ifnames.clone();
    this.defaultIn = defaultIn == null ? null : defaultIn.intern();
  }

  /** Reads the ifindex → ifname map from a snapshot directory's ip-addr.json, if present. */
  public static PacketOrigins fromSnapshot(Path snapshotDir, String defaultIn) {
    if (snapshotDir == null) {
      return new PacketOrigins(new int[0], new String[0], defaultIn);
    }
    final Path f = snapshotDir.resolve("ip-addr.json");
    if (!Files.isRegularFile(f)) {
      return new PacketOrigins(new int[0], new String[0], defaultIn);
    }
    final JsonNode root = io.nfeval.JsonFiles.read(f);
    if (!root.isArray()) {
      throw InputException.ofFile(f, "expected the JSON array of `ip -j addr`", null);
    }
    int[] idx = new int[root.size()];
    String[] names = new String[root.size()];
    int n = 0;
    for (JsonNode link : root) {
      if (link.hasNonNull("ifindex") && link.hasNonNull("ifname")) {
        idx[n] = link.get("ifindex").asInt();
        names[n] = link.get("ifname").asText().intern();
        n++;
      }
    }
    return new PacketOrigins(Arrays.copyOf(idx, n), Arrays.copyOf(names, n), defaultIn);
  }

  /** The interface name of an ifindex, or null. */
  public String ifname(int ifindex) {
    for (int i = 0; i < ifindexes.length; i++) {
      if (ifindexes[i] == ifindex) {
        return ifnames[i];
      }
    }
    return null;
  }

  /** True when the packet enters at OUTPUT (see class comment). {@code v} must be decoded. */
  public boolean isLocal(boolean fromLocalInput, PacketView v) {
    return fromLocalInput
        || (v.linkType() == LinkType.NFLOG && v.nflogHook() == PacketView.NF_INET_LOCAL_OUT);
  }

  /** The ingress interface name (see class comment), or null when nothing names it. */
  public String ingress(CapturedPacket p, PacketView v) {
    String name = null;
    if (v.linkType() == LinkType.NFLOG && v.inIfindex() > 0) {
      name = ifname(v.inIfindex());
    } else if (v.linkType() == LinkType.LINUX_SLL2 && v.sll2IfIndex() > 0) {
      name = ifname(v.sll2IfIndex());
    }
    if (name == null) {
      name = p.interfaceName();
    }
    return name != null ? name : defaultIn;
  }
}
