# Checked with iptables v1.8.9 (nf_tables) on Linux 6.18 in a network namespace after
# `ipset create foo hash:ip counters` and `ipset create bar hash:ip,port counters` (nfeval's own test data;
# the parser does not look at ipsets, so lines needing a missing set are not listed).
:INPUT,FORWARD,OUTPUT
-m set --match-set foo src;=;OK
-m set ! --match-set foo dst --return-nomatch ! --update-counters ! --update-subcounters;=;OK
-m set --match-set bar src,dst --packets-gt 5 ! --bytes-lt 100;;FAIL
-m set --match-set bar src,dst --packets-gt 5 --bytes-lt 100;=;OK
-m set --match-set bar src,dst ! --packets-eq 5 --bytes-eq 7;=;OK
-m set --match-set bar src,dst --bytes-gt 5 --packets-lt 9;-m set --match-set bar src,dst --packets-lt 9 --bytes-gt 5;OK
-m set --set foo src;-m set --match-set foo src;OK
-j SET --add-set foo src --exist --timeout 5;=;OK
-j SET --del-set bar src,dst;=;OK
-j SET --add-set bar dst,dst --timeout 3;=;OK
