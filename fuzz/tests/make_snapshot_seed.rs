//! Writes the `mlag_snapshot` corpus seed holding a whole valid snapshot as raw octets (mode
//! octet 0): `cargo test -p mlag-fuzz --test make_snapshot_seed -- --ignored`.

#[test]
#[ignore = "writes a corpus file"]
fn write_raw_snapshot_seed() {
    let bytes = mlag_fuzz::mlag_snapshot_seed();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/mlag_snapshot/raw_valid");
    std::fs::write(path, bytes).expect("write the seed");
}
