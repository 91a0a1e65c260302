//! Golden frames both ways, from real captures (`testdata/`):
//!
//! * the tcpdump test-suite captures (802.1D, 802.1w, MSTP, Cisco Rapid-PVST+): every frame goes
//!   through [`BpduFrame::parse`] and [`Bpdu::parse`], the first frames are checked field by field
//!   (protocol facts §7), every IEEE BPDU re-encodes to the captured octets ([`Bpdu::emit`], and
//!   [`BpduFrame::emit`] for untagged frames), and PVST+ frames are only ever [`FrameKind::Pvst`];
//! * BPDUs captured in this project's lab (`interop/scripts/capture-bpdus.sh`) from the Linux
//!   kernel bridge (802.1D) and Open vSwitch (802.1D and RSTP): every field of every frame against
//!   the values `tshark -T fields` printed for them (read off once, written here), and re-encoding;
//! * an MST BPDU with 64 MSTI configuration messages built by hand, both ways.

use l2_types::MacAddr;
use std::path::Path;
use stp::wire::bpdu::{MST_BASE_LEN, MSTI_LEN};
use stp::wire::frame::SSTP_ADDRESS;
use stp::wire::{
    Bpdu, BpduFlags, BpduFrame, BpduTime, BridgeId, ConfigBpdu, Error, FrameKind, MstBpdu,
    MstConfigId, MstiConfigMessage, MstiMessages, PortId, PortRole, RstBpdu, VidToMstid,
};

fn capture(name: &str) -> Vec<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(name);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("testdata/{name}: {e}"));
    let mut reader = pcap_file::pcap::PcapReader::new(file).expect("pcap header");
    assert_eq!(reader.header().datalink, pcap_file::DataLink::ETHERNET);
    let mut out = Vec::new();
    while let Some(p) = reader.next_packet() {
        let p = p.expect("pcap record");
        assert_eq!(p.data.len(), p.orig_len as usize, "{name}: a frame was cut");
        out.push(p.data.into_owned());
    }
    out
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn mac(s: &str) -> MacAddr {
    let o = hex(&s.replace(':', ""));
    MacAddr(o.try_into().expect("6 octets"))
}

/// Parses an IEEE BPDU frame and checks it re-encodes to the captured octets: the BPDU itself
/// always, the whole frame when it is untagged (802.3 header, LLC, BPDU, then zero padding: a
/// captured frame may be padded to 60 octets or, on veths, not at all). Octets inside the 802.3
/// length beyond the BPDU (Open vSwitch sends Configuration BPDUs as 36 octets, protocol facts
/// §8.2.1) must be zero; the frame then re-encodes identically except for the 802.3 length.
fn ieee(frame: &[u8]) -> (BpduFrame<'_>, Bpdu<'_>) {
    let f = BpduFrame::parse(frame).expect("frame envelope");
    assert_eq!(f.dst, MacAddr::BRIDGE_GROUP);
    let FrameKind::Bpdu(octets) = f.kind else {
        panic!("not an IEEE BPDU frame: {f:?}")
    };
    let bpdu = Bpdu::parse(octets).expect("BPDU");
    // The 802.3 length bounds the BPDU: 3 (LLC) + the BPDU (+ a zero trailer).
    assert_eq!(usize::from(f.length_or_type), 3 + octets.len());
    let mut out = vec![0u8; 2048];
    let n = bpdu.emit(&mut out).expect("emit");
    assert_eq!(n, bpdu.buffer_len());
    assert_eq!(&out[..n], &octets[..n], "BPDU re-encoding differs");
    let trailer = &octets[n..];
    assert!(
        trailer.iter().all(|&b| b == 0),
        "non-zero trailer {trailer:02x?}"
    );
    if f.vlan_tci.is_none() {
        let mut fb = vec![0xeeu8; 2048];
        let len = BpduFrame::emit(f.src, &bpdu, &mut fb).expect("frame emit");
        assert_eq!(len, (17 + n).max(60));
        assert_eq!(&fb[..12], &frame[..12]);
        assert_eq!(&fb[12..14], &(3 + n as u16).to_be_bytes());
        if trailer.is_empty() {
            let common = len.min(frame.len());
            assert_eq!(&fb[..common], &frame[..common], "frame re-encoding differs");
            // Whichever is longer carries only zero padding beyond the other.
            assert!(fb[common..len].iter().all(|&b| b == 0));
            assert!(frame[common..].iter().all(|&b| b == 0), "non-zero padding");
        } else {
            assert_eq!(
                &fb[14..17 + n],
                &frame[14..17 + n],
                "frame re-encoding differs"
            );
        }
    }
    (f, bpdu)
}

