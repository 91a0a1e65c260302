//! `mlag decode` on every spanning tree capture (tcpdump's public ones and this project's lab
//! captures of the Linux bridge and Open vSwitch), on constructed edge cases, and — where tshark
//! is installed — field by field against tshark's dissector.

use l2_types::Instant;
use mlag_cli::pcap::{self, PcapSink};
use mlag_cli::{decode_capture, text};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every capture with BPDUs: (file, frames, IEEE BPDU frames, PVST+ frames).
const CAPTURES: &[(&str, usize, usize, usize)] = &[
    ("802.1D_spanning_tree.pcap", 14, 14, 0),
    ("802.1w_rapid_STP.pcap", 30, 30, 0),
    ("MSTP_Intra-Region_BPDUs.pcap", 10, 10, 0),
    ("rpvstp-trunk-native-vid5.pcap", 22, 6, 12),
    ("kbridge-stp.pcap", 21, 21, 0),
    ("ovs-stp.pcap", 14, 14, 0),
    ("ovs-rstp.pcap", 9, 9, 0),
    ("ovs-rstp-kernel-stp.pcap", 8, 8, 0),
];

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(name)
}

fn decode(name: &str) -> Vec<Value> {
    decode_capture(&pcap::read(testdata(name)).unwrap_or_else(|e| panic!("{name}: {e}")))
}

fn mlag(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mlag"))
        .args(args)
        .output()
        .expect("run mlag")
}

fn id(priority: u16, ext: u16, address: &str) -> Value {
    json!({ "priority": priority, "system_id_extension": ext, "address": address })
}

#[test]
fn config_bpdu_field_by_field() {
    let f = &decode("802.1D_spanning_tree.pcap")[0];
    assert_eq!(f["protocol"], "stp");
    assert_eq!(f["eth"]["length"], 0x26);
    assert_eq!(
        f["eth"]["llc"],
        json!({ "dsap": "0x42", "ssap": "0x42", "control": "0x03" })
    );
    assert_eq!(
        f["stp"],
        json!({
            "protocol_id": 0,
            "protocol_version": 0,
            "bpdu_type": 0,
            "bpdu_kind": "config",
            "flags": {
                "raw": 0, "topology_change": false, "proposal": false, "learning": false,
                "forwarding": false, "agreement": false, "topology_change_ack": false,
            },
            "root_id": id(32768, 1, "00:19:06:ea:b8:80"),
            "root_path_cost": 0,
            "bridge_id": id(32768, 1, "00:19:06:ea:b8:80"),
            "port_id": { "priority": 128, "number": 5 },
            "message_age": 0.0,
            "max_age": 20.0,
            "hello_time": 2.0,
            "forward_delay": 15.0,
            "reencode": { "identical": true },
            "bpdu_len": 35,
            "decoded_len": 35,
            "trailer_len": 0,
            "padding_len": 8,
        })
    );
}

#[test]
fn rst_bpdu_field_by_field() {
    let f = &decode("802.1w_rapid_STP.pcap")[0];
    let s = &f["stp"];
    assert_eq!(s["protocol_version"], 2);
    assert_eq!(s["bpdu_type"], 2);
    assert_eq!(s["bpdu_kind"], "rst");
    assert_eq!(
        s["flags"],
        json!({
            "raw": 0x0e, "topology_change": false, "proposal": true, "learning": false,
            "forwarding": false, "agreement": false, "topology_change_ack": false,
            "port_role": "designated",
        })
    );
    assert_eq!(s["port_id"], json!({ "priority": 128, "number": 12 }));
    assert_eq!(s["version_1_length"], 0);
    assert_eq!(s["bpdu_len"], 36);
    assert_eq!(s["padding_len"], 7);
    assert!(s.get("note").is_none());
}

