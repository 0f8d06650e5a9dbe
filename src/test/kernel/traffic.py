#!/usr/bin/python3
"""Deterministic traffic endpoints for the kernel-differential harness.

Every client uses a fixed source port and short timeouts below the kernel's first
retransmission timer (1 s for a SYN), so a dropped connection sends exactly one SYN.
Outcomes are printed (the harness logs them); the exit status is always 0 for an
outcome the firewall caused (refused, timeout, unreachable).
"""
import argparse
import os
import socket
import struct
import sys
import time


def serve_tcp(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.bind, a.port))
    s.listen(64)
    while True:
        c, peer = s.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.settimeout(3)
        try:
            got = 0
            while True:
                b = c.recv(65536)
                if not b:
                    break
                got += len(b)
            if a.reply:
                c.sendall(b"r" * a.reply)
            if a.hold:
                time.sleep(a.hold)
        except OSError as e:
            print("serve-tcp", peer, e)
        finally:
            c.close()


def tcp(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if a.sport or a.src:
        s.bind((a.src or "0.0.0.0", a.sport))
    s.settimeout(a.timeout)
    try:
        s.connect((a.host, a.port))
    except OSError as e:
        print("tcp", a.host, a.port, "connect:", type(e).__name__, e)
        s.close()
        return
    try:
        if a.pause:
            time.sleep(a.pause)
        if a.send:
            s.sendall(b"q" * a.send)
        s.shutdown(socket.SHUT_WR)
        got = 0
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += len(b)
        print("tcp", a.host, a.port, "ok, received", got)
    except OSError as e:
        print("tcp", a.host, a.port, "transfer:", type(e).__name__, e)
    finally:
        s.close()
    time.sleep(a.linger)


def serve_udp(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.bind, a.port))
    while True:
        b, peer = s.recvfrom(65536)
        if a.reply:
            s.sendto(b"r" * a.reply, peer)


def udp(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.sport or a.src:
        s.bind((a.src or "0.0.0.0", a.sport))
    s.settimeout(a.timeout)
    s.connect((a.host, a.port))
    for _ in range(a.count):
        try:
            s.send(b"u" * a.send)
            if a.wait:
                s.recv(65536)
                print("udp", a.host, a.port, "reply")
        except OSError as e:
            print("udp", a.host, a.port, type(e).__name__, e)
        time.sleep(a.interval)
    s.close()


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ping(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    if a.src:
        s.bind((a.src, 0))
    if a.ttl:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, a.ttl)
    s.settimeout(a.timeout)
    payload = bytes(range(a.size % 256)) if a.size < 256 else bytes(a.size)
    for seq in range(1, a.count + 1):
        h = struct.pack("!BBHHH", 8, 0, 0, a.id, seq)
        h = struct.pack("!BBHHH", 8, 0, csum(h + payload), a.id, seq)
        s.sendto(h + payload, (a.host, 0))
        deadline = time.time() + a.timeout
        answered = None
        while time.time() < deadline:
            try:
                b, peer = s.recvfrom(65536)
            except OSError:
                break
            ihl = (b[0] & 15) * 4
            t, c = b[ihl], b[ihl + 1]
            if t == 0 and struct.unpack("!H", b[ihl + 4:ihl + 6])[0] == a.id:
                answered = "reply"
                break
            if t in (3, 11, 5):
                answered = "icmp type %d code %d from %s" % (t, c, peer[0])
                break
        print("ping", a.host, "id", a.id, "seq", seq, answered or "no answer")
        time.sleep(a.interval)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    x = sub.add_parser("serve-tcp"); x.add_argument("port", type=int)
    x.add_argument("--bind", default="0.0.0.0"); x.add_argument("--reply", type=int, default=100)
    x.add_argument("--hold", type=float, default=0, help="seconds to keep the socket open after replying")
    x.set_defaults(f=serve_tcp)
    x = sub.add_parser("tcp"); x.add_argument("host"); x.add_argument("port", type=int)
    x.add_argument("--sport", type=int, default=0); x.add_argument("--src")
    x.add_argument("--send", type=int, default=200); x.add_argument("--timeout", type=float, default=0.6)
    x.add_argument("--linger", type=float, default=0.05)
    x.add_argument("--pause", type=float, default=0, help="seconds between connect and sending")
    x.set_defaults(f=tcp)
    x = sub.add_parser("serve-udp"); x.add_argument("port", type=int)
    x.add_argument("--bind", default="0.0.0.0"); x.add_argument("--reply", type=int, default=50)
    x.set_defaults(f=serve_udp)
    x = sub.add_parser("udp"); x.add_argument("host"); x.add_argument("port", type=int)
    x.add_argument("--sport", type=int, default=0); x.add_argument("--src")
    x.add_argument("--send", type=int, default=60); x.add_argument("--count", type=int, default=1)
    x.add_argument("--wait", action="store_true"); x.add_argument("--timeout", type=float, default=0.5)
    x.add_argument("--interval", type=float, default=0.05)
    x.set_defaults(f=udp)
    x = sub.add_parser("ping"); x.add_argument("host")
    x.add_argument("--count", type=int, default=2); x.add_argument("--id", type=int, default=4242)
    x.add_argument("--size", type=int, default=56); x.add_argument("--src"); x.add_argument("--ttl", type=int)
    x.add_argument("--interval", type=float, default=0.1); x.add_argument("--timeout", type=float, default=0.5)
    x.set_defaults(f=ping)
    a = p.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    a.f(a)


if __name__ == "__main__":
    main()
