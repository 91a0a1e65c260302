//! The sync wire format: golden bytes both ways, round trips, every truncation a typed error,
//! every malformed field a typed error, and bad input refused by the table without changing it.

use fdb::sync::wire::{
    self, CURSOR_START, Error, HEADER_LEN, Message, Record, SEGMENTS, SnapshotHeader,
    SnapshotPosition,
};
use fdb::{Fdb, FdbConfig, Key, Location, MlagId, PeerState, SyncError, SyncLocation};
use l2_types::{Instant, MacAddr, PortNo, VlanId};
use proptest::prelude::*;

fn key(vid: u16, mac: u64) -> Key {
    Key::new(VlanId::try_new(vid).unwrap(), MacAddr::from_u64(mac))
}

/// A Delta of epoch 7, first sequence number 3, with an upsert on MLAG bond 0x01020304, an
/// upsert on a single-homed port and a delete.
const GOLDEN_DELTA: [u8; 44] = [
    0x01, // version 1
    0x01, // type Delta
    0x00, 0x03, // three records
    0x00, 0x00, 0x00, 0x07, // epoch 7
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, // first seq 3
    // op 2 (MLAG) | VLAN 10 | 02:00:00:00:00:01, mlag-id 0x01020304
    0x20, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04,
    // op 1 (single) | VLAN 4094 | 00:11:22:33:44:55
    0x1f, 0xfe, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    // op 0 (delete) | VLAN 1 | 02:00:00:00:00:02
    0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
];

fn golden_records() -> [Record; 3] {
    [
        Record {
            key: key(10, 0x0200_0000_0001),
            location: Some(SyncLocation::Mlag(MlagId(0x0102_0304))),
        },
        Record {
            key: key(4094, 0x0011_2233_4455),
            location: Some(SyncLocation::Single),
        },
        Record {
            key: key(1, 0x0200_0000_0002),
            location: None,
        },
    ]
}

#[test]
fn golden_delta_decodes() {
    let Message::Delta {
        epoch,
        first_seq,
        records,
    } = Message::decode(&GOLDEN_DELTA).unwrap()
    else {
        panic!("not a delta");
    };
    assert_eq!((epoch, first_seq, records.len()), (7, 3, 3));
    assert_eq!(records.iter().collect::<Vec<_>>(), golden_records());
}

#[test]
fn golden_delta_encodes() {
    let mut buf = [0u8; 100];
    let (len, n) = wire::encode_delta(7, 3, golden_records(), &mut buf);
    assert_eq!((len, n), (44, 3));
    assert_eq!(buf[..len], GOLDEN_DELTA);
    // A buffer too short for the last record takes only what fits.
    let (len, n) = wire::encode_delta(7, 3, golden_records(), &mut buf[..HEADER_LEN + 12 + 7]);
    assert_eq!((len, n), (HEADER_LEN + 12, 1));
    assert_eq!(
        wire::encode_delta(7, 3, golden_records(), &mut buf[..15]),
        (0, 0)
    );
}

#[test]
fn every_truncation_is_a_typed_error() {
    let mut buf = [0u8; 1500];
    let mut msgs: Vec<Vec<u8>> = vec![GOLDEN_DELTA.to_vec()];
    let h = SnapshotHeader {
        epoch: 9,
        seq: 100,
        mask: u64::MAX,
        after: CURSOR_START,
    };
    let mut recs: Vec<Record> = (0..20)
        .map(|i| Record {
            key: key(1 + i % 3, 0x0200_0000_0000 + u64::from(i)),
            location: Some(if i % 2 == 0 {
                SyncLocation::Single
            } else {
                SyncLocation::Mlag(MlagId(u32::from(i)))
            }),
        })
        .collect();
    recs.sort_by_key(|r| r.key);
    let (len, n, _) = wire::encode_snapshot(&h, recs.iter().copied(), true, &mut buf);
    assert_eq!(n, 20);
    msgs.push(buf[..len].to_vec());
    let len = wire::encode_request(
        3,
        44,
        Some(SnapshotPosition {
            seq: 1,
            mask: 2,
            after: 3,
        }),
        &mut buf,
    );
    msgs.push(buf[..len].to_vec());
    let len = wire::encode_request(3, 44, None, &mut buf);
    msgs.push(buf[..len].to_vec());
    let digests = [0x1234_5678_u64; SEGMENTS];
    let len = wire::encode_digest(3, 44, &digests, &mut buf);
    msgs.push(buf[..len].to_vec());
    for m in &msgs {
        assert!(Message::decode(m).is_ok());
        for cut in 0..m.len() {
            let e = Message::decode(&m[..cut]).unwrap_err();
            assert!(
                matches!(e, Error::Truncated { got, .. } if got == cut),
                "cut {cut} of {} gave {e:?}",
                m.len()
            );
        }
        // One octet more is trailing garbage.
        let mut longer = m.clone();
        longer.push(0);
        assert!(matches!(
            Message::decode(&longer),
            Err(Error::TrailingBytes(1))
        ));
    }
}

