#!/usr/bin/env bash
# End-to-end replay benchmark (nfeval issue #5): on one workload file, in one run, times
#   cat FILE >/dev/null                       (reading the file from the page cache)
#   tcpdump -r FILE -w /dev/null              (libpcap reading every record: the reference)
#   nfeval replay --decode-only               (JVM start + read + decode, no evaluation)
#   nfeval replay --threads 1 ...             (full evaluation, everything on one thread)
#   nfeval replay --snapshot DIR --pcap FILE  (full evaluation, default: a decode thread feeding the
#                                              evaluator; with --stateless, two engines sharing the
#                                              packets out, the first also decoding; summary to
#                                              /dev/null)
#   ... --counters-out FILE                   (evaluation + counters file)
#   ... --trace-out FILE                      (evaluation + one JSON line per packet)
# each RUNS times, and prints best and median wall time (ms resolution, date +%s%N around the command),
# the ratios to tcpdump, packets/s (packets / median), median CPU seconds (user+sys: less disturbed by
# other load than wall time) and peak RSS (GNU time %M, or python3's getrusage without it).
#
# usage: bench/replay-vs-tcpdump.sh [--packets N] [--flows N] [--rules N] [--stateless] [--seed N]
#                                   [--runs N] [--no-trace] [--workdir DIR]
# env:   NFEVAL=path/to/bin/nfeval (default: this tree's bin/nfeval)
#        NFEVAL_JAVA_OPTS (passed to the JVM by bin/nfeval, e.g. -Xmx4g)
#
# Needs: bash, tcpdump, a JDK 17, Maven for the first build, and GNU time at /usr/bin/time (Debian
# package `time`) or else python3 (its resource.getrusage measures the same CPU and peak RSS). Caches cannot be dropped reliably on a shared machine: the file is read once before the
# measurements (page cache warm), so every figure is for a cached file.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
packets=1000000 flows=50000 rules=1000 seed=1 runs=5 stateless="" trace=1
workdir="$here/bench/work"
while [ $# -gt 0 ]; do
  case "$1" in
    --packets) packets="$2"; shift 2 ;;
    --flows) flows="$2"; shift 2 ;;
    --rules) rules="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --stateless) stateless="--stateless"; shift ;;
    --no-trace) trace=""; shift ;;
    --workdir) workdir="$2"; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "replay-vs-tcpdump: unknown argument $1" >&2; exit 2 ;;
  esac
done

nfeval="${NFEVAL:-$here/bin/nfeval}"
jar="$(cd "$(dirname "$nfeval")/.." && pwd)/target/nfeval.jar"
for tool in tcpdump java; do
  command -v "$tool" >/dev/null || { echo "replay-vs-tcpdump: $tool is missing (apt-get install tcpdump)" >&2; exit 2; }
done
# timed FILE CMD...: runs CMD and writes "peak-RSS-KiB user-s sys-s" of it (and its children) to FILE
if [ -x /usr/bin/time ]; then
  timer="GNU time"
  timed() { local f="$1"; shift; /usr/bin/time -f "%M %U %S" -o "$f" "$@"; }
elif command -v python3 >/dev/null; then
  # exec keeps the spawning mm's high-water mark (the kernel's setmax_mm_hiwater_rss), so peak RSS
  # reads at least python's own (about 13 MB); nfeval's figures are far above that
  timer="python3 wait4 (peak RSS has python's ~13 MB as its floor)"
  # posix_spawn (no fork: the child does not start with python's pages) and wait4 (that child's usage,
  # with its own children's); the wall time is taken here too, without python's start-up
  timed() {
    python3 -c 'import os, sys, time
t0 = time.monotonic()
try:
    pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
except OSError as e:
    sys.stderr.write("%s: %s\n" % (sys.argv[2], e)); sys.exit(127)
_, status, u = os.wait4(pid, 0)
wall = time.monotonic() - t0
open(sys.argv[1], "w").write("%d %.2f %.2f %.3f\n" % (u.ru_maxrss, u.ru_utime, u.ru_stime, wall))
sys.exit(os.waitstatus_to_exitcode(status))' "$@"
  }
else
  echo "replay-vs-tcpdump: needs /usr/bin/time (apt-get install time) or python3 to measure CPU and RSS" >&2
  exit 2
fi
if [ ! -f "$jar" ]; then
  echo "building $jar ..." >&2
  (cd "$(dirname "$jar")/.." && mvn -B -q -DskipTests package >&2)
fi