fn config(b: &Bpdu<'_>) -> ConfigBpdu {
    match b {
        Bpdu::Config { version: 0, bpdu } => *bpdu,
        other => panic!("not a version-0 Configuration BPDU: {other:?}"),
    }
}

fn rst(b: &Bpdu<'_>) -> RstBpdu {
    match b {
        Bpdu::Rst(r) => *r,
        other => panic!("not an RST BPDU: {other:?}"),
    }
}

fn mst<'a>(b: &Bpdu<'a>) -> MstBpdu<'a> {
    match b {
        Bpdu::Mst(m) => *m,
        other => panic!("not an MST BPDU: {other:?}"),
    }
}

#[test]
fn stp_8021d_capture() {
    let frames = capture("802.1D_spanning_tree.pcap");
    assert_eq!(frames.len(), 14);
    // Frame 1, field by field (protocol facts §7).
    assert_eq!(
        frames[0],
        hex(concat!(
            "0180c2000000 001906eab885 0026 424203",
            "0000 00 00 00 8001001906eab880 00000000 8001001906eab880 8005 0000 1400 0200 0f00",
            "0000000000000000"
        ))
    );
    let (f, b) = ieee(&frames[0]);
    assert_eq!(f.src, mac("00:19:06:ea:b8:85"));
    assert_eq!(f.vlan_tci, None);
    assert_eq!(f.length_or_type, 0x26);
    let c = config(&b);
    assert_eq!(c.flags, BpduFlags::empty());
    assert_eq!(c.root_id.priority(), 32768);
    assert_eq!(c.root_id.system_id_extension(), 1);
    assert_eq!(c.root_id.priority_field(), 0x8001);
    assert_eq!(c.root_id.address(), mac("00:19:06:ea:b8:80"));
    assert_eq!(c.root_path_cost, 0);
    assert_eq!(c.bridge_id, c.root_id);
    assert_eq!(c.port_id, PortId(0x8005));
    assert_eq!((c.port_id.priority(), c.port_id.number()), (128, 5));
    assert_eq!(c.message_age, BpduTime(0));
    assert_eq!(c.max_age, BpduTime::from_secs(20));
    assert_eq!(c.hello_time, BpduTime::from_secs(2));
    assert_eq!(c.forward_delay, BpduTime::from_secs(15));
    for frame in &frames {
        let (_, b) = ieee(frame);
        let c = config(&b);
        assert_eq!(
            c.root_id,
            BridgeId::from_octets(hex("8001001906eab880").try_into().unwrap())
        );
    }
}

