#!/usr/bin/python3
"""Bad input for mlagd: random and mutated LACP, BPDU and ICCP frames on one interface.

Usage: /usr/bin/python3 bad-frames.py IFACE COUNT SEED mixed|iccp|incarnation [TEMPLATES.pcap ...]

Sends COUNT frames out of IFACE (so they arrive at the far end of the link: run it in the
namespace of an mlagd port's neighbour). Every frame's source address starts with 02:ba:d0,
so the captures of the lab tell garbage from the daemons' and the neighbours' own frames.
Needs Debian's python3-scapy (run with /usr/bin/python3). `mixed` sends the first three kinds
below (and the fourth when TEMPLATES hold ICCP frames) in a seeded mix; `iccp` only the fourth;
`incarnation` sends COUNT copies of the last ICCP frame of TEMPLATES not sent by 02:00:00:00:01:*
(peer1 in the labs) with one bit of its Sender Incarnation flipped (the known iccp gap in
lab/README.md: one such frame resets the receiver's session), keeping its source address.

  random     random bytes after a control destination (LACP, BPDU or ICCP address) and a
             plausible type (Slow Protocols, LLC 42/42/03, the ICCP EtherType, or nothing)
  broken     a valid LACPDU, Marker, STP/RST/TCN/MST BPDU or ICCP frame (built with scapy or
             taken from TEMPLATES, the lab's own captures of the peer-link) made invalid: cut
             short, a wrong version/subtype/type, a TLV length or type that lies, junk after it,
             bits flipped in the first 40 octets of the PDU
  bogus      a well-formed BPDU (config, RST, TCN) whose fields are fuzzed by scapy but whose
             root and designated bridge are ff:ff:ff:ff:ff:xx with priority 0xf000 or more:
             inferior to every bridge of the lab, and never from a bridge a port has recorded,
             so 802.1D-2004 §17.21.8 classes it as inferior or other information and it may at
             most flush or dispute, never re-root the tree; with a TC flag it is a topology
             change notice (a flush)
  iccp       a captured ICCP frame with one to eight random bit flips anywhere after the
             Ethernet header, or with its length fields changed

Prints one line of counts per kind at the end.
"""
import random
import struct
import sys

from scapy.all import Dot3, Ether, LLC, Raw, conf, PcapReader
from scapy.contrib.lacp import LACP, MarkerProtocol, SlowProtocol
from scapy.layers.l2 import STP

SLOW = "01:80:c2:00:00:02"
BPDU = "01:80:c2:00:00:00"
ICCP = "01:80:c2:00:00:0e"
ICCP_TYPE = 0x88B5


def main():
    if len(sys.argv) < 5 or sys.argv[4] not in ("mixed", "iccp", "incarnation"):
        sys.exit(__doc__)
    iface, count, seed, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rnd = random.Random(seed)
    templates = iccp_templates(sys.argv[5:])
    if mode == "iccp" and not templates:
        sys.exit("no ICCP frame in the templates")
    conf.verb = 0
    sock = conf.L2socket(iface=iface)
    if mode == "incarnation":
        theirs = [t for t in templates if t[6:11] != bytes.fromhex("0200000001")]
        if not theirs:
            sys.exit("no ICCP frame from peer2 in the templates")
        f = bytearray(theirs[-1])
        f[21] ^= 0x01  # the last octet of the Sender Incarnation (octets 4..7 after the EtherType)
        for _ in range(count):
            sock.send(Raw(bytes(f)))
        sock.close()
        print(f"{iface}: {count} frame(s), sender incarnation {bytes(f[18:22]).hex()} (was {bytes(theirs[-1][18:22]).hex()})")
        return
    kinds = {"random": 0, "broken": 0, "bogus": 0, "iccp": 0}
    for i in range(count):
        src = bytes([0x02, 0xBA, 0xD0, rnd.randrange(256), (i >> 8) & 0xFF, i & 0xFF])
        r = 1.0 if mode == "iccp" else rnd.random()
        if r < 0.25:
            kind, frame = "random", random_frame(rnd)
        elif r < 0.6:
            kind, frame = "broken", broken(rnd, templates)
        elif r < 0.85:
            kind, frame = "bogus", bogus_bpdu(rnd)
        elif templates:
            kind, frame = "iccp", mutate_iccp(rnd, rnd.choice(templates))
        else:
            kind, frame = "broken", broken(rnd, templates)
        frame = frame[:6] + src + frame[12:]
        try:
            sock.send(Raw(frame))
            kinds[kind] += 1
        except OSError:
            pass  # the kernel refuses frames shorter than an Ethernet header
    sock.close()
    print(f"{iface}: " + " ".join(f"{k}={v}" for k, v in kinds.items()))


def iccp_templates(paths):
    """ICCP frames (EtherType 0x88b5) of the given captures; a partly written capture is read
    up to its last whole record."""
    out = []
    for p in paths:
        try:
            with PcapReader(p) as r:
                for pkt in r:
                    b = bytes(pkt)
                    if len(b) > 14 and struct.unpack("!H", b[12:14])[0] == ICCP_TYPE:
                        out.append(b)
                    if len(out) >= 400:
                        break
        except Exception:  # noqa: BLE001 - a capture still being written may end mid-record
            pass
    return out


def mac(rnd):
    return ":".join(f"{rnd.randrange(256):02x}" for _ in range(6))