name="p${packets}-f${flows}-r${rules}${stateless:+-stateless}-s${seed}"
wl="$workdir/$name"
if [ ! -f "$wl/traffic.pcap" ] || [ ! -f "$wl/snapshot/iptables.rules" ]; then
  echo "generating workload $wl ..." >&2
  java -cp "$jar" io.nfeval.bench.Workload --out "$wl" --packets "$packets" --flows "$flows" \
    --rules "$rules" --seed "$seed" $stateless >&2
fi
pcap="$wl/traffic.pcap"
snap="$wl/snapshot"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

size=$(stat -c %s "$pcap")
echo "# workload $name: $(numfmt --to=iec "$size")B, $packets packets, $(grep -c '^-A' "$snap/iptables.rules") rules"
echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -r)"
echo "# java: $(java -version 2>&1 | head -1); tcpdump: $(tcpdump --version 2>&1 | head -1)"
echo "# page cache warmed by reading the file once; $runs runs each; wall seconds; CPU and peak RSS from $timer"
cat "$pcap" >/dev/null

# run NAME CMD... : RUNS timed runs; collects "wall rss" lines into $tmp/NAME
run() {
  local label="$1"; shift
  : > "$tmp/$label"
  for ((i = 0; i < runs; i++)); do
    local t0 t1
    t0=$(date +%s%N)
    if ! timed "$tmp/t" "$@" >"$tmp/out" 2>"$tmp/err"; then
      echo "$label FAILED: $(grep -v '^Command exited' "$tmp/err" | tail -1)" >> "$tmp/failed"
      echo "FAILED" > "$tmp/$label"
      return 0
    fi
    t1=$(date +%s%N)
    # a fourth field is the wall time the timer took itself (python's, without its own start-up)
    echo "$(( (t1 - t0) / 1000000 )) $(tail -1 "$tmp/t")" \
      | awk '{printf "%.3f %s %.2f\n", (NF > 4 ? $5 : $1 / 1000), $2, $3 + $4}' >> "$tmp/$label"
  done
}

# cat's output goes to /dev/null, as the reference command has it (run keeps other commands' output,
# which for cat would time writing a copy of the file)
run cat sh -c 'exec cat "$1" >/dev/null' cat "$pcap"
run tcpdump tcpdump -r "$pcap" -w /dev/null
run decode-only "$nfeval" replay --decode-only --snapshot "$snap" --pcap "$pcap"
run replay-1thread "$nfeval" replay --threads 1 --snapshot "$snap" --pcap "$pcap"
run replay "$nfeval" replay --snapshot "$snap" --pcap "$pcap"
run replay+counters "$nfeval" replay --snapshot "$snap" --pcap "$pcap" --counters-out "$tmp/counters.txt"
if [ -n "$trace" ]; then
  run replay+trace "$nfeval" replay --snapshot "$snap" --pcap "$pcap" --trace-out "$tmp/trace.jsonl"
fi

# best, median (of wall), max RSS, median CPU (user+sys) for one label
stats() {
  sort -n -k3 "$tmp/$1" | awk '{c[NR]=$3} END {printf "%s\n", (NR%2)?c[(NR+1)/2]:(c[NR/2]+c[NR/2+1])/2}' > "$tmp/cpu"
  sort -n "$tmp/$1" | awk -v c="$(cat "$tmp/cpu")" '{w[NR]=$1; if ($2>r) r=$2} END {m=(NR%2)?w[(NR+1)/2]:(w[NR/2]+w[NR/2+1])/2; printf "%s %s %d %s\n", w[1], m, r, c}'
}
read -r tbest tmed _ _ < <(stats tcpdump)
printf '%-16s %9s %9s %10s %10s %12s %9s %9s\n' "command" "best s" "median s" "best/tcpd" "med/tcpd" "packets/s" "cpu s" "maxRSS MB"
for label in cat tcpdump decode-only replay-1thread replay replay+counters ${trace:+replay+trace}; do
  if grep -q FAILED "$tmp/$label"; then
    printf '%-16s %s\n' "$label" "FAILED"
    continue
  fi
  read -r best med rss cpu < <(stats "$label")
  awk -v l="$label" -v b="$best" -v m="$med" -v tb="$tbest" -v tm="$tmed" -v r="$rss" -v n="$packets" -v c="$cpu" 'BEGIN {
    pps = (m > 0) ? sprintf("%.0f", n / m) : "-";
    printf "%-16s %9.3f %9.3f %10s %10s %12s %9.2f %9.0f\n", l, b, m,
      (tb > 0 ? sprintf("%.1fx", b / tb) : "-"), (tm > 0 ? sprintf("%.1fx", m / tm) : "-"), pps, c, r / 1024 }'
done
if [ -f "$tmp/failed" ]; then
  echo "# failures:"; sed 's/^/#   /' "$tmp/failed"
fi
