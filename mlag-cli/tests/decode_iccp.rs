//! `mlag decode` on ICCP: frames of the L2 framing exchanged by two `iccp::Session`s, and an
//! RFC 7275 RG Connect inside an LDP PDU carried by TCP port 646.

use iccp::{LinkState, Session, SessionConfig};
use l2_types::{Instant, MacAddr};
use mlag_cli::decode_capture;
use mlag_cli::pcap::{self, PcapSink};
use serde_json::Value;
use std::path::Path;

fn capture(name: &str, frames: &[(Instant, Vec<u8>)]) -> Vec<Value> {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let mut sink = PcapSink::create(&path).expect("create");
    for (t, f) in frames {
        sink.write(*t, f).expect("write");
    }
    sink.flush().expect("flush");
    decode_capture(&pcap::read(&path).expect("read"))
}

#[test]
fn l2_framing_frames_of_two_sessions() {
    let mut now = Instant::ZERO;
    let mut s =
        [1u8, 2].map(|i| Session::new(SessionConfig::new(MacAddr([2, 0, 0, 0, 0, i])), now));
    for x in s.iter_mut() {
        x.handle_link(now, LinkState::Up);
    }
    let mut frames = Vec::new();
    let mut buf = vec![0u8; 2048];
    for _ in 0..200 {
        for from in 0..2 {
            while let Some(t) = s[from].poll_transmit(now, &mut buf) {
                let f = buf[..t.len].to_vec();
                // Delivery errors are the session's business here; the capture is what is tested.
                let _ = s[1 - from].handle_frame(now, &f);
                frames.push((now, f));
            }
        }
        let next = s.iter().filter_map(Session::poll_timeout).min();
        match next {
            Some(t) if t > now && frames.len() < 40 => now = t,
            _ => break,
        }
        for x in s.iter_mut() {
            x.handle_timeout(now);
        }
    }
    assert!(frames.len() >= 4, "{} frames", frames.len());
    let decoded = capture("iccp-l2.pcap", &frames);
    let mut icc_messages = 0;
    for f in &decoded {
        assert_eq!(f["protocol"], "iccp-l2", "{f}");
        assert!(f.get("error").is_none(), "{f}");
        assert_eq!(f["eth"]["dst"], "01:80:c2:00:00:0e");
        let msgs = f["iccp"]["messages"].as_array().expect("messages");
        for m in msgs {
            assert_ne!(m["kind"], "malformed", "{m}");
            if m["kind"] == "icc" {
                icc_messages += 1;
            }
        }
    }
    // The connection handshake carries ICC messages (RG Connect at least).
    assert!(icc_messages > 0);
    assert!(decoded.iter().any(|f| {
        f["iccp"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("RG Connect"))
    }));
}

#[test]
fn rg_connect_in_ldp_over_tcp() {
    // Protocol facts §7: RG Connect, RG ID 1, message ID 1, sender "PE1", from LSR 10.0.0.1:0.
    let ldp: Vec<u8> = [
        0x00, 0x01, 0x00, 0x1d, 10, 0, 0, 1, 0x00, 0x00, // PDU header
        0x07, 0x00, 0x00, 0x13, 0, 0, 0, 1, // RG Connect, length 19, id 1
        0x00, 0x05, 0x00, 0x04, 0, 0, 0, 1, // ICC RG ID 1
        0x00, 0x01, 0x00, 0x03, b'P', b'E', b'1', // ICC Sender Name
    ]
    .to_vec();
    let mut frame = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
    let total = 20 + 20 + ldp.len();
    frame.extend_from_slice(&[
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0x40,
        0,
        64,
        6,
        0,
        0,
    ]);
    frame.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
    frame.extend_from_slice(&[
        0xc3, 0x50, 0x02, 0x86, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0,
    ]);
    frame.extend_from_slice(&ldp);
    // The same PDU split across two segments is reported as partial, not as an error.
    let mut cut = frame.clone();
    cut.truncate(frame.len() - 5);
    let total_cut = total - 5;
    cut[16] = (total_cut >> 8) as u8;
    cut[17] = total_cut as u8;
    let decoded = capture(
        "iccp-ldp.pcap",
        &[(Instant::ZERO, frame), (Instant::ZERO, cut)],
    );
    let f = &decoded[0];
    assert_eq!(f["protocol"], "ldp", "{f}");
    let pdu = &f["ldp"]["pdus"][0];
    assert_eq!(pdu["lsr_id"], "10.0.0.1");
    assert_eq!(pdu["pdu_len"], 29);
    let m = &pdu["messages"][0];
    assert_eq!(m["kind"], "icc", "{m}");
    assert_eq!(m["msg_type_code"], 0x0700);
    assert_eq!(m["message_id"], 1);
    assert_eq!(m["rg_id"], 1);
    assert!(
        m["params"][0].as_str().is_some_and(|p| p.contains("PE1")),
        "{m}"
    );
    let partial = &decoded[1]["ldp"]["pdus"][0];
    assert!(
        partial["error"]
            .as_str()
            .is_some_and(|e| e.contains("partial")),
        "{partial}"
    );
}