def random_frame(rnd):
    dst = bytes.fromhex(rnd.choice([SLOW, BPDU, ICCP]).replace(":", ""))
    head = rnd.choice([b"\x88\x09", b"\x88\x09\x01\x01", b"\x88\x09\x02",
                       b"\x00\x26\x42\x42\x03", b"\x88\xb5", b""])
    body = bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 140)))
    return dst + bytes(6) + head + body


def lacpdu(rnd):
    return bytes(Ether(dst=SLOW, type=0x8809) / SlowProtocol(subtype=1) / LACP(
        actor_system=mac(rnd), actor_key=rnd.randrange(65536), actor_port_number=rnd.randrange(1, 65536),
        actor_state=rnd.randrange(256), partner_system=mac(rnd), partner_state=rnd.randrange(256)))


def marker(rnd):
    return bytes(Ether(dst=SLOW, type=0x8809) / SlowProtocol(subtype=2) / MarkerProtocol(
        marker_type=rnd.choice([1, 2]), requester_port=rnd.randrange(65536),
        requester_system=mac(rnd), requester_transaction_id=rnd.randrange(2**32)))


def bpdu_frame(payload):
    return bytes(Dot3(dst=BPDU) / LLC(dsap=0x42, ssap=0x42, ctrl=3) / payload)


def inferior_id(rnd):
    """A bridge identifier worse than every bridge of the lab: priority 0xf000 or more, address
    ff:ff:ff:ff:ff:xx."""
    return 0xF000 | rnd.randrange(0x1000), "ff:ff:ff:ff:ff:%02x" % rnd.randrange(256)


def config_bpdu(rnd, version=0, bpdutype=0):
    rp, rm = inferior_id(rnd)
    bp, bm = inferior_id(rnd)
    stp = STP(version=version, bpdutype=bpdutype, bpduflags=rnd.randrange(256), rootid=rp, rootmac=rm,
              pathcost=rnd.randrange(2**32), bridgeid=bp, bridgemac=bm, portid=rnd.randrange(65536),
              age=rnd.choice([0, 1, 5, 19, 40]), maxage=rnd.choice([6, 20, 40, 0, 255]),
              hellotime=rnd.choice([0, 1, 2, 10]), fwddelay=rnd.choice([0, 4, 15, 30]))
    return bpdu_frame(stp / Raw(b"\x00") if version >= 2 else stp)


def tcn():
    return bpdu_frame(Raw(b"\x00\x00\x00\x80"))


def mst_bpdu(rnd):
    rp, rm = inferior_id(rnd)
    root = struct.pack("!H", rp) + bytes.fromhex(rm.replace(":", ""))
    cist = (struct.pack("!HBBB", 0, 3, 2, rnd.randrange(256)) + root + struct.pack("!I", 0) + root +
            struct.pack("!H", 0x8001) + struct.pack("!HHHH", 0, 20 * 256, 2 * 256, 15 * 256) + b"\x00")
    ext = b"\x00" + b"LAB".ljust(32, b"\x00") + struct.pack("!H", 0) + bytes(16) + struct.pack("!I", 0) + root + b"\x14"
    msti = bytes([0x7C]) + root + struct.pack("!I", 0) + bytes([0x80, 0x80, 20])
    return bpdu_frame(Raw(cist + struct.pack("!H", len(ext) + len(msti)) + ext + msti))


def valid_template(rnd, templates):
    choices = [lambda: lacpdu(rnd), lambda: marker(rnd), lambda: config_bpdu(rnd),
               lambda: config_bpdu(rnd, 2, 2), tcn, lambda: mst_bpdu(rnd)]
    if templates:
        choices.append(lambda: rnd.choice(templates))
    return rnd.choice(choices)()


def broken(rnd, templates):
    f = bytearray(valid_template(rnd, templates))
    how = rnd.randrange(6)
    if how == 0:                                    # cut short (at least the Ethernet header)
        del f[rnd.randint(14, max(14, len(f) - 1)):]
    elif how == 1:                                  # lie in an early length or version octet
        i = rnd.choice([12, 13, 15, 16, 17, 18, 19, 20])
        if i < len(f):
            f[i] = rnd.choice([0, 1, 3, 0x7F, 0xFF, f[i] ^ 0xFF])
    elif how == 2:                                  # junk after the PDU
        f += bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 200)))
    elif how == 3:                                  # flipped bits in the PDU's first 40 octets
        for _ in range(rnd.randint(1, 6)):
            i = rnd.randrange(14, min(len(f), 54)) if len(f) > 14 else 0
            f[i] ^= 1 << rnd.randrange(8)
    elif how == 4:                                  # LACP: wrong TLV type/length; else cut at 15
        if f[12:14] == b"\x88\x09" and len(f) > 17:
            f[rnd.choice([16, 17])] = rnd.randrange(256)
        else:
            del f[15:]
    else:                                           # an oversized length field (802.3 frames)
        f[12:14] = struct.pack("!H", rnd.choice([0, 3, 1499, 1500, 0x05FF]))
    return bytes(f)


def bogus_bpdu(rnd):
    return rnd.choice([lambda: config_bpdu(rnd), lambda: config_bpdu(rnd, 2, 2), tcn])()


def mutate_iccp(rnd, template):
    f = bytearray(template)
    if rnd.random() < 0.7:
        for _ in range(rnd.randint(1, 8)):
            i = rnd.randrange(14, len(f))
            f[i] ^= 1 << rnd.randrange(8)
    else:
        del f[rnd.randint(14, len(f)):]
        f += bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 40)))
    return bytes(f)


if __name__ == "__main__":
    main()
