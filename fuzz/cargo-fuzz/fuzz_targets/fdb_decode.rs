//! libFuzzer entry point for `mlag_fuzz::fdb_decode`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mlag_fuzz::fdb_decode(data));