#[test]
fn malformed_fields_are_typed_errors() {
    let mut m = GOLDEN_DELTA;
    m[0] = 2;
    assert_eq!(Message::decode(&m), Err(Error::BadVersion(2)));
    let mut m = GOLDEN_DELTA;
    m[1] = 9;
    assert_eq!(Message::decode(&m), Err(Error::BadType(9)));
    let mut m = GOLDEN_DELTA;
    m[16] = 0x30; // op 3
    assert_eq!(Message::decode(&m), Err(Error::BadOp { index: 0, op: 3 }));
    let mut m = GOLDEN_DELTA;
    m[28] = 0x10; // single, VLAN 0
    m[29] = 0x00;
    assert_eq!(
        Message::decode(&m),
        Err(Error::BadVlan { index: 1, vid: 0 })
    );
    let mut m = GOLDEN_DELTA;
    m[29] = 0xff; // VLAN 4095
    assert_eq!(
        Message::decode(&m),
        Err(Error::BadVlan {
            index: 1,
            vid: 4095
        })
    );
    let mut m = GOLDEN_DELTA;
    m[38] = 0x01; // group address
    assert_eq!(Message::decode(&m), Err(Error::GroupAddress { index: 2 }));
    let mut m = GOLDEN_DELTA;
    m[3] = 2; // count says 2, three records follow
    assert_eq!(Message::decode(&m), Err(Error::TrailingBytes(8)));

    let mut buf = [0u8; 600];
    let len = wire::encode_digest(1, 1, &[0; SEGMENTS], &mut buf);
    buf[3] = 63;
    assert_eq!(Message::decode(&buf[..len]), Err(Error::BadCount(63)));
    let len = wire::encode_request(1, 1, None, &mut buf);
    buf[HEADER_LEN] = 2;
    assert_eq!(Message::decode(&buf[..len]), Err(Error::BadFlags(2)));
    buf[HEADER_LEN] = 0;
    buf[HEADER_LEN + 9] = 1; // a position without the flag
    assert_eq!(Message::decode(&buf[..len]), Err(Error::NonZeroReserved));
    buf[HEADER_LEN + 9] = 0;
    buf[3] = 1;
    assert_eq!(Message::decode(&buf[..len]), Err(Error::BadCount(1)));
}

fn snapshot_bytes(records: &[Record], after: u64, upto: u64) -> Vec<u8> {
    // Built by hand: the encoder refuses to write a bad chunk.
    let mut m = vec![1, 2, 0, records.len() as u8, 0, 0, 0, 9];
    m.extend_from_slice(&100u64.to_be_bytes());
    m.extend_from_slice(&u64::MAX.to_be_bytes());
    m.extend_from_slice(&after.to_be_bytes());
    m.extend_from_slice(&upto.to_be_bytes());
    m.push(0);
    let mut rec = [0u8; 12];
    for r in records {
        let n = wire::encode_record(r, &mut rec);
        m.extend_from_slice(&rec[..n]);
    }
    m
}

#[test]
fn snapshot_chunks_must_advance_their_cursor_and_hold_upserts_in_mask() {
    // Records come in the sender's order (its keyed table hash, which the receiver cannot
    // compute), so the receiver checks what it can: a non-empty chunk moves the cursor forward
    // (never to the start sentinel), every record is an upsert, and in the chunk's mask.
    let up = |mac| Record {
        key: key(1, mac),
        location: Some(SyncLocation::Single),
    };
    let k = |mac| key(1, mac).to_u64();
    let ok = snapshot_bytes(&[up(2), up(4)], CURSOR_START, k(4));
    assert!(Message::decode(&ok).is_ok());
    let any_order = snapshot_bytes(&[up(4), up(2)], CURSOR_START, 17);
    assert!(Message::decode(&any_order).is_ok());
    let resumed = snapshot_bytes(&[up(4), up(2)], 17, 18);
    assert!(Message::decode(&resumed).is_ok());
    let standing = snapshot_bytes(&[up(2), up(4)], 17, 17);
    assert_eq!(
        Message::decode(&standing),
        Err(Error::Unsorted { index: 0 })
    );
    let backwards = snapshot_bytes(&[up(2), up(4)], 17, 16);
    assert_eq!(
        Message::decode(&backwards),
        Err(Error::Unsorted { index: 0 })
    );
    let to_start = snapshot_bytes(&[up(2)], 17, CURSOR_START);
    assert_eq!(
        Message::decode(&to_start),
        Err(Error::Unsorted { index: 0 })
    );
    // An empty chunk (the end of a table) may keep the cursor where it was.
    let empty_end = snapshot_bytes(&[], 17, 17);
    assert!(Message::decode(&empty_end).is_ok());
    // Outside the mask: `snapshot_bytes` says mask = all ones, so clear the record's segment.
    let mut outside = snapshot_bytes(&[up(2), up(4)], CURSOR_START, 17);
    let seg = wire::segment(key(1, 4));
    let mask = !(1u64 << seg);
    outside[16..24].copy_from_slice(&mask.to_be_bytes());
    let expect = if wire::segment(key(1, 2)) == seg {
        0
    } else {
        1
    };
    assert_eq!(
        Message::decode(&outside),
        Err(Error::Unsorted { index: expect })
    );
    let delete = snapshot_bytes(
        &[Record {
            key: key(1, 2),
            location: None,
        }],
        CURSOR_START,
        k(4),
    );
    assert_eq!(
        Message::decode(&delete),
        Err(Error::DeleteInSnapshot { index: 0 })
    );
}

