package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;

import java.util.List;
import java.util.Map;

/**
 * {@code -m bpf --bytecode "N,code jt jf k,..."} ({@code xt_bpf.c}, revision 1): a classic BPF program run
 * over the packet from its IP header; a non-zero return matches. nfeval checks the program as the kernel's
 * {@code bpf_check_classic} does and interprets it. Ancillary loads ({@code SKF_AD_*}) other than protocol,
 * pkttype, ifindex and mark, and pinned eBPF objects ({@code --object-pinned}), cannot be evaluated from a
 * capture: assumed and flagged.
 */
public final class BpfMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("bpf",
      List.of(arg("bytecode"), arg("object-pinned")), Map.of(), BpfMatch::new);

  /** XT_BPF_MAX_NUM_INSTR. */
  private static final int MAX_INSNS = 64;
  private static final int SKF_AD_OFF = -0x1000;
  private static final int MEMWORDS = 16;

  private final short[] code;
  private final byte[] jt;
  private final byte[] jf;
  private final int[] k;
  /** The pinned object path, or null for bytecode. */
  private final String pinned;

  private BpfMatch(Opts o, ExtContext c) {
    if (o.has("bytecode") == o.has("object-pinned")) {
      throw new ExtException("bpf: one of --bytecode or --pinned is required");
    }
    pinned = o.str("object-pinned");
    if (pinned != null) {
      code = new short[0];
      jt = new byte[0];
      jf = new byte[0];
      k = new int[0];
      return;
    }
    final String s = o.str("bytecode");
    final int comma = s.indexOf(',');
    final long len = comma <= 0 ? -1 : Num.tryUnsigned(s.substring(0, comma).strip());
    if (len < 0 || len > 65535) {
      throw new ExtException("bpf: error parsing program length");
    }
    if (len == 0) {
      throw new ExtException("bpf: illegal zero length program");
    }
    if (len > MAX_INSNS) {
      throw new ExtException("bpf: number of instructions exceeds maximum");
    }
    final String[] ins = s.substring(comma + 1).split(",", -1);
    final int n = ins.length - (ins[ins.length - 1].isEmpty() ? 1 : 0);
    if (n > len) {
      throw new ExtException("bpf: real program length exceeds encoded length parameter");
    }
    code = new short[n];
    jt = new byte[n];
    jf = new byte[n];
    k = new int[n];
    for (int i = 0; i < n; i++) {
      final String[] f = ins[i].strip().split("\\s+");
      final long[] v = new long[4];
      final long[] max = {65535, 255, 255, 0xffffffffL};
      if (f.length != 4) {
        throw new ExtException("bpf: error at instr " + i);
      }
      for (int j = 0; j < 4; j++) {
        v[j] = decimal(f[j]);
        if (v[j] < 0 || v[j] > max[j]) {
          throw new ExtException("bpf: error at instr " + i);
        }
      }
      code[i] = (short) v[0];
      jt[i] = (byte) v[1];
      jf[i] = (byte) v[2];
      k[i] = (int) v[3];
    }
    if (n != len) {
      throw new ExtException("bpf: parsed program length is less than the encoded length parameter");
    }
    check();
  }

  private static long decimal(String s) {
    if (s.isEmpty()) {
      return -1;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isDigit(s.charAt(i))) {
        return -1;
      }
    }
    return s.length() > 12 ? -1 : Long.parseLong(s);
  }

  /** bpf_check_classic: known opcodes, jumps inside the program, valid memory slots, ends in RET. */
  private void check() {
    final int n = code.length;
    for (int pc = 0; pc < n; pc++) {
      final int op = code[pc] & 0xffff;
      final int cls = op & 0x07;
      final boolean ok = switch (cls) {
        case 0x00, 0x01 -> { // LD, LDX
          final int mode = op & 0xe0;
          if (mode == 0x60) { // MEM
            yield (op & 0x18) == 0 && k[pc] >= 0 && k[pc] < MEMWORDS;
          }
          yield cls == 0x00 ? (mode == 0x00 || mode == 0x20 || mode == 0x40) && (op & 0x18) != 0x18
              || mode == 0x80 && (op & 0x18) == 0 : op == 0x01 || op == 0x81 || op == 0xb1;
        }
        case 0x02, 0x03 -> op == cls && k[pc] >= 0 && k[pc] < MEMWORDS; // ST, STX
        case 0x04 -> { // ALU
          final int aop = op & 0xf0;
          final boolean x = (op & 0x08) != 0;
          if (aop > 0xa0 || aop == 0x80 && x) {
            yield false;
          }
          yield !((aop == 0x30 || aop == 0x90) && !x && k[pc] == 0);
        }
        case 0x05 -> { // JMP
          final int jop = op & 0xf0;
          if (jop == 0x00) {
            yield (op & 0x08) == 0 && Integer.toUnsignedLong(k[pc]) < n - pc - 1;
          }
          yield jop <= 0x40 && pc + 1 + (jt[pc] & 0xff) < n && pc + 1 + (jf[pc] & 0xff) < n;
        }
        case 0x06 -> op == 0x06 || op == 0x16; // RET K, RET A
        default -> op == 0x07 || op == 0x87; // TAX, TXA
      };
      if (!ok) {
        throw new ExtException("bpf: invalid instruction " + pc + " (the kernel's bpf_check_classic refuses it)");
      }
    }
    final int last = code[n - 1] & 0xffff;
    if (last != 0x06 && last != 0x16) {
      throw new ExtException("bpf: the program must end with a return (the kernel refuses it)");
    }
  }

  /** The program's instruction count (0 for a pinned object). */
  public int length() { return code.length; }
  public String pinnedObject() { return pinned; }

  @Override
  public String name() {
    return "bpf";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m bpf");
    if (pinned != null) {
      sb.append(" --object-pinned ").append(pinned);
      return;
    }
    sb.append(" --bytecode \"").append(code.length);
    for (int i = 0; i < code.length; i++) {
      sb.append(',').append(code[i] & 0xffff).append(' ').append(jt[i] & 0xff).append(' ').append(jf[i] & 0xff)
          .append(' ').append(k[i] & 0xffffffffL);
    }
    sb.append('"');
  }

  /** The program's scratch memory M[0..15], reused for every packet of this rule. */
  @Override
  public Object newState() {
    return new int[MEMWORDS];
  }

  /**
   * Each run starts from zeroed scratch memory (the kernel's checker rejects a program that reads M[]
   * before writing it, check_load_and_stores), so no run sees an earlier packet's values.
   */
  @Override
  public boolean dependsOnEarlierPackets() {
    return false;
  }

  /** bpf_mt: run the program over the datagram; true when it returns non-zero. */
  @Override
  public boolean matches(PacketContext ctx) {
    if (pinned != null) {
      ctx.assume("bpf --object-pinned");
      return ctx.assumeUnknowableMatches();
    }
    final long r = run(ctx);
    if (r == UNKNOWN) {
      ctx.assume("bpf ancillary load");
      return ctx.assumeUnknowableMatches();
    }
    return r != 0;
  }

  private static final long UNKNOWN = -1;
  private static final long ABORT = -2;

  /** The classic BPF interpreter (net/core/filter.c semantics); a failed packet load returns 0. */
  private long run(PacketContext ctx) {
    final io.nfeval.packet.PacketView v = ctx.ip();
    int a = 0;
    int x = 0;
    final int[] mem = (int[]) ctx.matchState();
    java.util.Arrays.fill(mem, 0);
    for (int pc = 0; pc < code.length; pc++) {
      final int op = code[pc] & 0xffff;
      final int kk = k[pc];
      switch (op & 0x07) {
        case 0x00, 0x01 -> {
          final int mode = op & 0xe0;
          final int size = op & 0x18;
          final long val;
          switch (mode) {
            case 0x00 -> val = kk; // IMM
            case 0x80 -> val = ctx.length(); // LEN
            case 0x60 -> val = mem[kk]; // MEM
            case 0xa0 -> { // LDX B MSH: 4 * (P[k] & 0xf)
              final int b = kk < 0 ? -1 : PacketBytes.u8(v, kk);
              if (b < 0) {
                return 0;
              }
              val = (b & 0x0f) * 4L;
            }
            default -> { // ABS, IND
              final long off = (long) (mode == 0x40 ? x : 0) + kk;
              val = load(ctx, v, off, size);
              if (val == ABORT) {
                return 0;
              }
              if (val == UNKNOWN) {
                return UNKNOWN;
              }
            }
          }
          if ((op & 0x07) == 0x00) {
            a = (int) val;
          } else {
            x = (int) val;
          }
        }
        case 0x02 -> mem[kk] = a;
        case 0x03 -> mem[kk] = x;
        case 0x04 -> {
          final int src = (op & 0x08) != 0 ? x : kk;
          switch (op & 0xf0) {
            case 0x00 -> a += src;
            case 0x10 -> a -= src;
            case 0x20 -> a *= src;
            case 0x30 -> {
              if (src == 0) {
                return 0;
              }
              a = Integer.divideUnsigned(a, src);
            }
            case 0x40 -> a |= src;
            case 0x50 -> a &= src;
            case 0x60 -> a = (src & 0xffffffffL) >= 32 ? 0 : a << src;
            case 0x70 -> a = (src & 0xffffffffL) >= 32 ? 0 : a >>> src;
            case 0x80 -> a = -a;
            case 0x90 -> {
              if (src == 0) {
                return 0;
              }
              a = Integer.remainderUnsigned(a, src);
            }
            default -> a ^= src; // XOR
          }
        }
        case 0x05 -> {
          if ((op & 0xf0) == 0x00) {
            pc += kk;
            continue;
          }
          final int src = (op & 0x08) != 0 ? x : kk;
          final boolean t = switch (op & 0xf0) {
            case 0x10 -> a == src;
            case 0x20 -> Integer.compareUnsigned(a, src) > 0;
            case 0x30 -> Integer.compareUnsigned(a, src) >= 0;
            default -> (a & src) != 0; // JSET
          };
          pc += t ? jt[pc] & 0xff : jf[pc] & 0xff;
        }
        case 0x06 -> {
          return (op == 0x16 ? a : kk) & 0xffffffffL;
        }
        default -> {
          if (op == 0x07) {
            x = a;
          } else {
            a = x;
          }
        }
      }
    }
    return 0;
  }

  /** A packet load of {@code size} (0 W, 8 H, 0x10 B); ABORT when out of the packet, UNKNOWN for SKF_AD_*. */
  private static long load(PacketContext ctx, io.nfeval.packet.PacketView v, long off, int size) {
    if (off < 0) {
      if (off >= SKF_AD_OFF && off < 0) {
        return switch ((int) (off - SKF_AD_OFF)) {
          case 0 -> 0x0800; // SKF_AD_PROTOCOL: ETH_P_IP
          case 4 -> ctx.pktType(); // SKF_AD_PKTTYPE
          case 8 -> ctx.inIfindex(); // SKF_AD_IFINDEX
          case 20 -> ctx.mark() & 0xffffffffL; // SKF_AD_MARK
          default -> UNKNOWN;
        };
      }
      if (off >= -0x100000 && off < SKF_AD_OFF) {
        off += 0x100000; // SKF_NET_OFF: the network header is where skb->data already is
      } else {
        return UNKNOWN; // SKF_LL_OFF: the link layer
      }
    }
    if (off > Integer.MAX_VALUE) {
      return ABORT;
    }
    final int o = (int) off;
    final long r = switch (size) {
      case 0x00 -> PacketBytes.u32(v, o);
      case 0x08 -> PacketBytes.u16(v, o);
      default -> PacketBytes.u8(v, o);
    };
    return r < 0 ? ABORT : r;
  }
}