#[test]
fn rstp_8021w_capture() {
    let frames = capture("802.1w_rapid_STP.pcap");
    assert_eq!(frames.len(), 30);
    assert_eq!(
        &frames[0][..53],
        &hex(concat!(
            "0180c2000000 001906eab88c 0027 424203",
            "0000 02 02 0e 8001001906eab880 00000000 8001001906eab880 800c 0000 1400 0200 0f00 00"
        ))[..]
    );
    let (f, b) = ieee(&frames[0]);
    assert_eq!(f.length_or_type, 0x27);
    let r = rst(&b);
    assert_eq!(r.version, 2);
    assert_eq!(r.version_1_length, 0);
    assert_eq!(r.bpdu.flags.bits(), 0x0e);
    assert!(r.bpdu.flags.contains(BpduFlags::PROPOSAL));
    assert_eq!(r.bpdu.flags.role(), PortRole::Designated);
    assert!(!r.bpdu.flags.intersects(
        BpduFlags::TOPOLOGY_CHANGE
            | BpduFlags::LEARNING
            | BpduFlags::FORWARDING
            | BpduFlags::AGREEMENT
            | BpduFlags::TOPOLOGY_CHANGE_ACK
    ));
    assert_eq!(r.bpdu.root_id.priority_field(), 0x8001);
    assert_eq!(r.bpdu.root_id.address(), mac("00:19:06:ea:b8:80"));
    assert_eq!(r.bpdu.root_path_cost, 0);
    assert_eq!(r.bpdu.port_id, PortId(0x800c));
    assert_eq!(r.bpdu.max_age.whole_secs(), 20);
    // The capture's four flag values (tshark): 0x0e, 0x1e, 0x3c, 0x3d.
    let mut seen: Vec<u8> = frames
        .iter()
        .map(|f| rst(&ieee(f).1).bpdu.flags.bits())
        .collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen, [0x0e, 0x1e, 0x3c, 0x3d]);
}

#[test]
fn mstp_intra_region_capture() {
    let frames = capture("MSTP_Intra-Region_BPDUs.pcap");
    assert_eq!(frames.len(), 10);
    let mut tagged = 0;
    for frame in &frames {
        let (f, b) = ieee(frame);
        let m = mst(&b);
        assert_eq!(m.mcid.name_bytes(), b"Brewery");
        assert_eq!(m.mcid.digest, hex("9357ebb7a8d74dd5fef4f2bab50531aa")[..]);
        assert_eq!(m.mstis.len(), 2);
        tagged += usize::from(f.vlan_tci.is_some());
    }
    assert_eq!(tagged, 5);

    // Frame 1 (priority-tagged), field by field.
    let (f, b) = ieee(&frames[0]);
    assert_eq!(frames[0].len(), 155);
    assert_eq!(f.src, mac("00:1e:f7:05:a8:92"));
    assert_eq!(f.vlan_tci, Some(0xe000));
    assert_eq!(f.length_or_type, 0x89);
    let m = mst(&b);
    assert_eq!(m.version, 3);
    assert_eq!(m.cist.flags.bits(), 0x38);
    assert_eq!(m.cist.flags.role(), PortRole::Root);
    assert!(
        m.cist
            .flags
            .contains(BpduFlags::LEARNING | BpduFlags::FORWARDING)
    );
    assert_eq!(m.cist.root_id.priority(), 0);
    assert_eq!(m.cist.root_id.address(), mac("00:1f:27:b4:7d:80"));
    assert_eq!(m.cist.root_path_cost, 200_000);
    let rr = m.cist_regional_root_id();
    assert_eq!((rr.priority(), rr.system_id_extension()), (32768, 0));
    assert_eq!(rr.address(), mac("00:16:46:b5:8c:80"));
    assert_eq!(m.cist.port_id, PortId(0x8012));
    assert_eq!(m.cist.message_age, BpduTime::from_secs(1));
    assert_eq!(m.cist.max_age, BpduTime::from_secs(20));
    assert_eq!(m.cist.hello_time, BpduTime::from_secs(2));
    assert_eq!(m.cist.forward_delay, BpduTime::from_secs(15));
    assert_eq!(m.version_1_length, 0);
    assert_eq!(m.version_3_length(), 96);
    assert_eq!(m.mcid.format_selector, 0);
    assert_eq!(m.mcid.revision, 0);
    assert_eq!(m.cist_internal_root_path_cost, 200_000);
    assert_eq!(
        m.cist_bridge_id,
        BridgeId::new(32768, 0, mac("00:1e:f7:05:a8:80"))
    );
    assert_eq!(m.cist_remaining_hops, 20);
    let mstis: Vec<MstiConfigMessage> = m.mstis.iter().collect();
    assert_eq!(
        mstis[0],
        MstiConfigMessage {
            flags: BpduFlags::from_bits_retain(0xfc),
            regional_root_id: BridgeId::new(0x6000, 1, mac("00:1e:f7:05:a8:80")),
            internal_root_path_cost: 0,
            bridge_priority: 0x60,
            port_priority: 0x80,
            remaining_hops: 20,
        }
    );
    assert_eq!(mstis[0].mstid(), 1);
    assert!(mstis[0].flags.contains(BpduFlags::MASTER));
    assert_eq!(mstis[0].flags.role(), PortRole::Designated);
    assert_eq!(mstis[0].bridge_priority_value(), 24576);
    assert_eq!(mstis[0].port_priority_value(), 128);
    assert_eq!(mstis[1].mstid(), 2);
    assert_eq!(mstis[1].flags.bits(), 0xf8);
    assert_eq!(mstis[1].flags.role(), PortRole::Root);
    assert_eq!(mstis[1].regional_root_id.priority(), 0x8000);
    assert_eq!(
        mstis[1].regional_root_id.address(),
        mac("00:16:46:b5:8c:80")
    );
    assert_eq!(mstis[1].internal_root_path_cost, 200_000);
    assert_eq!(mstis[1].bridge_priority_value(), 32768);
    assert_eq!(mstis[1].remaining_hops, 20);

    // An RSTP-only reader sees the CIST Regional Root in the Bridge Identifier slot (§8.2.3);
    // the same octets read as a version-2 BPDU give exactly that.
    let FrameKind::Bpdu(octets) = f.kind else {
        unreachable!()
    };
    let mut as_rst = octets[..36].to_vec();
    as_rst[2] = 2;
    assert_eq!(rst(&Bpdu::parse(&as_rst).unwrap()).bpdu.bridge_id, rr);
}

