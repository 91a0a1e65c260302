//! libFuzzer entry point for `mlag_fuzz::mlag_snapshot`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mlag_fuzz::mlag_snapshot(data));
