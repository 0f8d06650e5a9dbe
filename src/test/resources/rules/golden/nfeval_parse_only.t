# nfeval's own test data for forms the running kernel/iptables 1.8.9 cannot check:
# ULOG (removed from Linux 3.17; print form of libipt_ULOG.c) and legacy-era syntax nfeval accepts on
# purpose (intrapositioned negation, statistic nth without --packet, NFQUEUE --fail-open).
:INPUT,FORWARD,OUTPUT
-j ULOG;=;OK
-j ULOG --ulog-prefix "fw: " --ulog-nlgroup 2 --ulog-cprange 64 --ulog-qthreshold 10;=;OK
-j ULOG --ulog-nlgroup 1;-j ULOG;OK
-j ULOG --ulog-nlgroup 33;;FAIL
-p tcp --dport ! 22;-p tcp -m tcp ! --dport 22;OK
-s ! 10.0.0.0/8 -p ! udp;! -s 10.0.0.0/8 ! -p udp;OK
-m statistic --mode nth --every 10;-m statistic --mode nth --every 10 --packet 0;OK
-j NFQUEUE --queue-num 3 --fail-open;=;OK
-p tcp -m tcp --dport 22 -m tcp --sport 1;=;OK