#[test]
fn rapid_pvst_capture_is_never_ieee() {
    let frames = capture("rpvstp-trunk-native-vid5.pcap");
    assert_eq!(frames.len(), 22);
    let (mut pvst, mut ieee_n, mut other) = (0, 0, 0);
    for (i, frame) in frames.iter().enumerate() {
        let f = BpduFrame::parse(frame).unwrap_or_else(|e| panic!("frame {}: {e}", i + 1));
        match f.kind {
            FrameKind::Pvst(body) => {
                pvst += 1;
                assert_eq!(f.dst, SSTP_ADDRESS, "frame {}", i + 1);
                // A Cisco RST BPDU then the Originating VLAN TLV (type 0, length 2).
                assert_eq!(body.len(), 36 + 6, "frame {}", i + 1);
                assert_eq!(&body[36..40], &[0, 0, 0, 2]);
            }
            FrameKind::Bpdu(_) => {
                ieee_n += 1;
                let (_, b) = ieee(frame);
                // Cisco's IEEE BPDU describes VLAN 1's tree (§4): extension 1.
                assert_eq!(rst(&b).bpdu.bridge_id.system_id_extension(), 1);
            }
            FrameKind::Other => {
                other += 1;
                assert_ne!(f.dst, SSTP_ADDRESS);
                assert_ne!(f.dst, MacAddr::BRIDGE_GROUP);
            }
        }
    }
    assert_eq!((pvst, ieee_n, other), (12, 6, 4));

    // Frame 3: tagged VLAN 1 (PCP 7), PVST+ for VLAN 1.
    let f3 = BpduFrame::parse(&frames[2]).unwrap();
    assert_eq!(f3.vlan_tci, Some(0xe001));
    assert_eq!(f3.length_or_type, 50);
    assert_eq!(
        f3.kind,
        FrameKind::Pvst(&hex(concat!(
            "0000 02 02 0e 8001001f6d96ec00 00000000 8001001f6d96ec00 8004 0000 1400 0200 0f00 00",
            "0000 0002 0001"
        )))
    );
    // Frame 4: the untagged IEEE RST BPDU for VLAN 1.
    let (f4, b4) = ieee(&frames[3]);
    assert_eq!(f4.src, mac("00:1f:6d:96:ec:04"));
    assert_eq!(rst(&b4).bpdu.root_id.priority_field(), 0x8001);
    // Frame 5: untagged PVST+ on the native VLAN 5; bridge priority 0x8005.
    let f5 = BpduFrame::parse(&frames[4]).unwrap();
    assert_eq!(f5.vlan_tci, None);
    let FrameKind::Pvst(body) = f5.kind else {
        panic!("{f5:?}")
    };
    assert_eq!(&body[5..7], &[0x80, 0x05]);
    assert_eq!(&body[36..], &[0, 0, 0, 2, 0, 5]);
}

