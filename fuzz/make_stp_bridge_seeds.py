#!/usr/bin/env python3
"""Writes the named seeds of fuzz/corpus/stp_bridge/: op sequences in the `stp::ops` language
(one tag octet, one delay octet, then the op's octets). Re-run from the repository root:

    python3 fuzz/make_stp_bridge_seeds.py

Only named seed files (`seed-*`) are rewritten; files the fuzzer found are left alone."""

import os
import random

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus", "stp_bridge")

# tags (tag % 12): 0-3 BPDU, 4 raw frame, 5 link, 6-7 timeout, 8 set port, 9 set bridge,
# 10 mcheck/clear guard, 11 toggle port/drain. Delay octet: d*50 ms (d < 200), else (d-199)*4 s.
ROLE_DESIGNATED = 0x0C
PROPOSAL, LEARNING, FORWARDING, AGREEMENT, TC, TCA = 0x02, 0x10, 0x20, 0x40, 0x01, 0x80


def bpdu(port, kind, flags, root, cost, bridge, port_id, delay=0):
    # bridge octet: high nibble = priority / 4096, low 2 bits = address (0 own, 1-3 remotes)
    return bytes([0, delay, port, kind, flags, root, cost, bridge, port_id, 0, 0, 8, 3])


def timeout(delay):
    return bytes([6, delay])


def link(port, up, delay=0):
    return bytes([5, delay, port, 0x41 if up else 0x00])


def set_bridge(x, delay=0):
    return bytes([9, delay, x])


def set_port(port, x, y, delay=0):
    return bytes([8, delay, port, x, y])


def seeds():
    s = {}
    # A superior RST BPDU (root 0.remote1) on port 1, then hellos: port 1 becomes root port.
    hello = bpdu(0, 2, ROLE_DESIGNATED | LEARNING | FORWARDING, 0x01, 0, 0x01, 1)
    s["seed-rst-root-port"] = hello + b"".join(timeout(20) + hello for _ in range(20))
    # Proposal on port 1, then the same root over port 2 at higher cost: an alternate.
    s["seed-rst-proposal-alternate"] = (
        bpdu(0, 2, ROLE_DESIGNATED | PROPOSAL, 0x01, 0, 0x01, 1)
        + bpdu(1, 2, ROLE_DESIGNATED | PROPOSAL, 0x01, 4, 0x12, 2)
        + b"".join(timeout(20) for _ in range(30))
    )
    # Legacy STP neighbour: config BPDUs with TC, and a TCN.
    cfg = bpdu(2, 0, TC, 0x11, 0, 0x11, 3)
    s["seed-stp-legacy"] = cfg + bpdu(2, 1, 0, 0, 0, 0, 0) + b"".join(timeout(20) + cfg for _ in range(40))
    # Our own BPDUs looped back (address 0 = own) on two ports: backup port.
    own = bpdu(3, 2, ROLE_DESIGNATED, 0x80, 0, 0x80, 4)
    s["seed-loopback"] = own + bpdu(4, 2, ROLE_DESIGNATED, 0x80, 0, 0x80, 5) + timeout(40) * 10
    # Link flaps and tx hold count 1 under load.
    s["seed-flaps-hold1"] = set_bridge(0x01) + b"".join(
        link(p % 6, p % 2 == 0) + hello + timeout(5) for p in range(30))
    # Forced STP bridge, guards on every port, superior BPDUs on guarded ports.
    s["seed-guards-stp"] = set_bridge(0x30) + b"".join(
        set_port(p, 0xFF, 0x08) for p in range(6)) + b"".join(
        bpdu(p, 2, ROLE_DESIGNATED, 0x01, 0, 0x01, 1) + timeout(30) for p in range(6)) + bytes([10, 0, 0, 1])
    # Information ages out: long silence after a root port was learnt.
    s["seed-ageing"] = hello + timeout(210) + timeout(210) + bytes([11, 0, 0, 0]) + hello
    rnd = random.Random(3)
    for i in range(8):
        s[f"seed-random-{i}"] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(16, 600)))
    return s


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