#[test]
fn mst_bpdu_field_by_field() {
    let frames = decode("MSTP_Intra-Region_BPDUs.pcap");
    let s = &frames[0]["stp"];
    assert_eq!(s["protocol_version"], 3);
    assert_eq!(s["bpdu_kind"], "mst");
    assert_eq!(s["flags"]["raw"], 0x38);
    assert_eq!(s["flags"]["port_role"], "root");
    assert_eq!(s["root_id"], id(0, 0, "00:1f:27:b4:7d:80"));
    assert_eq!(s["root_path_cost"], 200_000);
    assert_eq!(
        s["cist_regional_root_id"],
        id(32768, 0, "00:16:46:b5:8c:80")
    );
    assert!(
        s.get("bridge_id").is_none(),
        "MST: the slot is the regional root"
    );
    assert_eq!(s["message_age"], 1.0);
    assert_eq!(s["version_3_length"], 96);
    assert_eq!(
        s["mst_config_id"],
        json!({ "format_selector": 0, "name": "Brewery", "revision": 0,
                "digest": "9357ebb7a8d74dd5fef4f2bab50531aa" })
    );
    assert_eq!(s["cist_internal_root_path_cost"], 200_000);
    assert_eq!(s["cist_bridge_id"], id(32768, 0, "00:1e:f7:05:a8:80"));
    assert_eq!(s["cist_remaining_hops"], 20);
    assert_eq!(
        s["msti"],
        json!([
            {
                "mstid": 1,
                "flags": { "raw": 0xfc, "topology_change": false, "proposal": false,
                           "learning": true, "forwarding": true, "agreement": true,
                           "master": true, "port_role": "designated" },
                "regional_root_id": id(24576, 1, "00:1e:f7:05:a8:80"),
                "internal_root_path_cost": 0,
                "bridge_priority": 24576,
                "port_priority": 128,
                "remaining_hops": 20,
            },
            {
                "mstid": 2,
                "flags": { "raw": 0xf8, "topology_change": false, "proposal": false,
                           "learning": true, "forwarding": true, "agreement": true,
                           "master": true, "port_role": "root" },
                "regional_root_id": id(32768, 2, "00:16:46:b5:8c:80"),
                "internal_root_path_cost": 200_000,
                "bridge_priority": 32768,
                "port_priority": 128,
                "remaining_hops": 20,
            },
        ])
    );
    assert_eq!(s["reencode"], json!({ "identical": true }));
    assert_eq!(
        (s["bpdu_len"].as_u64(), s["trailer_len"].as_u64()),
        (Some(134), Some(0))
    );
}

#[test]
fn tcn_from_the_kernel_bridge() {
    let frames = decode("kbridge-stp.pcap");
    let f = &frames[9];
    assert_eq!(f["length"], 21);
    assert_eq!(f["eth"]["src"], "02:00:00:00:2b:01");
    assert_eq!(
        f["stp"],
        json!({
            "protocol_id": 0, "protocol_version": 0, "bpdu_type": 0x80, "bpdu_kind": "tcn",
            "reencode": { "identical": true },
            "bpdu_len": 4, "decoded_len": 4, "trailer_len": 0, "padding_len": 0,
        })
    );
    // The root's answer: TC + TCA.
    let flags = &frames[10]["stp"]["flags"];
    assert_eq!(flags["raw"], 0x81);
    assert_eq!(flags["topology_change"], true);
    assert_eq!(flags["topology_change_ack"], true);
    assert!(
        flags.get("port_role").is_none(),
        "Config BPDUs carry no role"
    );
}

#[test]
fn pvst_frames_are_not_ieee() {
    let frames = decode("rpvstp-trunk-native-vid5.pcap");
    let f3 = &frames[2];
    assert_eq!(f3["protocol"], "pvst+");
    assert!(f3.get("stp").is_none());
    assert_eq!(f3["eth"]["vlan_id"], 1);
    let p = &f3["pvst"];
    assert!(p["note"].as_str().unwrap().contains("not an IEEE BPDU"));
    assert_eq!(p["originating_vlan"], 1);
    assert_eq!(
        p["tlvs"],
        json!([{ "type": 0, "length": 2, "name": "originating_vlan", "vlan": 1 }])
    );
    assert_eq!(p["bpdu"]["bpdu_kind"], "rst");
    assert_eq!(p["bpdu"]["root_id"], id(32768, 1, "00:1f:6d:96:ec:00"));
    assert_eq!(p["bpdu"]["reencode"]["identical"], true);
    assert_eq!(p["pvst_len"], 42);
    // Frame 4: Cisco's untagged IEEE BPDU (VLAN 1's tree).
    assert_eq!(frames[3]["protocol"], "stp");
    assert_eq!(frames[3]["stp"]["bridge_id"]["system_id_extension"], 1);
    // Frame 5: untagged PVST+ for the native VLAN 5.
    let p5 = &frames[4]["pvst"];
    assert_eq!(p5["originating_vlan"], 5);
    assert_eq!(p5["bpdu"]["bridge_id"], id(32768, 5, "00:1f:6d:96:ec:00"));
    assert!(frames[4].get("error").is_none());
}

