package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/** {@code -j NFQUEUE} revision 3 ({@code xt_NFQUEUE.c}): hand the packet to userspace queue(s). */
public final class NfqueueTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("NFQUEUE",
      List.of(arg("queue-num"), arg("queue-balance"), flag("queue-bypass"), flag("queue-cpu-fanout"),
          flag("fail-open")),
      Map.of(), NfqueueTarget::new);

  private final int queueNum;
  private final int queuesTotal;
  private final boolean bypass;
  private final boolean cpuFanout;
  private final boolean failOpen;

  private NfqueueTarget(Opts o, ExtContext c) {
    if (o.has("queue-num") && o.has("queue-balance")) {
      throw new ExtException("NFQUEUE: --queue-num and --queue-balance are exclusive");
    }
    if (o.has("queue-balance")) {
      final String s = o.str("queue-balance");
      if (s.indexOf(':') < 0) {
        throw new ExtException("NFQUEUE: --queue-balance needs a range a:b");
      }
      final int[] r = Num.portRange(s, ':');
      final int max = s.endsWith(":") ? 65534 : r[1];
      if (max > 65534 || r[0] >= max) {
        throw new ExtException("NFQUEUE: bad --queue-balance range \"" + s + "\"");
      }
      queueNum = r[0];
      queuesTotal = max - r[0] + 1;
    } else {
      queueNum = o.has("queue-num") ? (int) Num.parseUnsigned(o.str("queue-num"), 65535, "queue-num") : 0;
      queuesTotal = 1;
    }
    bypass = o.has("queue-bypass");
    cpuFanout = o.has("queue-cpu-fanout");
    failOpen = o.has("fail-open");
  }

  public int queueNum() { return queueNum; }
  public int queuesTotal() { return queuesTotal; }
  public boolean bypass() { return bypass; }
  public boolean cpuFanout() { return cpuFanout; }
  public boolean failOpen() { return failOpen; }

  @Override
  public String name() {
    return "NFQUEUE";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j NFQUEUE");
    if (queuesTotal > 1) {
      sb.append(" --queue-balance ").append(queueNum).append(':').append(queueNum + queuesTotal - 1);
    } else {
      sb.append(" --queue-num ").append(queueNum);
    }
    if (bypass) {
      sb.append(" --queue-bypass");
    }
    if (cpuFanout) {
      sb.append(" --queue-cpu-fanout");
    }
    if (failOpen) {
      sb.append(" --fail-open");
    }
  }

  /** Carried out by the engine (ExtensionRunner), which owns the state this target changes. */
  @Override
  public int execute(PacketContext ctx) {
    throw new IllegalStateException("target '" + name() + "' is handled by the engine");
  }
}
