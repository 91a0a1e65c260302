//! Library side of the `mlag` command: capture reading/writing and frame decoding, so tests and
//! other tools (the demo) can use them without spawning the binary.
//!
//! * [`pcap`] — read pcap files, and [`pcap::PcapSink`] to record frames from virtual time.
//! * [`decode`] — one JSON object per frame (`mlag decode --json`).
//! * [`text`] — the indented `--text` rendering of those objects.

pub mod decode;
pub mod demo;
pub mod pcap;
pub mod text;

use serde_json::Value;

/// Decodes every frame of a capture, in order, into its JSON object.
///
/// Frames of a capture whose link type is not Ethernet are listed with an `error` saying so.
pub fn decode_capture(capture: &pcap::Capture) -> Vec<Value> {
    let link = format!("{:?}", capture.link_type);
    capture
        .frames
        .iter()
        .map(|f| {
            if capture.is_ethernet() {
                decode::decode_frame(f)
            } else {
                decode::not_ethernet(f, &link)
            }
        })
        .collect()
}
