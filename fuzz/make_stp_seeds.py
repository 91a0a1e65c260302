#!/usr/bin/env python3
"""Writes the named seeds of fuzz/corpus/stp_decode/ and fuzz/corpus/stp_mcid/ from every BPDU
capture in testdata/ (frames and bare BPDUs, identical contents written once), an MST BPDU with
64 MSTI records, edge cases of the 802.1Q §14.4 validation rules, and truncations. Re-run from the
repository root:

    python3 fuzz/make_stp_seeds.py

Only named seed files (`seed-*`) are rewritten; files the fuzzer found are left alone."""

import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
CAPTURES = [
    "802.1D_spanning_tree.pcap",
    "802.1w_rapid_STP.pcap",
    "MSTP_Intra-Region_BPDUs.pcap",
    "rpvstp-trunk-native-vid5.pcap",
    "kbridge-stp.pcap",
    "ovs-stp.pcap",
    "ovs-rstp.pcap",
    "ovs-rstp-kernel-stp.pcap",
]


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


def payload(frame):
    """(BPDU or PVST+ body, kind) bounded by the 802.3 length, or (None, None)."""
    off = 12
    if frame[off:off + 2] == b"\x81\x00":
        off += 4
    (length,) = struct.unpack(">H", frame[off:off + 2])
    if length > 1500:
        return None, None
    body = frame[off + 2:off + 2 + length]
    if body[:3] == b"\x42\x42\x03":
        return body[3:], "bpdu"
    if body[:8] == bytes.fromhex("aaaa0300000c010b"):
        return body[8:], "pvst"
    return None, None


def frame(bpdu, src="020000000001"):
    f = bytes.fromhex("0180c2000000" + src) + struct.pack(">H", 3 + len(bpdu)) + b"\x42\x42\x03"
    return f + bpdu + bytes(max(0, 60 - 17 - len(bpdu)))


def msti(mstid, i):
    return (bytes([(i * 37) & 0xFF]) + struct.pack(">H", ((i % 16) << 12) | mstid)
            + bytes.fromhex("020000006400") + struct.pack(">I", mstid * 20000)
            + bytes([(i % 16) << 4, ((i + 3) % 16) << 4, 40 - i % 40]))


def mst(n, v3len=None, v1len=0, version=3):
    cist = (b"\x00\x00" + bytes([version, 2, 0x3c]) + bytes.fromhex("1000020000000001")
            + struct.pack(">I", 20000) + bytes.fromhex("2000020000006400") + b"\x80\x07"
            + bytes.fromhex("0100140002000f00"))
    name = b"sixty-four trees".ljust(32, b"\x00")
    mcid = b"\x00" + name + b"\x01\x02" + bytes.fromhex("9d145c267dbe9fb5d893441be3ba08ce")
    v3 = 64 + 16 * n if v3len is None else v3len
    body = cist + bytes([v1len]) + struct.pack(">H", v3) + mcid
    body += struct.pack(">I", 0) + bytes.fromhex("2000020000006400") + bytes([20])
    return body + b"".join(msti(k + 1, k + 1) for k in range(n))


def write(target, name, data, seen):
    if data in seen[target]:
        return
    seen[target].add(data)
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def main():
    seen = {"stp_decode": set(), "stp_mcid": set()}
    for t in seen:
        d = os.path.join(CORPUS, t)
        if os.path.isdir(d):
            for f in os.listdir(d):
                if f.startswith("seed-"):
                    os.remove(os.path.join(d, f))
    mcids = []
    for cap in CAPTURES:
        stem = cap.rsplit(".", 1)[0]
        for i, fr in enumerate(pcap_frames(os.path.join(ROOT, "testdata", cap)), 1):
            write("stp_decode", f"{stem}-{i}-frame", fr, seen)
            body, kind = payload(fr)
            if body is None:
                continue
            write("stp_decode", f"{stem}-{i}-{kind}", body, seen)
            if kind == "bpdu" and len(body) >= 89 and body[2] >= 3:
                mcids.append((f"{stem}-{i}", body[38:89]))
    big = mst(64)
    assert len(big) == 1126
    cases = {
        "mst-64": big,
        "mst-0": mst(0),
        "mst-65-claimed": mst(64, v3len=64 + 65 * 16) + msti(65, 65),
        "mst-v3len-not-multiple": mst(2, v3len=70),
        "mst-v3len-in-msti-units": mst(2, v3len=2),
        "mst-v1len-nonzero": mst(2, v1len=1),
        "mst-short-records": mst(2)[:-5],
        "spb-v4": mst(1, version=4),
        "tcn": b"\x00\x00\x00\x80",
        "tcn-v3-trailer": b"\x00\x00\x03\x80\xff\xff",
        "rst-v1": b"\x00\x00\x01\x02" + bytes(32),
        "bad-protocol": b"\x00\x01\x00\x80",
        "bad-type": b"\x00\x00\x00\x42" + bytes(31),
        "config-ovs-36": bytes(36),
    }
    for name, b in cases.items():
        write("stp_decode", name, b, seen)
        write("stp_decode", name + "-frame", frame(b), seen)
    # Truncations of one BPDU of each kind, bare and in a frame.
    for name, b in [("config", pcap_frames(os.path.join(ROOT, "testdata", CAPTURES[0]))[0]),
                    ("mst", frame(mst(2)))]:
        body, _ = payload(b)
        for cut in (0, 1, 3, 4, 34, 35, 36, 37, 101, 102, 117):
            if cut < len(body):
                write("stp_decode", f"{name}-cut-{cut}", body[:cut], seen)
        for cut in (13, 14, 16, 17, 20, 52):
            if cut < len(b):
                write("stp_decode", f"{name}-frame-cut-{cut}", b[:cut], seen)
    # A frame whose 802.3 length runs past its end, and a tagged TCN.
    fr = bytearray(frame(b"\x00\x00\x00\x80"))
    fr[12:14] = struct.pack(">H", 200)
    write("stp_decode", "length-past-end", bytes(fr), seen)
    tagged = bytes.fromhex("0180c2000000020000000001" "8100e000" "0007424203" "00000080")
    write("stp_decode", "tagged-tcn", tagged, seen)

    for name, m in mcids:
        write("stp_mcid", "mcid-" + name, m, seen)
    write("stp_mcid", "mcid-64", big[38:89], seen)
    write("stp_mcid", "mcid-cut-50", big[38:88], seen)
    # (VID, MSTID) pairs: a few VIDs to a few MSTIs, out-of-range values, repeated VIDs.
    pairs = b"".join(struct.pack(">HH", v, v % 32 + 1) for v in range(1, 200))
    write("stp_mcid", "pairs-mod32", pairs, seen)
    write("stp_mcid", "pairs-edges", b"".join(
        struct.pack(">HH", v, m) for v, m in
        [(0, 1), (1, 0), (4094, 4094), (4095, 1), (10, 4095), (10, 7), (10, 0), (65535, 65535)]),
        seen)
    write("stp_mcid", "empty", b"", seen)
    for t, s in seen.items():
        print(f"{t}: {len(s)} named seeds")


if __name__ == "__main__":
    main()
