#!/bin/bash
# Regenerates the committed scenario data: runs each scenario twice, checks that the
# kernel's counters and the capture's size are the same both times, and stores the first
# run under src/test/resources/kernel/NAME/ (meta.json records whether it reproduced).
#
# usage: generate.sh [NAME...]     (default: every scenario)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DEST=${NFK_DEST:-$HERE/../resources/kernel}
RUNS=${NFK_RUNS:-2}
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(ls "$HERE/scenarios"))
fail=0
for n in "${names[@]}"; do
  tmp=$(mktemp -d /tmp/nfk-gen-$n.XXXXXX)
  ok=1
  for i in $(seq "$RUNS"); do
    if ! "$HERE/run-scenario.sh" "$HERE/scenarios/$n" "$tmp/run$i"; then ok=0; break; fi
  done
  if [ $ok = 0 ]; then echo "$n: FAILED" >&2; fail=1; continue; fi
  repro=true
  for i in $(seq 2 "$RUNS"); do
    if ! diff -u "$tmp/run1/expected.rules" "$tmp/run$i/expected.rules" >"$tmp/diff$i"; then
      repro=false; echo "$n: counters differ between run 1 and run $i:" >&2; cat "$tmp/diff$i" >&2
    fi
  done
  /usr/bin/python3 - "$tmp/run1/meta.json" "$repro" "$RUNS" <<'PY'
import json, sys
p, repro, runs = sys.argv[1], sys.argv[2] == "true", int(sys.argv[3])
m = json.load(open(p)); m["reproducible"] = repro; m["runsCompared"] = runs
json.dump(m, open(p, "w"), indent=2); open(p, "a").write("\n")
PY
  rm -rf "$DEST/$n"; mkdir -p "$DEST"; cp -r "$tmp/run1" "$DEST/$n"
  rm -rf "$tmp"
  echo "$n: stored (reproducible=$repro)"
done
exit $fail