#[test]
fn bulk_records_take_at_most_twelve_octets() {
    // 1,000 entries on MLAG bonds (the long form) in 1,500-octet snapshot chunks.
    let mut a = Fdb::new(FdbConfig::new(1, 1)).unwrap();
    let mut b = Fdb::new(FdbConfig::new(2, 2)).unwrap();
    let now = Instant::from_secs(1);
    for i in 0..1000u64 {
        let _ = a.learn(
            now,
            VlanId::DEFAULT,
            MacAddr::from_u64(0x0200_0000_0000 + i),
            Location::Mlag(MlagId(i as u32 % 7)),
        );
    }
    a.set_peer(now, PeerState::Up);
    b.set_peer(now, PeerState::Up);
    let mut buf = [0u8; 1500];
    let n = b.poll_sync(now, &mut buf).unwrap();
    a.handle_sync(now, &buf[..n]).unwrap();
    let mut bytes = 0;
    let mut chunks = 0;
    while let Some(n) = a.poll_sync(now, &mut buf) {
        bytes += n;
        chunks += 1;
        b.handle_sync(now, &buf[..n]).unwrap();
    }
    assert_eq!(b.len(), 1000);
    let per_record = bytes as f64 / 1000.0;
    println!("{chunks} chunks, {bytes} octets, {per_record:.2} octets per MAC");
    assert!(per_record <= 12.5, "{per_record}");
}

/// A table mirroring one entry of its peer (epoch 5).
fn mirror() -> Fdb {
    let mut t = Fdb::new(FdbConfig::new(3, 1)).unwrap();
    let now = Instant::from_secs(1);
    t.set_peer(now, PeerState::Up);
    let _ = t.learn(
        now,
        VlanId::DEFAULT,
        MacAddr::from_u64(0x0200_0000_0099),
        Location::Port(PortNo(1)),
    );
    let mut buf = [0u8; 200];
    let h = SnapshotHeader {
        epoch: 5,
        seq: 10,
        mask: u64::MAX,
        after: CURSOR_START,
    };
    let r = Record {
        key: key(1, 0x0200_0000_0001),
        location: Some(SyncLocation::Single),
    };
    let (len, _, _) = wire::encode_snapshot(&h, [r], true, &mut buf);
    t.handle_sync(now, &buf[..len]).unwrap();
    assert_eq!(t.peer_position(), (5, 10));
    t
}

