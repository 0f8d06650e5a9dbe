package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -m cpu [!] --cpu N} ({@code xt_cpu.c}): the CPU processing the packet. A capture does not say
 * which CPU the host used; a replay has one, so nfeval evaluates as if every packet ran on CPU 0 and
 * flags the packet ({@link PacketContext#assume}).
 */
public final class CpuMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("cpu",
      List.of(invArg("cpu")), Map.of(), CpuMatch::new);

  private final long cpu;
  private final boolean invert;

  private CpuMatch(Opts o, ExtContext c) {
    o.require("cpu: option \"--cpu\" must be specified", "cpu");
    final long v = Num.tryUnsigned(o.str("cpu"));
    if (v < 0 || v > 0xffffffffL) {
      throw new ExtException("cpu: bad value for option \"--cpu\", or out of range (0-4294967295).");
    }
    cpu = v;
    invert = o.inv("cpu");
  }

  public long cpu() { return cpu; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m cpu");
    Save.opt(sb, invert, "cpu", Long.toString(cpu));
  }

  /** cpu_mt: {@code (info->cpu == smp_processor_id()) ^ invert}, with the processor taken as 0. */
  @Override
  public boolean matches(PacketContext ctx) {
    ctx.assume("cpu");
    return (cpu == 0) != invert;
  }
}
