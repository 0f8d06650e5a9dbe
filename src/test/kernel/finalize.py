#!/usr/bin/python3
"""Checks an NFLOG capture against the kernel's raw-table counters and writes meta.json.

usage: finalize.py OUTDIR NAME DESCRIPTION_FILE

The capture holds every packet entering PREROUTING (hook 0) and every locally generated
packet entering OUTPUT (hook 3), taken by nft base chains at priority -500, i.e. before
defragmentation (-400) and before the raw table (-300). So the packets entering raw
PREROUTING are the captured PREROUTING packets, except that with conntrack loaded every
non-first fragment is absorbed by reassembly (the first fragment's slot carries the whole
datagram). Packets entering raw OUTPUT are exactly the captured OUTPUT packets.
"""
import json
import os
import re
import struct
import subprocess
import sys

HOOKS = {0: "PREROUTING", 1: "INPUT", 2: "FORWARD", 3: "OUTPUT", 4: "POSTROUTING"}


def read_nflog(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        e = "<"
    elif magic == b"\xa1\xb2\xc3\xd4":
        e = ">"
    else:
        raise SystemExit("%s: not a pcap file" % path)
    linktype = struct.unpack(e + "I", data[20:24])[0]
    if linktype != 239:
        raise SystemExit("%s: linktype %d, expected 239 (NFLOG)" % (path, linktype))
    off = 24
    pkts = []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        rec = data[off + 16:off + 16 + incl]
        off += 16 + incl
        # NFLOG pseudo-header: family(1) version(1) resource id(2, big-endian), then TLVs in
        # host byte order, each padded to 4 bytes.
        p = 4
        tlv = {}
        while p + 4 <= len(rec):
            ln, ty = struct.unpack("<HH", rec[p:p + 4])
            if ln < 4:
                break
            tlv[ty] = rec[p + 4:p + ln]
            p += (ln + 3) & ~3
        hook = tlv[1][2] if 1 in tlv else -1
        payload = tlv.get(9, b"")
        frag = struct.unpack("!H", payload[6:8])[0] if len(payload) >= 20 else 0
        pkts.append({"hook": hook, "nonfirst_fragment": (frag & 0x1FFF) != 0,
                     "fragment": (frag & 0x3FFF) != 0})
    return pkts


def raw_entering(rules_path):
    """Packets that entered raw PREROUTING / raw OUTPUT according to iptables-save -c."""
    table = None
    policy = {}
    first_rule = {}
    with open(rules_path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("*"):
                table = line[1:]
            if table != "raw":
                continue
            m = re.match(r"^:(\S+) (\S+) \[(\d+):(\d+)\]", line)
            if m:
                policy[m.group(1)] = int(m.group(3))
            m = re.match(r"^\[(\d+):(\d+)\] -A (\S+)(?: (.*))?$", line)
            if m and m.group(3) not in first_rule:
                first_rule[m.group(3)] = (int(m.group(1)), m.group(4) or "")
    out = {}
    for chain in ("PREROUTING", "OUTPUT"):
        if chain not in policy:
            out[chain] = None
        elif chain not in first_rule:
            out[chain] = policy[chain]
        else:
            n, text = first_rule[chain]
            # Only an unconditional first rule sees (and counts) every entering packet.
            unconditional = re.sub(r'-m comment --comment ("[^"]*"|\S+)', "", text).strip()
            out[chain] = n if unconditional == "" or unconditional.startswith("-j ") else None
    return out


def main():
    outdir, name, descfile = sys.argv[1:4]
    pkts = read_nflog(os.path.join(outdir, "capture.pcap"))
    by_hook = {}
    for p in pkts:
        by_hook[HOOKS.get(p["hook"], str(p["hook"]))] = by_hook.get(HOOKS.get(p["hook"], str(p["hook"])), 0) + 1
    pre = by_hook.get("PREROUTING", 0)
    pre_nonfirst = sum(1 for p in pkts if p["hook"] == 0 and p["nonfirst_fragment"])
    pre_frag = sum(1 for p in pkts if p["hook"] == 0 and p["fragment"])
    out = by_hook.get("OUTPUT", 0)
    raw = raw_entering(os.path.join(outdir, "expected.rules"))
    problems = []
    if raw["PREROUTING"] is None or raw["OUTPUT"] is None:
        problems.append("raw PREROUTING/OUTPUT must exist and be empty or start with an unconditional rule")
    else:
        # With conntrack, a fragment queue that never completes (a fragment missing) or is
        # discarded (overlapping fragments) delivers nothing to raw PREROUTING: every one of
        # its fragments, the first included, is absorbed. So raw may lie between "every
        # fragment absorbed" and "only non-first fragments absorbed".
        absorbed_ok = pre_frag > 0 and pre - pre_frag <= raw["PREROUTING"] <= pre - pre_nonfirst
        if raw["PREROUTING"] not in (pre, pre - pre_nonfirst) and not absorbed_ok:
            problems.append("capture has %d PREROUTING packets (%d non-first fragments) but raw PREROUTING counted %d"
                            % (pre, pre_nonfirst, raw["PREROUTING"]))
        if raw["OUTPUT"] != out:
            problems.append("capture has %d OUTPUT packets but raw OUTPUT counted %d" % (out, raw["OUTPUT"]))
    with open(descfile) as f:
        desc = f.read().strip()

    def cmd(*c):
        return subprocess.run(c, capture_output=True, text=True).stdout.strip()

    ver = cmd(os.environ.get("NFK_IPT", "iptables"), "--version")
    meta = {
        "scenario": name,
        "description": desc,
        "kernel": cmd("uname", "-r"),
        "iptables": ver,
        "backend": "nf_tables" if "nf_tables" in ver else "legacy",
        "packets": len(pkts),
        "packetsByHook": by_hook,
        "nonFirstFragmentsInPrerouting": pre_nonfirst,
        "fragmentsInPrerouting": pre_frag,
        "rawPreroutingCounted": raw["PREROUTING"],
        "rawOutputCounted": raw["OUTPUT"],
        "captureConsistent": not problems,
    }
    with open(os.path.join(outdir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    if problems:
        for p in problems:
            print("CAPTURE INCONSISTENT:", p, file=sys.stderr)
        sys.exit(1)
    print("%s: %d packets (%s), consistent with raw counters" % (name, len(pkts), by_hook))


if __name__ == "__main__":
    main()
