#!/usr/bin/python3
"""Replicates the docker-host example capture (nanosecond pcap, NFLOG linktype 239) into a large capture for
the audit scale measurement: copy k shifts every timestamp by k * period, moves the external client
192.0.2.10 to 192.0.2.(20 + k % 200) and every ephemeral port 40000..42999 by 3000 * ((k // 200) % 6), with
the IPv4 header and TCP/UDP checksums updated incrementally (RFC 1624), so conntrack sees valid, distinct
connections. Usage: replicate-capture.py IN.pcap OUT.pcap PACKETS"""
import struct
import sys

src, dst, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, 'rb').read()
hdr, body = data[:24], data[24:]
recs = []
off = 0
while off + 16 <= len(body):
    ts_s, ts_ns, incl, orig = struct.unpack_from('<IIII', body, off)
    recs.append((ts_s * 1_000_000_000 + ts_ns, orig, bytearray(body[off + 16: off + 16 + incl])))
    off += 16 + incl
t0 = recs[0][0]
period = recs[-1][0] - t0 + 100_000_000


def payload_offset(frame):
    o = 4
    while o + 4 <= len(frame):
        ln, ty = struct.unpack_from('<HH', frame, o)
        if ln < 4:
            return -1
        if ty & 0x7fff == 9:
            return o + 4
        o += (ln + 3) & ~3
    return -1


def csum_fix(c, old, new):  # RFC 1624: HC' = ~(~HC + ~m + m')
    s = (~c & 0xffff) + (~old & 0xffff) + new
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ones_sum(b):
    if len(b) % 2:
        b = b + b'\0'
    s = sum(struct.unpack('>%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def csum_add(c, old, new):  # a CHECKSUM_PARTIAL field holds the folded pseudo-header sum itself
    s = c + (~old & 0xffff) + new
    s = (s & 0xffff) + (s >> 16)
    return (s & 0xffff) + (s >> 16)


def full_ok(fr, ip, l4):
    tot = struct.unpack_from('>H', fr, ip + 2)[0]
    seg = bytes(fr[l4:ip + tot])
    pseudo = bytes(fr[ip + 12:ip + 20]) + struct.pack('>BBH', 0, fr[ip + 9], len(seg))
    return ones_sum(pseudo + seg) == 0xffff


templates = []
for ts, orig, fr in recs:
    ip = payload_offset(fr)
    t = {'ts': ts - t0, 'orig': orig, 'fr': fr, 'ip': ip}
    if ip >= 0 and fr[ip] >> 4 == 4:
        ihl = (fr[ip] & 15) * 4
        proto = fr[ip + 9]
        t['proto'] = proto
        t['l4'] = ip + ihl
        t['frag'] = struct.unpack_from('>H', fr, ip + 6)[0] & 0x1fff
        tot = struct.unpack_from('>H', fr, ip + 2)[0]
        # offloaded (CHECKSUM_PARTIAL) packets carry only the pseudo-header sum: keep that form
        t['partial'] = proto in (6, 17) and ip + tot <= len(fr) and not full_ok(fr, ip, ip + ihl)
    templates.append(t)

OLD_IP = bytes([192, 0, 2, 10])
with open(dst, 'wb') as out:
    out.write(hdr)
    n = 0
    k = 0
    while n < want:
        base = k * period
        new_last = 20 + k % 200
        shift = 3000 * ((k // 200) % 6)
        for t in templates:
            if n >= want:
                break
            fr = bytearray(t['fr'])
            ip = t['ip']
            if 'proto' in t:
                l4 = t['l4']
                ck_off = {6: 16, 17: 6}.get(t['proto'])
                has_l4 = ck_off is not None and t['frag'] == 0 and l4 + ck_off + 2 <= len(fr)
                for a in (ip + 12, ip + 16):
                    if fr[a:a + 4] == OLD_IP:
                        old = struct.unpack_from('>H', fr, a + 2)[0]
                        fr[a + 3] = new_last
                        new = struct.unpack_from('>H', fr, a + 2)[0]
                        c = struct.unpack_from('>H', fr, ip + 10)[0]
                        struct.pack_into('>H', fr, ip + 10, csum_fix(c, old, new))
                        if has_l4:
                            c = struct.unpack_from('>H', fr, l4 + ck_off)[0]
                            if t['partial']:
                                struct.pack_into('>H', fr, l4 + ck_off, csum_add(c, old, new))
                            elif not (t['proto'] == 17 and c == 0):
                                struct.pack_into('>H', fr, l4 + ck_off, csum_fix(c, old, new))
                if has_l4 and shift:
                    for p in (l4, l4 + 2):
                        port = struct.unpack_from('>H', fr, p)[0]
                        if 40000 <= port < 43000:
                            struct.pack_into('>H', fr, p, port + shift)
                            c = struct.unpack_from('>H', fr, l4 + ck_off)[0]
                            if not t['partial'] and not (t['proto'] == 17 and c == 0):
                                struct.pack_into('>H', fr, l4 + ck_off, csum_fix(c, port, port + shift))
            ts = t0 + base + t['ts']
            out.write(struct.pack('<IIII', ts // 1_000_000_000, ts % 1_000_000_000, len(fr), t['orig']))
            out.write(fr)
            n += 1
        k += 1
print(f"{dst}: {n} packets, {k} copies of {len(templates)}")