#[test]
fn every_capture_decodes_and_reencodes() {
    for &(file, n, n_stp, n_pvst) in CAPTURES {
        let frames = decode(file);
        assert_eq!(frames.len(), n, "{file}");
        let mut kinds = (0, 0);
        for f in &frames {
            match f["protocol"].as_str() {
                Some("stp") => {
                    kinds.0 += 1;
                    assert_eq!(
                        f["stp"]["reencode"],
                        json!({ "identical": true }),
                        "{file} {f}"
                    );
                    // Open vSwitch sends Configuration BPDUs as 36 octets (one zero trailer octet
                    // inside the 802.3 length); every other BPDU is exactly its length.
                    let ovs_config =
                        f["eth"]["src"] == "02:00:00:00:5a:01" && f["stp"]["bpdu_kind"] == "config";
                    let trailer = u64::from(ovs_config);
                    assert_eq!(f["stp"]["trailer_len"], trailer, "{file} {f}");
                }
                Some("pvst+") => {
                    kinds.1 += 1;
                    assert_eq!(f["pvst"]["bpdu"]["reencode"]["identical"], true, "{f}");
                }
                _ => {}
            }
            assert!(f.get("error").is_none(), "{file}: {f}");
        }
        assert_eq!(kinds, (n_stp, n_pvst), "{file}");
    }
}

