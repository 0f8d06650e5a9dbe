package io.nfeval.rules.ext;

import java.util.List;
import java.util.Map;

/** {@code -j CHECKSUM --checksum-fill} ({@code xt_CHECKSUM.c}); mangle only. */
public final class ChecksumTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("CHECKSUM",
      List.of(OptSpec.flag("checksum-fill")), Map.of(), ChecksumTarget::new);

  private ChecksumTarget(Opts o, ExtContext c) {
    if (!c.tableIs("mangle")) {
      throw new ExtException("CHECKSUM is only valid in the mangle table");
    }
    o.require("CHECKSUM target: Parameter --checksum-fill is required", "checksum-fill");
  }

  @Override
  public String name() {
    return "CHECKSUM";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j CHECKSUM --checksum-fill");
  }

  /**
   * checksum_tg: fills a CHECKSUM_PARTIAL checksum, which only exists for locally generated
   * offloaded packets; a replayed datagram carries its checksum already. Continue.
   */
  @Override
  public int execute(PacketContext ctx) {
    return XtVerdict.CONTINUE;
  }
}
