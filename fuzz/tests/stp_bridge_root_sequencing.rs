//! The `stp_bridge` target's checks (invariants after every op, every frame parses, at most
//! Transmit Hold Count + 1 BPDUs per port and second) on random op sequences that start by
//! turning root sequencing on in an RSTP bridge (`SetBridge` with 0x0d: RSTP, the extension,
//! Transmit Hold Count 4), with BPDUs carrying trailers and requests (`stp::ops`, kinds 3 and
//! 4). The committed `fuzz/corpus/stp_bridge/rootseq-*` seeds start the same way.

#[test]
fn random_op_sequences_with_root_sequencing() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let runs = if cfg!(debug_assertions) { 300 } else { 5000 };
    for i in 0..runs {
        let mut data = vec![9u8, 0, 0x0d];
        for _ in 0..50 + (i % 600) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            data.push((x >> 24) as u8);
        }
        if std::panic::catch_unwind(|| mlag_fuzz::stp_bridge(&data)).is_err() {
            panic!("input {i}: {data:02x?}");
        }
    }
}
