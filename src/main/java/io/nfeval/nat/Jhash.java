package io.nfeval.nat;

/**
 * Bob Jenkins' lookup3 as the kernel's {@code jhash2} (include/linux/jhash.h). find_best_ips_proto hashes
 * with it and an initval derived from the packet, not a random seed, so the address chosen from a range is
 * reproducible: we compute it bit for bit.
 */
public final class Jhash {
    private Jhash() {
    }

    static final int JHASH_INITVAL = 0xdeadbeef;

    /** jhash2 over {@code k[0..length)} 32-bit words. */
    @SuppressWarnings("fallthrough")
    public static int jhash2(int[] k, int length, int initval) {
        int a = JHASH_INITVAL + (length << 2) + initval;
        int b = a;
        int c = a;
        int i = 0;
        int len = length;
        while (len > 3) {
            a += k[i];
            b += k[i + 1];
            c += k[i + 2];
            // __jhash_mix
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
            len -= 3;
            i += 3;
        }
        switch (len) {
            case 3:
                c += k[i + 2];
                // fall through
            case 2:
                b += k[i + 1];
                // fall through
            case 1:
                a += k[i];
                // __jhash_final
                c ^= b; c -= Integer.rotateLeft(b, 14);
                a ^= c; a -= Integer.rotateLeft(c, 11);
                b ^= a; b -= Integer.rotateLeft(a, 25);
                c ^= b; c -= Integer.rotateLeft(b, 16);
                a ^= c; a -= Integer.rotateLeft(c, 4);
                b ^= a; b -= Integer.rotateLeft(a, 14);
                c ^= b; c -= Integer.rotateLeft(b, 24);
                break;
            default:
                break;
        }
        return c;
    }

    /** reciprocal_scale(val, ep_ro): maps a u32 hash into [0, ep_ro). */
    public static int reciprocalScale(int val, int epRo) {
        return (int) (((val & 0xffffffffL) * (epRo & 0xffffffffL)) >>> 32);
    }
}