#[test]
fn text_view_of_bpdus() {
    let out = mlag(&[
        "decode",
        "--text",
        testdata("MSTP_Intra-Region_BPDUs.pcap").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let s = String::from_utf8(out.stdout).unwrap();
    let first = s.split("\n\n").next().unwrap();
    for needle in [
        "Frame 1: 155 bytes on wire, 155 captured, at 1335882518.018637000, stp",
        "    Spanning Tree Protocol (BPDU)\n        Protocol ID: 0\n        Protocol version: 3",
        "        Flags: 0x38 (learning, forwarding, role root)",
        "        Root ID: 0/0/00:1f:27:b4:7d:80",
        "        CIST regional root ID: 32768/0/00:16:46:b5:8c:80",
        "        Port ID: 128.18",
        "        Message age: 1.0",
        "        MST config ID\n            Format selector: 0\n            Name: Brewery",
        "        CIST bridge ID: 32768/0/00:1e:f7:05:a8:80",
        "        MSTI (2)\n            [0] MSTI 1\n                Flags: 0xfc (learning, forwarding, agreement, master, role designated)",
        "                Regional root ID: 24576/1/00:1e:f7:05:a8:80",
        "        Reencode: identical",
    ] {
        assert!(first.contains(needle), "missing {needle:?} in\n{first}");
    }
    let frames = decode("rpvstp-trunk-native-vid5.pcap");
    let t = text::render(&frames[2]);
    assert!(t.contains("    Cisco PVST+ (not an IEEE BPDU)"), "{t}");
    assert!(t.contains("        Originating VLAN: 1"), "{t}");
    assert!(
        t.contains("            [0] originating_vlan\n                Type: 0"),
        "{t}"
    );
}

/// A minimal untagged BPDU frame: header, 802.3 length = 3 + `bpdu.len()`, LLC, `bpdu`.
fn bpdu_frame(bpdu: &[u8]) -> Vec<u8> {
    let mut f = vec![0x01, 0x80, 0xc2, 0, 0, 0, 0x02, 0, 0, 0, 0, 0x01];
    f.extend_from_slice(&u16::try_from(3 + bpdu.len()).unwrap().to_be_bytes());
    f.extend_from_slice(&[0x42, 0x42, 0x03]);
    f.extend_from_slice(bpdu);
    f
}

#[test]
fn constructed_edge_cases() {
    let rst = {
        let mut b = vec![0u8; 36];
        b[2] = 2;
        b[3] = 2;
        b[4] = 0x3c;
        b
    };
    let mut v3_short = rst.clone();
    v3_short[2] = 3; // version 3 but 36 octets: not an MST BPDU, processed as RST
    let mut bad_proto = rst.clone();
    bad_proto[1] = 1;
    let mut long_len = bpdu_frame(&rst);
    long_len[13] = 60; // 802.3 length past the frame
    let mut trailer = rst.clone();
    trailer.extend_from_slice(&[0xde, 0xad]);
    let mut nonzero_v1 = rst.clone();
    nonzero_v1[35] = 7;
    let pvst_no_tlv = {
        let mut f = vec![0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcd, 0x02, 0, 0, 0, 0, 0x01];
        f.extend_from_slice(&(8u16 + 36).to_be_bytes());
        f.extend_from_slice(&[0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x01, 0x0b]);
        f.extend_from_slice(&rst);
        f
    };
    let frames: Vec<Vec<u8>> = vec![
        bpdu_frame(&v3_short),        // 1
        bpdu_frame(&bad_proto),       // 2
        long_len,                     // 3
        bpdu_frame(&trailer),         // 4
        bpdu_frame(&nonzero_v1),      // 5
        pvst_no_tlv,                  // 6
        bpdu_frame(&[0, 0, 0, 0x00]), // 7: Config BPDU cut at 4 octets
        bpdu_frame(&v3_short[..35]),  // 8: version 3, 35 octets: RST by 802.1Q §14.4
    ];
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mlag-cli-stp-edge.pcap");
    let mut sink = PcapSink::create(&path).unwrap();
    for (i, f) in frames.iter().enumerate() {
        sink.write(Instant::from_millis(10 * i as u64), f).unwrap();
    }
    sink.flush().unwrap();
    drop(sink);
    let v = decode_capture(&pcap::read(&path).unwrap());
    assert_eq!(v.len(), frames.len());

    assert_eq!(v[0]["stp"]["bpdu_kind"], "rst");
    assert_eq!(v[0]["stp"]["protocol_version"], 3);
    assert!(
        v[0]["stp"]["note"]
            .as_str()
            .unwrap()
            .contains("not a valid MST BPDU")
    );
    assert_eq!(v[0]["stp"]["flags"]["port_role"], "designated");
    // 36 octets of version 3: re-encoded octet for octet (no normalisation).
    assert_eq!(v[0]["stp"]["reencode"], json!({ "identical": true }));

    assert_eq!(v[1]["protocol"], "stp");
    assert_eq!(
        v[1]["error"],
        "protocol identifier 0x0001 is not the spanning tree protocol"
    );
    assert_eq!(v[2]["error"], "bad 802.3 length field 60");

    assert_eq!(v[3]["stp"]["bpdu_len"], 38);
    assert_eq!(v[3]["stp"]["trailer_len"], 2);
    assert_eq!(v[3]["stp"]["reencode"], json!({ "identical": true }));

    assert_eq!(v[4]["stp"]["version_1_length"], 7);
    assert_eq!(v[4]["stp"]["reencode"]["identical"], true);

    assert_eq!(v[5]["protocol"], "pvst+");
    assert_eq!(v[5]["error"], "PVST+ BPDU without an Originating VLAN TLV");
    assert_eq!(v[5]["pvst"]["tlvs"], json!([]));

    assert_eq!(v[6]["error"], "truncated: needed 35 octets, got 4");
    assert_eq!(v[6]["stp"]["bpdu_len"], 4);

    // 802.1Q §14.4: 35 octets of version 3 are an RST BPDU; re-encoding appends the Version 1
    // Length octet, reported as the standard's normalisation, not as a difference.
    assert_eq!(v[7]["stp"]["bpdu_kind"], "rst");
    assert_eq!(v[7]["stp"]["bpdu_len"], 35);
    assert_eq!(v[7]["stp"]["decoded_len"], 36);
    assert_eq!(v[7]["stp"]["version_1_length"], 0);
    let r = &v[7]["stp"]["reencode"];
    assert_eq!(r["identical"], false);
    assert_eq!(r["normalised"], true);
    assert_eq!(r["first_difference"], 35);
    assert_eq!(r["note"], mlag_cli::decode::RST_NORMALISATION_NOTE);

    // The binary and the text view cope with all of them.
    let out = mlag(&["decode", "--text", path.to_str().unwrap()]);
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("ERROR: bad 802.3 length field 60"), "{s}");
    assert!(s.contains("normalised (the standard's encoding)"), "{s}");
    assert_eq!(s.matches("Frame ").count(), frames.len());
}

/// tshark field names in the order asked for; values for multi-valued fields (the CIST flags
/// followed by each MSTI's) are joined with ','.
const TSHARK_FIELDS: &[&str] = &[
    "frame.number",
    "stp.protocol",
    "stp.version",
    "stp.type",
    "stp.flags",
    "stp.flags.tc",
    "stp.flags.proposal",
    "stp.flags.port_role",
    "stp.flags.learning",
    "stp.flags.forwarding",
    "stp.flags.agreement",
    "stp.flags.tcack",
    "stp.root.prio",
    "stp.root.ext",
    "stp.root.hw",
    "stp.root.cost",
    "stp.bridge.prio",
    "stp.bridge.ext",
    "stp.bridge.hw",
    "stp.port",
    "stp.msg_age",
    "stp.max_age",
    "stp.hello",
    "stp.forward",
    "stp.version_1_length",
    "mstp.version_3_length",
    "mstp.config_format_selector",
    "mstp.config_name",
    "mstp.config_revision_level",
    "mstp.config_digest",
    "mstp.cist_internal_root_path_cost",
    "mstp.cist_bridge.prio",
    "mstp.cist_bridge.ext",
    "mstp.cist_bridge.hw",
    "mstp.cist_remaining_hops",
    "mstp.msti.flags",
    "mstp.msti.msti_id",
    "mstp.msti.root.hw",
    "mstp.msti.root_cost",
    "mstp.msti.bridge_priority",
    "mstp.msti.port_priority",
    "mstp.msti.remaining_hops",
    "stp.pvst.origvlan",
];

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn b01(v: &Value) -> String {
    String::from(if v.as_bool().expect("bool") { "1" } else { "0" })
}

fn role_code(v: &Value) -> u64 {
    match v.as_str().expect("role") {
        "unknown" | "master" => 0,
        "alternate_or_backup" => 1,
        "root" => 2,
        "designated" => 3,
        other => panic!("role {other}"),
    }
}

/// The row tshark should print for one of our frame objects.
fn expected_row(f: &Value) -> Vec<String> {
    let mut row = vec![String::new(); TSHARK_FIELDS.len()];
    let mut set = |name: &str, value: String| {
        let i = TSHARK_FIELDS.iter().position(|&n| n == name).expect(name);
        row[i] = value;
    };
    set("frame.number", f["frame"].to_string());
    let (s, pvst) = match f["protocol"].as_str() {
        Some("stp") => (&f["stp"], false),
        Some("pvst+") => (&f["pvst"]["bpdu"], true),
        _ => return row,
    };
    if pvst {
        set(
            "stp.pvst.origvlan",
            f["pvst"]["originating_vlan"].to_string(),
        );
    }
    set("stp.protocol", format!("0x{:04x}", u(&s["protocol_id"])));
    set("stp.version", s["protocol_version"].to_string());
    set("stp.type", format!("0x{:02x}", u(&s["bpdu_type"])));
    let kind = s["bpdu_kind"].as_str().unwrap();
    if kind == "tcn" {
        return row;
    }
    let fl = &s["flags"];
    let msti: Vec<&Value> = s["msti"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    // CIST value, then one per MSTI record.
    let multi = |cist: String, per: &dyn Fn(&Value) -> String| -> String {
        core::iter::once(cist)
            .chain(msti.iter().map(|r| per(r)))
            .collect::<Vec<_>>()
            .join(",")
    };
    set("stp.flags", format!("0x{:02x}", u(&fl["raw"])));
    set(
        "stp.flags.tc",
        multi(b01(&fl["topology_change"]), &|r| {
            b01(&r["flags"]["topology_change"])
        }),
    );
    set(
        "stp.flags.tcack",
        multi(b01(&fl["topology_change_ack"]), &|r| {
            b01(&r["flags"]["master"])
        }),
    );
    if kind != "config" {
        set(
            "stp.flags.proposal",
            multi(b01(&fl["proposal"]), &|r| b01(&r["flags"]["proposal"])),
        );
        set(
            "stp.flags.port_role",
            multi(role_code(&fl["port_role"]).to_string(), &|r| {
                role_code(&r["flags"]["port_role"]).to_string()
            }),
        );
        set(
            "stp.flags.learning",
            multi(b01(&fl["learning"]), &|r| b01(&r["flags"]["learning"])),
        );
        set(
            "stp.flags.forwarding",
            multi(b01(&fl["forwarding"]), &|r| b01(&r["flags"]["forwarding"])),
        );
        set(
            "stp.flags.agreement",
            multi(b01(&fl["agreement"]), &|r| b01(&r["flags"]["agreement"])),
        );
        set("stp.version_1_length", s["version_1_length"].to_string());
    }
    let ident = |prefix: &str, v: &Value| -> Vec<(String, String)> {
        vec![
            (format!("{prefix}.prio"), v["priority"].to_string()),
            (
                format!("{prefix}.ext"),
                v["system_id_extension"].to_string(),
            ),
            (
                format!("{prefix}.hw"),
                v["address"].as_str().unwrap().to_string(),
            ),
        ]
    };
    for (k, v) in ident("stp.root", &s["root_id"]) {
        set(&k, v);
    }
    set("stp.root.cost", s["root_path_cost"].to_string());
    let bridge = if kind == "mst" {
        &s["cist_regional_root_id"]
    } else {
        &s["bridge_id"]
    };
    for (k, v) in ident("stp.bridge", bridge) {
        set(&k, v);
    }
    let port = u(&s["port_id"]["priority"]) << 8 | u(&s["port_id"]["number"]);
    set("stp.port", format!("0x{port:04x}"));
    for (name, key) in [
        ("stp.msg_age", "message_age"),
        ("stp.max_age", "max_age"),
        ("stp.hello", "hello_time"),
        ("stp.forward", "forward_delay"),
    ] {
        set(name, format!("{}", s[key].as_f64().unwrap()));
    }
    if kind == "mst" {
        let mc = &s["mst_config_id"];
        set("mstp.version_3_length", s["version_3_length"].to_string());
        set(
            "mstp.config_format_selector",
            mc["format_selector"].to_string(),
        );
        set("mstp.config_name", mc["name"].as_str().unwrap().to_string());
        set("mstp.config_revision_level", mc["revision"].to_string());
        set(
            "mstp.config_digest",
            mc["digest"].as_str().unwrap().to_string(),
        );
        set(
            "mstp.cist_internal_root_path_cost",
            s["cist_internal_root_path_cost"].to_string(),
        );
        for (k, v) in ident("mstp.cist_bridge", &s["cist_bridge_id"]) {
            set(&k, v);
        }
        set(
            "mstp.cist_remaining_hops",
            s["cist_remaining_hops"].to_string(),
        );
        let join = |per: &dyn Fn(&Value) -> String| -> String {
            msti.iter().map(|r| per(r)).collect::<Vec<_>>().join(",")
        };
        set(
            "mstp.msti.flags",
            join(&|r| format!("0x{:02x}", u(&r["flags"]["raw"]))),
        );
        set("mstp.msti.msti_id", join(&|r| r["mstid"].to_string()));
        set(
            "mstp.msti.root.hw",
            join(&|r| {
                r["regional_root_id"]["address"]
                    .as_str()
                    .unwrap()
                    .to_string()
            }),
        );
        set(
            "mstp.msti.root_cost",
            join(&|r| r["internal_root_path_cost"].to_string()),
        );
        // tshark shows the priority nibbles.
        set(
            "mstp.msti.bridge_priority",
            join(&|r| (u(&r["bridge_priority"]) >> 12).to_string()),
        );
        set(
            "mstp.msti.port_priority",
            join(&|r| (u(&r["port_priority"]) >> 4).to_string()),
        );
        set(
            "mstp.msti.remaining_hops",
            join(&|r| r["remaining_hops"].to_string()),
        );
    }
    row
}

/// tshark's rows for a capture (`None`, with the reason printed, when tshark is not installed or
/// does not run).
fn tshark_rows(path: &Path) -> Option<Vec<String>> {
    let tshark = Path::new("/usr/bin/tshark");
    if !tshark.exists() {
        println!("SKIPPED: /usr/bin/tshark not installed");
        return None;
    }
    let mut cmd = Command::new(tshark);
    cmd.arg("-r").arg(path);
    cmd.args(["-T", "fields", "-E", "separator=;", "-E", "aggregator=,"]);
    for f in TSHARK_FIELDS {
        cmd.args(["-e", f]);
    }
    match cmd.output() {
        Ok(o) if o.status.success() => Some(
            String::from_utf8(o.stdout)
                .unwrap()
                .lines()
                .map(String::from)
                .collect(),
        ),
        other => {
            println!("SKIPPED: tshark did not run: {other:?}");
            None
        }
    }
}

fn compare_with_tshark(name: &str, rows: &[String], ours: &[Value]) {
    assert_eq!(rows.len(), ours.len(), "{name}");
    for (row, f) in rows.iter().zip(ours) {
        assert_eq!(
            row.split(';').collect::<Vec<_>>(),
            expected_row(f),
            "{name} frame {}",
            f["frame"]
        );
    }
}

/// Every BPDU field of every frame of every capture against tshark, when tshark is installed.
#[test]
fn matches_tshark() {
    let mut compared = 0;
    for &(file, n, _, _) in CAPTURES {
        let Some(rows) = tshark_rows(&testdata(file)) else {
            return;
        };
        assert_eq!(rows.len(), n, "{file}");
        compare_with_tshark(file, &rows, &decode(file));
        compared += n;
    }
    assert_eq!(compared, CAPTURES.iter().map(|c| c.1).sum::<usize>());
}

/// An MST BPDU with 64 MSTI records built with the `stp` codec: `mlag decode` shows all 64 and
/// tshark agrees on every field of every record.
#[test]
fn mst_with_64_mstis_matches_tshark() {
    use l2_types::MacAddr;
    use stp::wire::{
        Bpdu, BpduFlags, BpduFrame, BpduTime, BridgeId, ConfigBpdu, MstBpdu, MstConfigId,
        MstiConfigMessage, MstiMessages, PortId, PortRole, VidToMstid,
    };
    let address = MacAddr([2, 0, 0, 0, 0x64, 0]);
    let records: Vec<MstiConfigMessage> = (1..=64u16)
        .map(|mstid| MstiConfigMessage {
            flags: BpduFlags::from_bits_retain(u8::try_from(mstid * 3 % 256).unwrap())
                .with_role(PortRole::Designated),
            regional_root_id: BridgeId::new((mstid % 16) << 12, mstid, address),
            internal_root_path_cost: u32::from(mstid) * 2000,
            bridge_priority: u8::try_from(mstid % 16).unwrap() << 4,
            port_priority: u8::try_from((mstid + 5) % 16).unwrap() << 4,
            remaining_hops: u8::try_from(40 - mstid % 40).unwrap(),
        })
        .collect();
    let mut octets = vec![0u8; 64 * 16];
    MstiMessages::encode(&records, &mut octets).unwrap();
    let mut table = VidToMstid::all_cist();
    for vid in 1..=4094 {
        table.set(vid, vid % 64 + 1);
    }
    let bpdu = Bpdu::Mst(MstBpdu {
        version: 3,
        cist: ConfigBpdu {
            flags: BpduFlags::AGREEMENT.with_role(PortRole::Root),
            root_id: BridgeId::new(4096, 0, MacAddr([2, 0, 0, 0, 0, 1])),
            root_path_cost: 20_000,
            bridge_id: BridgeId::new(8192, 0, address),
            port_id: PortId::new(96, 3),
            message_age: BpduTime(0x0180),
            max_age: BpduTime::from_secs(20),
            hello_time: BpduTime::from_secs(2),
            forward_delay: BpduTime::from_secs(15),
        },
        version_1_length: 0,
        mcid: MstConfigId::new("sixty-four", 9, &table),
        cist_internal_root_path_cost: 40_000,
        cist_bridge_id: BridgeId::new(12288, 0, address),
        cist_remaining_hops: 19,
        mstis: MstiMessages::new(&octets).unwrap(),
    });
    let mut frame = vec![0u8; 1200];
    let n = BpduFrame::emit(address, &bpdu, &mut frame).unwrap();
    frame.truncate(n);
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mlag-cli-mst64.pcap");
    let mut sink = PcapSink::create(&path).unwrap();
    sink.write(Instant::from_secs(1), &frame).unwrap();
    sink.flush().unwrap();
    drop(sink);
    let ours = decode_capture(&pcap::read(&path).unwrap());
    let s = &ours[0]["stp"];
    assert_eq!(s["bpdu_kind"], "mst");
    assert_eq!(s["version_3_length"], 1088);
    assert_eq!(s["message_age"], 1.5);
    assert_eq!(s["mst_config_id"]["name"], "sixty-four");
    assert_eq!(s["mst_config_id"]["revision"], 9);
    let msti = s["msti"].as_array().unwrap();
    assert_eq!(msti.len(), 64);
    assert_eq!(msti[63]["mstid"], 64);
    assert_eq!(msti[63]["regional_root_id"], id(0, 64, "02:00:00:00:64:00"));
    assert_eq!(s["reencode"], json!({ "identical": true }));
    if let Some(rows) = tshark_rows(&path) {
        compare_with_tshark("mst64", &rows, &ours);
    }
}
