#!/usr/bin/python3
"""Writes the docker-host ruleset with N extra filter rules in a kube-proxy-like layout for the audit scale
measurement: DOCKER-USER dispatches by destination /24 (10.200.c.0/24) to one of N/100 service chains of
100 rules each (-s/-d/-p/--dport ... -j DROP or ACCEPT). The example's traffic matches none of them, so
verdicts stay those of the example while every forwarded packet walks the dispatch rules.
Usage: big-ruleset.py IN.rules OUT.rules N"""
import sys

src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
chains = max(1, n // 100)
text = open(src).read()
decl = ''.join(f':SVC-{c} - [0:0]\n' for c in range(chains))
rules = []
for c in range(chains):
    rules.append(f'-A DOCKER-USER -d 10.200.{c % 256}.0/24 -j SVC-{c}')
for c in range(chains):
    for r in range(100 - 1):
        tgt = 'DROP' if r % 3 == 0 else 'ACCEPT'
        rules.append(f'-A SVC-{c} -s 10.{r}.{c % 256}.0/24 -d 10.200.{c % 256}.{r + 1}/32 -p tcp -m tcp '
                     f'--dport {1000 + r} -j {tgt}')
text = text.replace(':DOCKER-USER - [0:0]\n', ':DOCKER-USER - [0:0]\n' + decl, 1)
text = text.replace('-A DOCKER-USER -j RETURN', '\n'.join(rules) + '\n-A DOCKER-USER -j RETURN', 1)
open(dst, 'w').write(text)
print(f'{dst}: {len(rules)} extra rules in {chains} chains')
