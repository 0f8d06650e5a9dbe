#!/bin/bash
# Loads each rule (stdin, one per line) into a fresh network namespace and prints the golden .t line
# (iptables -S output, or ;;FAIL). Needs root. Used for src/test/resources/rules/golden/nfeval_kernel_ext2.t.
# usage: probe.sh table chain < rules ; prints golden lines RULE;SAVED|=;OK or RULE;;FAIL
T=$1; C=$2
NS=ext2probe$$
ip netns add $NS
while IFS= read -r r; do
  [ -z "$r" ] && continue
  ip netns exec $NS iptables -t $T -F $C 2>/dev/null
  if eval ip netns exec $NS iptables -t $T -A $C $r 2>/tmp/ext2/err; then
    s=$(ip netns exec $NS iptables -t $T -S $C | grep '^-A' | head -1 | sed "s/^-A $C //")
    if [ "$s" == "$r" ]; then echo "$r;=;OK"; else echo "$r;$s;OK"; fi
  else
    echo "$r;;FAIL   # $(head -1 /tmp/ext2/err)"
  fi
done
ip netns del $NS
