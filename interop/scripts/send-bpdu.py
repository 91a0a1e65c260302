#!/usr/bin/env python3
"""Sends hand-built BPDUs, optionally with octets after the BPDU, for bpdu-trailer.sh.

Usage: send-bpdu.py OUT KIND ROOT-PRIO ROOT-MAC [options]

  OUT        an interface name (sent through an AF_PACKET socket: run it in the namespace of the
             receiver's neighbour) or FILE.pcap (written, nothing sent)
  KIND       rst (RST BPDU: version 2, type 0x02, 36 octets), cfg (Configuration BPDU:
             version 0, type 0x00, 35 octets) or tcn (Topology Change Notification BPDU,
             type 0x80, 4 octets)
  ROOT-PRIO  the Root Identifier's 16-bit priority field (e.g. 0x7000); the sender claims to be
             that root: designated bridge = root, root path cost 0 (ignored for tcn)
  ROOT-MAC   the root's (and designated bridge's) address (ignored for tcn)

  --trailer N      N octets after the BPDU, inside the 802.3 length (default 0). The first
                   twelve follow the root-sequencing extension's suggested layout (2-octet
                   marker 0x5253, length of the rest, flags 0x01, two 4-octet sequence numbers);
                   octets beyond twelve are 0xa5. A trailer shorter than twelve is the first N
                   octets of that layout.
  --len-field L    write L into the 802.3 length field instead of 3 + BPDU + trailer
  --pad-to F       append zero octets after the LLC PDU (outside the 802.3 length) up to an
                   F-octet frame (no FCS)
  --count C        frames to send (default 1), --interval S seconds apart (default 1)
  --src MAC        source address (default 02:00:00:00:aa:fe)

Prints one line per frame: its size and the 802.3 length. Uses only the standard library.
"""

import argparse
import socket
import struct
import sys
import time

GROUP = bytes.fromhex("0180c2000000")
MARKER = 0x5253


def mac(s):
    b = bytes.fromhex(s.replace(":", ""))
    if len(b) != 6:
        raise argparse.ArgumentTypeError(f"{s}: not a MAC address")
    return b


def bpdu(kind, prio, root):
    if kind == "tcn":
        return struct.pack(">HBB", 0, 0, 0x80)
    bridge_id = struct.pack(">H", prio) + root
    if kind == "rst":
        version, bpdu_type = 2, 0x02
        # Port Role Designated (0b11 << 2), Learning, Forwarding (802.1D-2004 §9.3.3).
        flags = 0x3C
    else:
        version, bpdu_type, flags = 0, 0x00, 0x00
    body = struct.pack(">HBBB", 0, version, bpdu_type, flags)
    body += bridge_id  # Root Identifier
    body += struct.pack(">I", 0)  # Root Path Cost
    body += bridge_id  # Bridge Identifier (designated bridge)
    body += struct.pack(">H", 0x8001)  # Port Identifier
    # Message Age 0, Max Age 20 s, Hello Time 2 s, Forward Delay 15 s, in 1/256 s.
    body += struct.pack(">HHHH", 0, 20 * 256, 2 * 256, 15 * 256)
    if kind == "rst":
        body += b"\x00"  # Version 1 Length
    return body


def trailer(n, seq):
    head = struct.pack(">HBBII", MARKER, 10, 0x01, seq, seq)
    if n <= len(head):
        return head[:n]
    return head + b"\xa5" * (n - len(head))


def frame(args, seq):
    pdu = b"\x42\x42\x03" + bpdu(args.kind, args.prio, args.root) + trailer(args.trailer, seq)
    length = args.len_field if args.len_field is not None else len(pdu)
    f = GROUP + args.src + struct.pack(">H", length) + pdu
    if args.pad_to is not None and len(f) < args.pad_to:
        f += b"\x00" * (args.pad_to - len(f))
    return f, length


def write_pcap(path, frames):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, f in enumerate(frames):
            out.write(struct.pack("<IIII", 1_700_000_000 + i, 0, len(f), len(f)))
            out.write(f)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("kind", choices=["rst", "cfg", "tcn"])
    p.add_argument("prio", type=lambda s: int(s, 0))
    p.add_argument("root", type=mac)
    p.add_argument("--trailer", type=int, default=0)
    p.add_argument("--len-field", type=int)
    p.add_argument("--pad-to", type=int)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--src", type=mac, default=mac("02:00:00:00:aa:fe"))
    args = p.parse_args()
    frames = [frame(args, seq) for seq in range(1, args.count + 1)]
    for f, length in frames:
        print(f"frame {len(f)} octets, 802.3 length {length}")
    if args.out.endswith(".pcap"):
        write_pcap(args.out, [f for f, _ in frames])
        return 0
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((args.out, 0))
    for i, (f, _) in enumerate(frames):
        if i:
            time.sleep(args.interval)
        s.send(f)
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