/// One row of `tshark -T fields -e eth.src -e stp.type -e stp.flags -e stp.root.prio
/// -e stp.root.hw -e stp.root.cost -e stp.bridge.prio -e stp.bridge.hw -e stp.port -e stp.msg_age`
/// (a TCN row has only the source and the type).
type Row = (
    &'static str,
    u8,
    u8,
    u16,
    &'static str,
    u32,
    u16,
    &'static str,
    u16,
    u8,
);

/// Checks every frame of a lab capture against its tshark rows; `times` = (max age, hello, forward
/// delay) in seconds, `version` the Protocol Version of the non-TCN BPDUs.
fn check_lab_capture(name: &str, rows: &[Row], times: (u8, u8, u8), version: u8) {
    let lens: Vec<usize> = rows
        .iter()
        .map(|r| match r.1 {
            // Veths do not pad: 52 octets for a Configuration BPDU, 53 RST, 21 TCN (lab README §3).
            0x80 => 21,
            0x00 => 52,
            _ => 53,
        })
        .collect();
    check_lab_capture_lens(name, rows, &lens, |_| times, |_| version);
}

/// As [`check_lab_capture`], with the frame lengths, times and versions given per frame.
fn check_lab_capture_lens(
    name: &str,
    rows: &[Row],
    lens: &[usize],
    times_of: impl Fn(usize) -> (u8, u8, u8),
    version_of: impl Fn(usize) -> u8,
) {
    let frames = capture(name);
    assert_eq!(frames.len(), rows.len(), "{name}");
    for (i, (frame, row)) in frames.iter().zip(rows).enumerate() {
        let at = format!("{name} frame {}", i + 1);
        let (times, version) = (times_of(i), version_of(i));
        let &(src, ty, flags, rprio, rhw, cost, bprio, bhw, port, age) = row;
        let (f, b) = ieee(frame);
        assert_eq!(f.src, mac(src), "{at}");
        assert_eq!(f.vlan_tci, None, "{at}");
        assert_eq!(frame.len(), lens[i], "{at}");
        let c = match (ty, b) {
            (0x80, Bpdu::Tcn { version: 0 }) => continue,
            (0x00, Bpdu::Config { version: v, bpdu }) if v == version => bpdu,
            (0x02, Bpdu::Rst(r)) => {
                assert_eq!((r.version, r.version_1_length), (version, 0), "{at}");
                r.bpdu
            }
            (ty, b) => panic!("{at}: expected type {ty:#04x}, got {b:?}"),
        };
        assert_eq!(c.flags.bits(), flags, "{at}");
        assert_eq!(c.root_id.priority_field(), rprio, "{at}");
        assert_eq!(c.root_id.address(), mac(rhw), "{at}");
        assert_eq!(c.root_path_cost, cost, "{at}");
        assert_eq!(c.bridge_id.priority_field(), bprio, "{at}");
        assert_eq!(c.bridge_id.address(), mac(bhw), "{at}");
        assert_eq!(c.port_id.0, port, "{at}");
        assert_eq!(c.message_age, BpduTime::from_secs(age), "{at}");
        assert_eq!(c.max_age, BpduTime::from_secs(times.0), "{at}");
        assert_eq!(c.hello_time, BpduTime::from_secs(times.1), "{at}");
        assert_eq!(c.forward_delay, BpduTime::from_secs(times.2), "{at}");
    }
}

