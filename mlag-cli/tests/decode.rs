//! `mlag decode` on the public captures and on constructed edge cases.

use l2_types::{Instant, MacAddr};
use lacp::wire::{EthernetRepr, LacpduRepr, MarkerKind, MarkerRepr, SlowPdu, Tlv, Tlvs};
use mlag_cli::pcap::{self, PcapSink};
use mlag_cli::{decode_capture, text};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(name)
}

fn tmp(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mlag-cli-{name}"))
}

fn lacp_capture() -> Vec<Value> {
    decode_capture(&pcap::read(testdata("LACP.pcap")).expect("LACP.pcap"))
}

fn mlag(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mlag"))
        .args(args)
        .output()
        .expect("run mlag")
}

fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8(stdout.to_vec())
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

/// Frame 1 of tcpdump's LACP.pcap, field by field (protocol facts §7).
#[test]
fn lacp_frame_1_fields() {
    let frames = lacp_capture();
    assert_eq!(frames.len(), 20);
    let f = &frames[0];
    assert_eq!(f["frame"], 1);
    assert_eq!(f["length"], 124);
    assert_eq!(f["captured_length"], 124);
    assert_eq!(f["timestamp"], "1258257730.267147000");
    assert_eq!(
        f["eth"],
        json!({ "dst": "01:80:c2:00:00:02", "src": "00:13:c4:12:0f:0d", "ethertype": "0x8809" })
    );
    assert_eq!(f["protocol"], "lacp");
    let l = &f["lacp"];
    assert_eq!(l["subtype"], 1);
    assert_eq!(l["version"], 1);
    assert_eq!(
        l["actor"],
        json!({
            "system_priority": 32768, "system": "00:13:c4:12:0f:00", "key": 13,
            "port_priority": 32768, "port": 22,
            "state": {
                "raw": 0x85, "compact": "E****G*A",
                "lacp_activity": true, "lacp_timeout": false, "aggregation": true,
                "synchronization": false, "collecting": false, "distributing": false,
                "defaulted": false, "expired": true,
            },
        })
    );
    assert_eq!(
        l["partner"],
        json!({
            "system_priority": 32768, "system": "00:0e:83:16:f5:00", "key": 13,
            "port_priority": 32768, "port": 25,
            "state": {
                "raw": 0x36, "compact": "**DC*GS*",
                "lacp_activity": false, "lacp_timeout": true, "aggregation": true,
                "synchronization": false, "collecting": true, "distributing": true,
                "defaulted": false, "expired": false,
            },
        })
    );
    assert_eq!(l["collector_max_delay"], 32768);
    assert_eq!(l["tlvs"], json!([]));
    assert_eq!(l["conformance"], json!([]));
    assert_eq!(l["reencode"], json!({ "identical": true }));
    assert_eq!(l["trailer_len"], 0);
    assert!(f.get("error").is_none());
}

#[test]
fn every_lacp_frame_reencodes_identically() {
    for f in lacp_capture() {
        assert_eq!(f["protocol"], "lacp", "{f}");
        assert_eq!(f["lacp"]["reencode"]["identical"], true, "{f}");
        assert_eq!(f["lacp"]["conformance"], json!([]), "{f}");
    }
}

