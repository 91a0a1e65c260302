//! libFuzzer entry point for `mlag_fuzz::marker_decode`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mlag_fuzz::marker_decode(data));
