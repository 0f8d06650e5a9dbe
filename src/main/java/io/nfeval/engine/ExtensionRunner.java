package io.nfeval.engine;

import io.nfeval.nat.NatCore;
import io.nfeval.nat.NatRange;
import io.nfeval.rules.Rule;
import io.nfeval.rules.ext.CtTarget;
import io.nfeval.rules.ext.MasqueradeTarget;
import io.nfeval.rules.ext.Match;
import io.nfeval.rules.ext.NatTarget;
import io.nfeval.rules.ext.NetmapTarget;
import io.nfeval.rules.ext.NfqueueTarget;
import io.nfeval.rules.ext.NotrackTarget;
import io.nfeval.rules.ext.RedirectTarget;
import io.nfeval.rules.ext.RejectTarget;
import io.nfeval.rules.ext.SynproxyTarget;
import io.nfeval.rules.ext.Target;
import io.nfeval.rules.ext.TraceTarget;
import io.nfeval.rules.ext.XtVerdict;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Runs matches and targets for the evaluator. Matches and packet-local targets evaluate themselves
 * ({@code Match.matches}, {@code Target.execute}); targets that act on the engine's own state — NAT
 * bindings, REJECT, conntrack templates, queues — are carried out here, as the kernel's NAT targets
 * call into nf_nat_core.
 */
final class ExtensionRunner implements TableEvaluator.MatchRunner, TableEvaluator.TargetRunner {
  private final Engine engine;
  /** NAT ranges converted once per rule (nf_nat_range2 as the kernel holds it in the target). */
  private final Map<Target, NatRange> natRanges = new IdentityHashMap<>();

  ExtensionRunner(Engine engine) {
    this.engine = engine;
  }

  Object newState(Match m) {
    return m.newState();
  }

  @Override
  public boolean matches(Match m, int slot, Skb skb) {
    skb.currentSlot = slot;
    if (m instanceof io.nfeval.rules.ext.UnknownMatch) {
      skb.unknownSeen = true; // a module nfeval does not know decided (--unknown): flagged
    }
    return m.matches(skb);
  }

  @Override
  public int run(Rule rule, Target t, Skb skb) {
    if (t instanceof io.nfeval.rules.ext.UnknownTarget) {
      skb.unknownSeen = true;
    }
    if (t instanceof NatTarget) {
      final NatTarget n = (NatTarget) t;
      final int manip = n.destination() ? NatCore.MANIP_DST : NatCore.MANIP_SRC;
      return bound(engine.natSetup(range(t, n.range(), n.random(), n.randomFully(), n.persistent()),
          manip), manip);
    }
    if (t instanceof MasqueradeTarget) {
      final MasqueradeTarget m = (MasqueradeTarget) t;
      return bound(engine.masquerade(portRange(t, m.hasPorts(), m.minPort(), m.maxPort(),
          m.random(), m.randomFully())), NatCore.MANIP_SRC);
    }
    if (t instanceof RedirectTarget) {
      final RedirectTarget r = (RedirectTarget) t;
      return bound(engine.redirect(portRange(t, r.hasPorts(), r.minPort(), r.maxPort(), r.random(),
          false)), NatCore.MANIP_DST);
    }
    if (t instanceof NetmapTarget) {
      final NetmapTarget n = (NetmapTarget) t;
      NatRange r = natRanges.get(t);
      if (r == null) {
        final int min = n.addr() & n.mask();
        r = new NatRange(NatRange.MAP_IPS | NatRange.NETMAP, min, min | ~n.mask(), 0, 0);
        natRanges.put(t, r);
      }
      return bound(engine.netmap(r), NatCore.manipForHook(skb.hook));
    }
    if (t instanceof RejectTarget) {
      engine.markRejected(((RejectTarget) t).with() == RejectTarget.With.TCP_RESET);
      engine.buildAnswer(((RejectTarget) t).with());
      skb.log("REJECT", ((RejectTarget) t).with().text());
      return XtVerdict.DROP;
    }
    if (t instanceof CtTarget) {
      final CtTarget c = (CtTarget) t;
      if (c.notrack()) {
        engine.notrack();
      } else {
        engine.ctTemplate(c.zone(), c.helper());
      }
      return XtVerdict.CONTINUE;
    }
    if (t instanceof NotrackTarget) {
      engine.notrack();
      return XtVerdict.CONTINUE;
    }
    if (t instanceof NfqueueTarget) {
      // No userspace listener in a replay: nf_queue fails with -ESRCH; --queue-bypass then
      // accepts (continues with the next hook), otherwise the packet is dropped.
      return ((NfqueueTarget) t).bypass() ? XtVerdict.ACCEPT : XtVerdict.QUEUE;
    }
    if (t instanceof SynproxyTarget && engine.synproxy != null) {
      return engine.synproxy.target((SynproxyTarget) t, skb);
    }
    if (t instanceof TraceTarget) {
      skb.log("TRACE", null);
      return XtVerdict.CONTINUE;
    }
    return t.execute(skb);
  }

  private int bound(int verdict, int manip) {
    if (verdict == XtVerdict.ACCEPT) {
      engine.noteBinding(manip);
    }
    return verdict;
  }

  private NatRange range(Target t, io.nfeval.rules.ext.NatRange r, boolean random,
      boolean randomFully, boolean persistent) {
    NatRange nr = natRanges.get(t);
    if (nr == null) {
      int flags = 0;
      if (r.hasAddr()) {
        flags |= NatRange.MAP_IPS;
      }
      if (r.hasPorts()) {
        flags |= NatRange.PROTO_SPECIFIED;
      }
      if (random) {
        flags |= NatRange.PROTO_RANDOM;
      }
      if (randomFully) {
        flags |= NatRange.PROTO_RANDOM_FULLY;
      }
      if (persistent) {
        flags |= NatRange.PERSISTENT;
      }
      nr = new NatRange(flags, r.minAddr(), r.maxAddr(), r.hasPorts() ? r.minPort() : 0,
          r.hasPorts() ? r.maxPort() : 0);
      natRanges.put(t, nr);
    }
    return nr;
  }

  private NatRange portRange(Target t, boolean hasPorts, int min, int max, boolean random,
      boolean randomFully) {
    NatRange nr = natRanges.get(t);
    if (nr == null) {
      int flags = 0;
      if (hasPorts) {
        flags |= NatRange.PROTO_SPECIFIED;
      }
      if (random) {
        flags |= NatRange.PROTO_RANDOM;
      }
      if (randomFully) {
        flags |= NatRange.PROTO_RANDOM_FULLY;
      }
      nr = new NatRange(flags, 0, 0, hasPorts ? min : 0, hasPorts ? max : 0);
      natRanges.put(t, nr);
    }
    return nr;
  }
}