#[test]
fn binary_prints_json_lines_equal_to_the_library() {
    let path = testdata("LACP.pcap");
    let out = mlag(&["decode", path.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let lines = json_lines(&out.stdout);
    assert_eq!(lines, lacp_capture());
    // --json is the default, spelled out.
    let out2 = mlag(&["decode", "--json", path.to_str().unwrap()]);
    assert_eq!(out2.stdout, out.stdout);
}

#[test]
fn text_mode() {
    let path = testdata("LACP.pcap");
    let out = mlag(&["decode", "--text", path.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let s = String::from_utf8(out.stdout).unwrap();
    let first = s.split("\n\n").next().unwrap();
    for needle in [
        "Frame 1: 124 bytes on wire, 124 captured, at 1258257730.267147000, lacp",
        "    Ethernet\n        Dst: 01:80:c2:00:00:02\n        Src: 00:13:c4:12:0f:0d",
        "    Link Aggregation Control Protocol (LACPDU)",
        "        Actor: 00:13:c4:12:0f:00 port 22 key 13",
        "            State: 0x85 (E****G*A)\n                LACP activity: true",
        "                Expired: true",
        "        Partner: 00:0e:83:16:f5:00 port 25 key 13",
        "            State: 0x36 (**DC*GS*)",
        "        Collector max delay: 32768",
        "        Reencode: identical",
    ] {
        assert!(first.contains(needle), "missing {needle:?} in\n{first}");
    }
    assert_eq!(s.matches("Frame ").count(), 20);
    // The library renders the same text.
    assert!(text::render(&lacp_capture()[0]).starts_with(first));
}

#[test]
fn stp_captures_are_decoded_as_stp() {
    // Field-level checks of these captures are in tests/decode_stp.rs.
    for (file, n, stp) in [
        ("802.1D_spanning_tree.pcap", 14, 14),
        ("802.1w_rapid_STP.pcap", 30, 30),
        ("MSTP_Intra-Region_BPDUs.pcap", 10, 10),
    ] {
        let frames = decode_capture(&pcap::read(testdata(file)).unwrap());
        assert_eq!(frames.len(), n, "{file}");
        let count = frames.iter().filter(|f| f["protocol"] == "stp").count();
        assert_eq!(count, stp, "{file}");
        assert!(frames.iter().all(|f| f.get("error").is_none()));
    }
    let mst = decode_capture(&pcap::read(testdata("MSTP_Intra-Region_BPDUs.pcap")).unwrap());
    assert_eq!(mst[0]["eth"]["vlan_tci"], 0xe000);
    assert_eq!(mst[0]["eth"]["length"], 0x89);
    let pvst = decode_capture(&pcap::read(testdata("rpvstp-trunk-native-vid5.pcap")).unwrap());
    assert_eq!(pvst[2]["protocol"], "pvst+");
    assert_eq!(pvst[3]["protocol"], "stp");
    assert_eq!(pvst[4]["protocol"], "pvst+");
}

/// Frame 1 of LACP.pcap, as captured.
fn golden_frame() -> Vec<u8> {
    pcap::read(testdata("LACP.pcap")).unwrap().frames[0]
        .data
        .clone()
}

fn marker_frame() -> Vec<u8> {
    let m = MarkerRepr {
        kind: MarkerKind::Information,
        version: 1,
        requester_port: 22,
        requester_system: MacAddr([0x00, 0x13, 0xc4, 0x12, 0x0f, 0x00]),
        requester_transaction_id: 0xdead_beef,
        pad: 0,
    };
    let eth = EthernetRepr::slow_protocols(MacAddr([0x00, 0x13, 0xc4, 0x12, 0x0f, 0x0d]));
    let mut buf = vec![0u8; 128];
    let n = SlowPdu::Marker(m).emit_frame(&eth, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn v2_frame_with_trailer() -> Vec<u8> {
    let frame = golden_frame();
    let mut r = LacpduRepr::parse_bytes(&frame[14..]).unwrap();
    let list = [
        Tlv::PortAlgorithm {
            actor_port_algorithm: 0x0080_c201,
        },
        Tlv::Unknown {
            ty: 0x42,
            value: &[1, 2, 3],
        },
    ];
    let mut chain = [0u8; 64];
    let n = Tlvs::encode(&list, &mut chain).unwrap();
    r.version = 2;
    r.tlvs = Tlvs::new(&chain[..n]).unwrap();
    let eth = EthernetRepr::slow_protocols(MacAddr([2, 0, 0, 0, 0, 1]));
    let mut buf = vec![0u8; 200];
    let len = SlowPdu::Lacp(r).emit_frame(&eth, &mut buf).unwrap();
    buf.truncate(len);
    buf.extend_from_slice(&[0x64, 0x04, 0xaa, 0xbb]); // an IRF-MAD-like vendor trailer
    buf
}

#[test]
fn constructed_edge_cases() {
    let golden = golden_frame();
    let mut bad_tlv = golden.clone();
    bad_tlv[14 + 1] = 2; // version 2 …
    bad_tlv[14 + 58] = 0x04; // … with a Port Algorithm TLV of the wrong length
    bad_tlv[14 + 59] = 5;
    let mut reserved = golden.clone();
    reserved[14 + 19] = 0xee; // actor reserved octet
    let ipv4 = {
        let mut f = vec![0u8; 60];
        f[..6].copy_from_slice(&[0xff; 6]);
        f[12..14].copy_from_slice(&[0x08, 0x00]);
        f
    };
    let mut oam = golden.clone();
    oam[14] = 3;
    let frames: Vec<Vec<u8>> = vec![
        golden[..60].to_vec(), // 1: truncated LACPDU
        marker_frame(),        // 2
        v2_frame_with_trailer(),
        ipv4,                  // 4
        bad_tlv,               // 5
        golden[..10].to_vec(), // 6: runt
        reserved,              // 7
        oam,                   // 8
        golden[..14].to_vec(), // 9: header only
    ];
    let path = tmp("edge.pcap");
    let mut sink = PcapSink::create(&path).unwrap();
    for (i, f) in frames.iter().enumerate() {
        sink.write(Instant::from_millis(1000 * i as u64 + 1), f)
            .unwrap();
    }
    sink.flush().unwrap();
    drop(sink);

    let out = mlag(&["decode", path.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let v = json_lines(&out.stdout);
    assert_eq!(v.len(), frames.len());

    assert_eq!(v[0]["protocol"], "slow");
    assert_eq!(v[0]["error"], "truncated: needed 110 octets, got 46");
    assert_eq!(v[0]["timestamp"], "0.001000000");

    let m = &v[1]["marker"];
    assert_eq!(v[1]["protocol"], "marker");
    assert_eq!(m["kind"], "marker_information");
    assert_eq!(m["requester_port"], 22);
    assert_eq!(m["requester_system"], "00:13:c4:12:0f:00");
    assert_eq!(m["requester_transaction_id"], 0xdead_beef_u32);
    assert_eq!(m["pad"], 0);
    assert_eq!(m["reencode"]["identical"], true);

    let l = &v[2]["lacp"];
    assert_eq!(l["version"], 2);
    assert_eq!(
        l["tlvs"],
        json!([
            { "type": 4, "name": "port_algorithm", "length": 6, "actor_port_algorithm": 0x0080_c201 },
            { "type": 0x42, "name": "unknown", "length": 5, "value": "010203" },
        ])
    );
    assert_eq!(l["reencode"]["identical"], true);
    assert_eq!(l["trailer_len"], 4);

    assert_eq!(v[3]["protocol"], "unknown");
    assert_eq!(v[3]["eth"]["ethertype"], "0x0800");
    assert!(v[3].get("error").is_none());

    assert_eq!(v[4]["error"], "malformed TLV type 0x04 with length 5");
    assert!(
        v[5]["error"]
            .as_str()
            .unwrap()
            .starts_with("ethernet: truncated")
    );

    let l = &v[6]["lacp"];
    assert_eq!(
        l["conformance"],
        json!([{ "kind": "reserved_non_zero", "offset": 19 }])
    );
    assert_eq!(
        l["reencode"],
        json!({ "identical": false, "first_difference": 19, "original": 0xee, "emitted": 0 })
    );

    assert_eq!(v[7]["protocol"], "slow");
    assert_eq!(v[7]["slow"]["subtype_name"], "oam");
    assert!(v[7].get("error").is_none());
    assert_eq!(v[8]["error"], "truncated: needed 1 octets, got 0");

    // Text mode copes with all of them.
    let out = mlag(&["decode", "--text", path.to_str().unwrap()]);
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        s.contains("ERROR: truncated: needed 110 octets, got 46"),
        "{s}"
    );
    assert!(s.contains("Marker Protocol"), "{s}");
    assert!(s.contains("Reencode: DIFFERENT"), "{s}");
}

#[test]
fn pcap_sink_round_trip() {
    let path = tmp("sink.pcap");
    let frame = golden_frame();
    {
        let mut sink = PcapSink::create(&path).unwrap();
        sink.write(Instant::from_nanos(1_500_000_123), &frame)
            .unwrap();
        sink.write(Instant::from_secs(90), &frame[..60]).unwrap();
        assert_eq!(sink.frames(), 2);
    } // dropped: flushed
    let cap = pcap::read(&path).unwrap();
    assert!(cap.is_ethernet());
    assert_eq!(cap.frames.len(), 2);
    assert_eq!(cap.frames[0].timestamp.as_nanos(), 1_500_000_123);
    assert_eq!(cap.frames[0].data, frame);
    assert_eq!(cap.frames[1].timestamp.as_secs(), 90);
    assert_eq!(cap.frames[1].orig_len, 60);
    // In memory too.
    let mut mem = PcapSink::new(Vec::new()).unwrap();
    mem.write(Instant::ZERO, &frame).unwrap();
    let bytes = mem.into_inner().unwrap();
    assert_eq!(bytes.len(), 24 + 16 + frame.len());
}

#[test]
fn other_link_type_is_reported() {
    // A pcap header (little endian, µs) with link type 113 (Linux cooked) and one 4-byte record.
    let mut f = Vec::new();
    f.extend_from_slice(&0xa1b2_c3d4_u32.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&65535u32.to_le_bytes());
    f.extend_from_slice(&113u32.to_le_bytes());
    for v in [1u32, 0, 4, 4] {
        f.extend_from_slice(&v.to_le_bytes());
    }
    f.extend_from_slice(&[1, 2, 3, 4]);
    let path = tmp("sll.pcap");
    std::fs::write(&path, f).unwrap();
    let out = mlag(&["decode", path.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let v = json_lines(&out.stdout);
    assert_eq!(v.len(), 1);
    assert!(
        v[0]["error"].as_str().unwrap().contains("not Ethernet"),
        "{}",
        v[0]
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("is not Ethernet"), "{err}");
}

#[test]
fn unreadable_files_fail() {
    let out = mlag(&["decode", "/nonexistent/x.pcap"]);
    assert!(!out.status.success());
    let path = tmp("garbage.pcap");
    std::fs::write(&path, b"this is not a capture file at all").unwrap();
    let out = mlag(&["decode", path.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr).unwrap().contains("pcap"));
}

/// Compares every LACP frame with tshark's dissector, when tshark is installed.
#[test]
fn matches_tshark() {
    let tshark = Path::new("/usr/bin/tshark");
    if !tshark.exists() {
        println!("SKIPPED: /usr/bin/tshark not installed");
        return;
    }
    let fields = [
        "frame.number",
        "lacp.version",
        "lacp.actor.sys_priority",
        "lacp.actor.sysid",
        "lacp.actor.key",
        "lacp.actor.port_priority",
        "lacp.actor.port",
        "lacp.actor.state",
        "lacp.partner.sys_priority",
        "lacp.partner.sysid",
        "lacp.partner.key",
        "lacp.partner.port_priority",
        "lacp.partner.port",
        "lacp.partner.state",
        "lacp.collector.max_delay",
        "lacp.actor.state_str",
        "lacp.partner.state_str",
    ];
    let mut cmd = Command::new(tshark);
    cmd.arg("-r").arg(testdata("LACP.pcap"));
    cmd.args(["-T", "fields", "-E", "separator=,"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = match cmd.output() {
        Ok(o) if o.status.success() => o,
        other => {
            println!("SKIPPED: tshark did not run: {other:?}");
            return;
        }
    };
    let ours = lacp_capture();
    let theirs = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = theirs.lines().collect();
    assert_eq!(rows.len(), ours.len());
    for (row, f) in rows.iter().zip(&ours) {
        let l = &f["lacp"];
        let side = |s: &str| {
            let p = &l[s];
            vec![
                p["system_priority"].to_string(),
                p["system"].as_str().unwrap().to_string(),
                p["key"].to_string(),
                p["port_priority"].to_string(),
                p["port"].to_string(),
                format!("0x{:02x}", p["state"]["raw"].as_u64().unwrap()),
            ]
        };
        let mut expect = vec![
            f["frame"].to_string(),
            format!("0x{:02x}", l["version"].as_u64().unwrap()),
        ];
        expect.extend(side("actor"));
        expect.extend(side("partner"));
        expect.push(l["collector_max_delay"].to_string());
        expect.push(l["actor"]["state"]["compact"].as_str().unwrap().to_string());
        expect.push(
            l["partner"]["state"]["compact"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        assert_eq!(
            row.split(',').collect::<Vec<_>>(),
            expect,
            "frame {}",
            f["frame"]
        );
    }
}
