#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/ from testdata/LACP.pcap plus constructed
LACPv2 and Marker variants and truncations. Re-run from the repository root:

    python3 fuzz/make_seeds.py

Only named seed files (`seed-*`) are rewritten; files the fuzzer found are left alone."""

import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def pcap_frames(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off, frames = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames


ETH = bytes.fromhex("0180c2000002" "020000000001" "8809")


def lacpdu(golden_pdu, version, tlvs=b"", pad_to=110):
    """A LACPDU with the golden actor/partner/collector, `version`, and a TLV chain."""
    body = bytearray(golden_pdu[:58])
    body[1] = version
    body += tlvs + b"\x00\x00"
    if len(body) < pad_to:
        body += bytes(pad_to - len(body))
    return bytes(body)


def tlv(ty, value):
    return bytes([ty, len(value) + 2]) + value


def marker(tlv_type, port=22, system="0013c4120f00", tid=0xDEADBEEF, pad=0):
    body = bytes([2, 1, tlv_type, 16]) + struct.pack(">H", port) + bytes.fromhex(system)
    body += struct.pack(">IH", tid, pad) + b"\x00\x00"
    return body + bytes(110 - len(body))


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def main():
    frames = pcap_frames(os.path.join(ROOT, "testdata", "LACP.pcap"))
    seen = set()
    golden_frame = frames[0]
    golden = golden_frame[14:]
    for i, f in enumerate(frames, 1):
        if f in seen:
            continue
        seen.add(f)
        write("lacp_decode", "pcap-frame-%02d" % i, f)
        write("lacp_decode", "pcap-pdu-%02d" % i, f[14:])
        write("lacp_roundtrip", "pcap-pdu-%02d" % i, f[14:])

    v2 = {
        "v2-no-tlvs": lacpdu(golden, 2),
        "v2-port-algorithm": lacpdu(golden, 2, tlv(4, bytes.fromhex("0080c201"))),
        "v2-conversation-id-digest": lacpdu(golden, 2, tlv(5, b"\x00\x07" + bytes(range(16)))),
        "v2-service-mapping": lacpdu(golden, 2, tlv(0x0A, bytes(range(16, 32)))),
        "v2-unknown-tlv": lacpdu(golden, 2, tlv(0x42, b"\x01\x02\x03")),
        "v2-long-masks": lacpdu(
            golden, 2,
            tlv(4, bytes.fromhex("0080c205")) + tlv(6, b"\x01" + b"\x0f" * 128)
            + tlv(7, b"\xa5" * 128) + tlv(8, b"\x5a" * 128) + tlv(9, b"\xff" * 128)),
        "v2-all": lacpdu(
            golden, 2,
            tlv(4, bytes.fromhex("0080c201")) + tlv(5, b"\x00\x01" + bytes(16))
            + tlv(0x0A, bytes(16)) + tlv(0x7F, b"")),
        "v3-unknown-version": lacpdu(golden, 3, tlv(0x42, b"\xaa")),
        "v2-bad-tlv-length": lacpdu(golden, 2, bytes([4, 5, 0, 0, 0])),
        "v2-tlv-past-end": lacpdu(golden, 2, bytes([0x42, 200])),
        "v1-trailer": golden + bytes([0x64, 0x04, 0xAA, 0xBB]),
        "v1-nonconformant": bytes([1, 1, 9, 0x11]) + golden[4:19] + b"\xee" + golden[20:],
    }
    for name, pdu in v2.items():
        write("lacp_decode", name, ETH + pdu)
        write("lacp_decode", name + "-pdu", pdu)
        write("lacp_roundtrip", name, pdu)

    for n in (0, 1, 13, 14, 17, 60, 14 + 58, 14 + 109):
        write("lacp_decode", "truncated-frame-%03d" % n, golden_frame[:n])
    for n in (1, 2, 58, 109):
        write("lacp_roundtrip", "truncated-pdu-%03d" % n, golden[:n])
    write("lacp_decode", "tagged-frame",
          golden_frame[:12] + bytes.fromhex("8100e000") + golden_frame[12:])
    write("lacp_decode", "oam-subtype", ETH + b"\x03" + golden[1:])
    write("lacp_decode", "subtype-zero", ETH + b"\x00" + golden[1:])

    info, resp = marker(1), marker(2)
    write("lacp_decode", "marker-frame", ETH + info)
    write("lacp_decode", "marker-response-frame", ETH + resp)
    write("marker_decode", "marker-information", info)
    write("marker_decode", "marker-response", resp)
    write("marker_decode", "marker-frame", ETH + info)
    write("marker_decode", "marker-nonzero-pad", marker(1, pad=0x1234))
    write("marker_decode", "marker-bad-tlv-type", marker(3))
    write("marker_decode", "marker-truncated", info[:20])
    write("marker_decode", "marker-trailer", resp + b"\x64\x02")

    system_seeds()


# ---- lacp_system: a mode octet, then ops in the `lacp::ops` language (tag, delay, fields) ----
# Delay octet d < 200 means d * 25 ms. Ports of `lacp::ops::setup`: 1-2 in LAG 1 (key 1), 3-4 in
# LAG 2 (key 2), own System 02:00:00:00:00:01 (system selector 0), remote 0xaa (selector 2).
FOLLOW_TIMERS, LAZY_DRAIN = 1, 2


def op_lacpdu(port, delay=8, remote=2, partner_state=0x3D, actor_state=0x3F, prio1=False):
    """A LACPDU from the remote partner on `port` whose partner view matches our actor (our
    System priority is 1 after the SetSystem op of seed-config-changes: `prio1`)."""
    key = 1 if port <= 2 else 2
    info = (port << 2) | key  # priority 32768, key, port number = port
    view = info | (0x80 if prio1 else 0)
    return bytes([0, delay, port - 1, remote, info, actor_state, 0, view, partner_state])


def aggregate(ports, rounds=20, delay=8, prio1=False):
    return b"".join(op_lacpdu(p, delay, prio1=prio1) for _ in range(rounds) for p in ports)


def system_seeds():
    w = lambda name, data: write("lacp_system", name, data)
    link = lambda port, state, delay=4: bytes([7, delay, port - 1, state])
    w("aggregate-lag1", bytes([FOLLOW_TIMERS]) + aggregate([1, 2]))
    w("aggregate-both", bytes([FOLLOW_TIMERS]) + aggregate([1, 2, 3, 4]))
    w("link-flap", bytes([FOLLOW_TIMERS]) + aggregate([1, 2], rounds=15)
      + link(1, 0) + aggregate([2], rounds=5) + link(1, 2) + aggregate([1, 2], rounds=10)
      + link(2, 1) + aggregate([1, 2], rounds=5) + link(2, 3) + aggregate([1, 2], rounds=10))
    w("config-changes", bytes([FOLLOW_TIMERS]) + aggregate([1, 2, 3, 4], rounds=15)
      + bytes([11, 4, 2, 0, 0x49, 0x04])        # SetLag 1: key 1, min_links 2, coupled
      + aggregate([1, 2], rounds=5)
      + bytes([12, 4, 2, 0, 0, 0x01])            # SetPort 1: LAG 1, short timeout
      + aggregate([1, 2], rounds=5)
      + bytes([12, 4, 1, 1])                     # RemovePort 2
      + bytes([12, 4, 0, 1, 0, 0x02]) + link(2, 2)  # AddPort 2, link up
      + bytes([13, 4, 0x03])                     # SetSystem: priority 1, bandwidth
      + bytes([11, 4, 0, 2, 0x13, 0x01])         # AddLag 3 (key 3, max_active 1, actor system)
      + bytes([12, 4, 2, 3, 2, 0x01])            # SetPort 4 -> LAG 3
      + aggregate([1, 2, 3, 4], rounds=10, prio1=True)
      + bytes([12, 4, 2, 3, 1, 0x01])            # SetPort 4 -> LAG 2
      + bytes([11, 4, 1, 2])                     # RemoveLag 3
      + aggregate([1, 2, 3, 4], rounds=10, prio1=True))
    w("marker", bytes([FOLLOW_TIMERS]) + aggregate([1, 2], rounds=12)
      + b"".join(bytes([4, 2, 0, 0, 0, i]) for i in range(12))       # Markers, 50 ms apart
      + bytes([4, 2, 1, 1, 0x12, 0x34]))                           # a Marker Response
    w("lazy-timeouts", bytes([LAZY_DRAIN]) + aggregate([1, 2], rounds=12)
      + bytes([9, 40, 14, 0, 9, 210, 15, 0, 9, 255]) + aggregate([1], rounds=3) + bytes([14, 0]))
    w("expire", bytes([FOLLOW_TIMERS]) + aggregate([1, 2, 3, 4], rounds=15)
      + bytes([9, 255, 9, 255]) + aggregate([3, 4], rounds=5))
    w("loopback", bytes([FOLLOW_TIMERS]) + aggregate([1, 2], rounds=12)
      + bytes([0, 4, 0, 0, (2 << 2) | 1, 0x3D, 0, (1 << 2) | 1, 0x3D])  # port 2's PDU on port 1
      + aggregate([1, 2], rounds=25))
    w("raw-truncated", bytes([FOLLOW_TIMERS]) + aggregate([1], rounds=5)
      + bytes([5, 2, 0, 60, 5, 2, 0, 123, 6, 2, 0, 8]) + bytes(range(8)))


if __name__ == "__main__":
    main()