const KB1: &str = "02:00:00:00:1b:01";
const KB2: &str = "02:00:00:00:2b:01";
const KROOT: &str = "02:00:00:00:00:b1";

fn kb(flags: u8) -> Row {
    (KB1, 0, flags, 4096, KROOT, 0, 4096, KROOT, 0x8002, 0)
}

fn kb_tcn() -> Row {
    (KB2, 0x80, 0, 0, "", 0, 0, "", 0, 0)
}

/// Linux kernel bridge (802.1D): root kb1 on its second port; kb2's TCNs after its root link
/// failed, each acknowledged with TC + TCA (0x81), then TC set for the topology change time.
#[test]
fn kernel_bridge_stp_capture() {
    let mut rows = vec![kb(0x00); 7];
    rows.extend([kb(0x01), kb(0x01), kb_tcn(), kb(0x81)]);
    rows.extend(vec![kb(0x01); 7]);
    rows.extend([kb_tcn(), kb(0x81), kb(0x01)]);
    check_lab_capture("kbridge-stp.pcap", &rows, (6, 1, 4), 0);
}

const O1: &str = "02:00:00:00:3a:01";
const O2: &str = "02:00:00:00:4a:01";
const OSTP_ROOT: &str = "02:00:00:00:00:c1";

fn os(flags: u8) -> Row {
    (O1, 0, flags, 4096, OSTP_ROOT, 0, 4096, OSTP_ROOT, 0x8001, 0)
}

/// Open vSwitch 802.1D: root o1; o2's forced topology change arrives as a TCN, acknowledged with
/// TC + TCA.
#[test]
fn ovs_stp_capture() {
    let mut rows = vec![os(0x00); 7];
    rows.extend([os(0x01), os(0x01)]);
    rows.push((O2, 0x80, 0, 0, "", 0, 0, "", 0, 0));
    rows.push(os(0x81));
    rows.extend(vec![os(0x01); 3]);
    check_lab_capture("ovs-stp.pcap", &rows, (6, 1, 4), 0);
}

/// Open vSwitch RSTP: both bridges propose (0x0e), o2 learns o1 is root and answers as a Root
/// port with Agreement (0x79 = TC + Root + Learning + Forwarding + Agreement), o1 turns
/// Designated Learning/Forwarding (0x3d, TC while o2's forced topology change propagates, 0x3c).
#[test]
fn ovs_rstp_capture() {
    const R1: &str = "02:00:00:00:00:d1";
    const R2: &str = "02:00:00:00:00:d2";
    let rows: [Row; 9] = [
        (O1, 2, 0x0e, 4096, R1, 0, 4096, R1, 0x8001, 0),
        (O2, 2, 0x0e, 32768, R2, 0, 32768, R2, 0x8001, 0),
        (O1, 2, 0x0e, 4096, R1, 0, 4096, R1, 0x8001, 0),
        (O2, 2, 0x39, 4096, R1, 2000, 32768, R2, 0x8001, 1),
        (O2, 2, 0x79, 4096, R1, 2000, 32768, R2, 0x8001, 1),
        (O1, 2, 0x3d, 4096, R1, 0, 4096, R1, 0x8001, 0),
        (O2, 2, 0x79, 4096, R1, 2000, 32768, R2, 0x8001, 1),
        (O1, 2, 0x3d, 4096, R1, 0, 4096, R1, 0x8001, 0),
        (O1, 2, 0x3c, 4096, R1, 0, 4096, R1, 0x8001, 0),
    ];
    check_lab_capture("ovs-rstp.pcap", &rows, (6, 2, 4), 2);
    let frames = capture("ovs-rstp.pcap");
    let r = rst(&ieee(&frames[4]).1);
    assert_eq!(r.bpdu.flags.role(), PortRole::Root);
    assert!(r.bpdu.flags.contains(
        BpduFlags::AGREEMENT
            | BpduFlags::FORWARDING
            | BpduFlags::LEARNING
            | BpduFlags::TOPOLOGY_CHANGE
    ));
}