#[test]
fn bad_sync_input_is_refused_counted_and_changes_nothing() {
    let now = Instant::from_secs(2);
    let mut t = mirror();
    let before = (t.peer_records(), t.own_records(), t.peer_position());
    let mut buf = [0u8; 200];
    let r = Record {
        key: key(1, 0x0200_0000_0007),
        location: Some(SyncLocation::Single),
    };
    // An old session.
    let (len, _) = wire::encode_delta(4, 11, [r], &mut buf);
    assert_eq!(
        t.handle_sync(now, &buf[..len]),
        Err(SyncError::StaleEpoch {
            got: 4,
            expected: 5
        })
    );
    // A gap.
    let (len, _) = wire::encode_delta(5, 12, [r], &mut buf);
    assert_eq!(
        t.handle_sync(now, &buf[..len]),
        Err(SyncError::Gap {
            expected: 11,
            got: 12
        })
    );
    // Sequence numbers that cannot be.
    let (len, _) = wire::encode_delta(5, 0, [r], &mut buf);
    assert_eq!(t.handle_sync(now, &buf[..len]), Err(SyncError::BadSequence));
    let (len, _) = wire::encode_delta(5, u64::MAX, [r, r], &mut buf);
    assert_eq!(t.handle_sync(now, &buf[..len]), Err(SyncError::BadSequence));
    // A snapshot chunk that continues nothing.
    let h = SnapshotHeader {
        epoch: 5,
        seq: 20,
        mask: u64::MAX,
        after: key(1, 1).to_u64(),
    };
    let r2 = Record {
        key: key(1, 0x0200_0000_0008),
        location: Some(SyncLocation::Single),
    };
    let (len, _, _) = wire::encode_snapshot(&h, [r2], true, &mut buf);
    assert_eq!(t.handle_sync(now, &buf[..len]), Err(SyncError::OutOfOrder));
    // An old snapshot's first chunk.
    let h = SnapshotHeader {
        epoch: 5,
        seq: 9,
        mask: u64::MAX,
        after: CURSOR_START,
    };
    let (len, _, _) = wire::encode_snapshot(&h, [r2], true, &mut buf);
    assert!(matches!(
        t.handle_sync(now, &buf[..len]),
        Err(SyncError::StaleEpoch { .. })
    ));
    // Impossible entries and garbage.
    let (len, _) = wire::encode_delta(5, 11, [r], &mut buf);
    buf[HEADER_LEN] = 0x10; // VLAN 0
    buf[HEADER_LEN + 1] = 0x00;
    assert!(matches!(
        t.handle_sync(now, &buf[..len]),
        Err(SyncError::Wire(Error::BadVlan { .. }))
    ));
    for cut in 0..len {
        assert!(t.handle_sync(now, &buf[..cut]).is_err());
    }
    assert_eq!(
        before,
        (t.peer_records(), t.own_records(), t.peer_position())
    );
    let s = t.stats();
    assert_eq!(s.sync_stale, 2);
    assert_eq!(s.sync_gaps, 1);
    assert_eq!(s.sync_out_of_order, 1);
    assert_eq!(s.sync_decode_errors, 1 + len as u64);
    t.check_invariants().unwrap();
    // A duplicate is harmless, and the right delta applies.
    let (len, _) = wire::encode_delta(5, 11, [r], &mut buf);
    t.handle_sync(now, &buf[..len]).unwrap();
    t.handle_sync(now, &buf[..len]).unwrap();
    assert_eq!(t.peer_position(), (5, 11));
    assert_eq!(t.peer_records().len(), 2);
    assert_eq!(t.stats().sync_duplicates, 1);
}

fn record() -> impl Strategy<Value = Record> {
    (
        1u16..4095,
        any::<u64>(),
        prop::option::of(prop::option::of(any::<u32>())),
    )
        .prop_map(|(vid, mac, loc)| Record {
            key: key(vid, mac & 0xfeff_ffff_ffff),
            location: loc
                .map(|o| o.map_or(SyncLocation::Single, |id| SyncLocation::Mlag(MlagId(id)))),
        })
}

proptest! {
    #[test]
    fn deltas_round_trip(epoch: u32, first: u64, recs in prop::collection::vec(record(), 0..200)) {
        let mut buf = vec![0u8; 1500];
        let (len, n) = wire::encode_delta(epoch, first, recs.iter().copied(), &mut buf);
        prop_assert!(len <= 1500);
        let Ok(Message::Delta { epoch: e, first_seq, records }) = Message::decode(&buf[..len]) else {
            return Err(TestCaseError::fail("not a delta"));
        };
        prop_assert_eq!((e, first_seq), (epoch, first));
        prop_assert_eq!(records.iter().collect::<Vec<_>>(), recs[..n].to_vec());
    }

    #[test]
    fn snapshots_round_trip(epoch: u32, seq: u64, mask: u64, recs in prop::collection::vec(record(), 0..200)) {
        let mut recs: Vec<Record> = recs.into_iter()
            .map(|r| Record { location: Some(r.location.unwrap_or(SyncLocation::Single)), ..r })
            .filter(|r| mask & (1 << wire::segment(r.key)) != 0)
            .collect();
        recs.sort_by_key(|r| r.key);
        recs.dedup_by_key(|r| r.key);
        let h = SnapshotHeader { epoch, seq, mask, after: CURSOR_START };
        let mut buf = vec![0u8; 1500];
        let (len, n, upto) = wire::encode_snapshot(&h, recs.iter().copied(), true, &mut buf);
        let Ok(Message::Snapshot { records, last, upto: u, mask: m, .. }) = Message::decode(&buf[..len]) else {
            return Err(TestCaseError::fail("not a snapshot"));
        };
        prop_assert_eq!(m, mask);
        prop_assert_eq!(u, upto);
        prop_assert_eq!(last, n == recs.len());
        prop_assert_eq!(records.iter().collect::<Vec<_>>(), recs[..n].to_vec());
    }

    #[test]
    fn any_bytes_decode_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(Message::Delta { records, .. } | Message::Snapshot { records, .. }) =
            Message::decode(&bytes)
        {
            prop_assert_eq!(records.iter().count(), records.len());
        }
        let mut t = mirror();
        let _ = t.handle_sync(Instant::from_secs(3), &bytes);
        prop_assert!(t.check_invariants().is_ok());
    }
}