/// Port Protocol Migration, captured on the kernel side: the OVS RSTP root (02:00:00:00:5a:01)
/// proposes with RST BPDUs, the kernel 802.1D bridge (02:00:00:00:6a:01) ignores them and sends
/// its own config BPDUs (claiming root), and OVS falls back to version-0 Configuration BPDUs —
/// sent as 36 octets (802.3 length 39, one zero octet after the 35-octet BPDU).
#[test]
fn ovs_rstp_falls_back_to_kernel_stp() {
    const OM: &str = "02:00:00:00:5a:01";
    const KM: &str = "02:00:00:00:6a:01";
    const RO: &str = "02:00:00:00:00:e1";
    const RK: &str = "02:00:00:00:00:e2";
    let o_rst: Row = (OM, 2, 0x0e, 4096, RO, 0, 4096, RO, 0x8001, 0);
    let k_cfg: Row = (KM, 0, 0x00, 32768, RK, 0, 32768, RK, 0x8001, 0);
    let o_cfg = |flags| -> Row { (OM, 0, flags, 4096, RO, 0, 4096, RO, 0x8001, 0) };
    let rows = [
        o_rst,
        o_rst,
        k_cfg,
        o_rst,
        k_cfg,
        o_cfg(0),
        o_cfg(0),
        o_cfg(1),
    ];
    let lens = [53, 53, 52, 53, 52, 53, 53, 53];
    check_lab_capture_lens(
        "ovs-rstp-kernel-stp.pcap",
        &rows,
        &lens,
        // OVS: max age 6, hello 2, forward delay 4; the kernel: 20, 2, 4.
        |i| {
            if rows[i].0 == KM {
                (20, 2, 4)
            } else {
                (6, 2, 4)
            }
        },
        |i| if rows[i].1 == 2 { 2 } else { 0 },
    );
    // The 36-octet Configuration BPDUs from OVS: a zero octet after the 35 the standard defines.
    for frame in &capture("ovs-rstp-kernel-stp.pcap")[5..] {
        let f = BpduFrame::parse(frame).unwrap();
        assert_eq!(f.length_or_type, 39);
        let FrameKind::Bpdu(octets) = f.kind else {
            panic!("{f:?}")
        };
        assert_eq!((octets.len(), octets[35]), (36, 0));
    }
}

/// An MST BPDU with the most MSTI configuration messages a BPDU can carry (64), every field of
/// every record different, built by hand: emit → parse → equal, frame too, and the 1126-octet
/// encoding has each record where 802.1Q §14.6 puts it.
#[test]
fn mst_with_64_mstis_both_ways() {
    let mut table = VidToMstid::all_cist();
    for vid in 1..=4094 {
        assert!(table.set(vid, vid % 64 + 1));
    }
    let mcid = MstConfigId::new("sixty-four trees", 0x0102, &table);
    let address = mac("02:00:00:00:64:00");
    let records: Vec<MstiConfigMessage> = (1..=64u16)
        .map(|mstid| {
            let i = u8::try_from(mstid).unwrap();
            let role = [
                PortRole::MasterOrUnknown,
                PortRole::AlternateOrBackup,
                PortRole::Root,
                PortRole::Designated,
            ][usize::from(i % 4)];
            MstiConfigMessage {
                flags: BpduFlags::from_bits_retain(i.wrapping_mul(37)).with_role(role),
                regional_root_id: BridgeId::new(u16::from(i % 16) << 12, mstid, address),
                internal_root_path_cost: u32::from(mstid) * 20_000,
                bridge_priority: (i % 16) << 4,
                port_priority: ((i + 3) % 16) << 4,
                remaining_hops: 40 - i % 40,
            }
        })
        .collect();
    let mut record_octets = vec![0u8; 64 * MSTI_LEN];
    assert_eq!(
        MstiMessages::encode(&records, &mut record_octets),
        Ok(64 * MSTI_LEN)
    );
    let cist = ConfigBpdu {
        flags: BpduFlags::LEARNING | BpduFlags::FORWARDING.with_role(PortRole::Designated),
        root_id: BridgeId::new(4096, 0, mac("02:00:00:00:00:01")),
        root_path_cost: 20_000,
        bridge_id: BridgeId::new(8192, 0, address),
        port_id: PortId::new(128, 7),
        message_age: BpduTime::from_secs(1),
        max_age: BpduTime::from_secs(20),
        hello_time: BpduTime::from_secs(2),
        forward_delay: BpduTime::from_secs(15),
    };
    let m = MstBpdu {
        version: 3,
        cist,
        version_1_length: 0,
        mcid,
        cist_internal_root_path_cost: 0,
        cist_bridge_id: BridgeId::new(8192, 0, address),
        cist_remaining_hops: 20,
        mstis: MstiMessages::new(&record_octets).unwrap(),
    };
    assert_eq!(m.version_3_length(), 64 + 64 * 16);
    let bpdu = Bpdu::Mst(m);
    assert_eq!(bpdu.buffer_len(), 1126);
    let mut out = vec![0u8; 1126];
    assert_eq!(bpdu.emit(&mut out), Ok(1126));
    assert_eq!(&out[36..38], &[0x04, 0x40]); // Version 3 Length 1088
    assert_eq!(&out[38..89], &mcid.to_octets());
    for (i, r) in records.iter().enumerate() {
        let at = MST_BASE_LEN + i * MSTI_LEN;
        assert_eq!(&out[at..at + MSTI_LEN], &r.to_octets(), "record {i}");
    }
    let back = Bpdu::parse(&out).unwrap();
    assert_eq!(back, bpdu);
    let parsed = mst(&back);
    assert_eq!(parsed.mstis.iter().collect::<Vec<_>>(), records);
    assert_eq!(
        parsed.mstis.iter().map(|r| r.mstid()).collect::<Vec<_>>(),
        (1..=64).collect::<Vec<u16>>()
    );
    // A short buffer is an error, not a panic.
    assert_eq!(
        bpdu.emit(&mut out[..1125]),
        Err(Error::Truncated {
            needed: 1126,
            got: 1125
        })
    );
    // In a frame: 802.3 length 3 + 1126.
    let mut frame = vec![0u8; 1200];
    let n = BpduFrame::emit(address, &bpdu, &mut frame).unwrap();
    assert_eq!(n, 17 + 1126);
    assert_eq!(&frame[12..14], &(3u16 + 1126).to_be_bytes());
    let f = BpduFrame::parse(&frame[..n]).unwrap();
    assert_eq!(f.kind, FrameKind::Bpdu(&out));
    // A 65th record does not fit.
    let mut too_many = records.clone();
    too_many.push(records[0]);
    let mut big = vec![0u8; 65 * MSTI_LEN];
    assert_eq!(
        MstiMessages::encode(&too_many, &mut big),
        Err(Error::TooManyMstis(65))
    );
    assert_eq!(MstiMessages::new(&big), Err(Error::TooManyMstis(65)));
    // The same octets with a Version 3 Length claiming 65 records are processed as RST.
    let mut claims_65 = out.clone();
    claims_65.extend_from_slice(&records[0].to_octets());
    claims_65[36..38].copy_from_slice(&(64u16 + 65 * 16).to_be_bytes());
    assert!(matches!(Bpdu::parse(&claims_65), Ok(Bpdu::Rst(r)) if r.version == 3));
}
