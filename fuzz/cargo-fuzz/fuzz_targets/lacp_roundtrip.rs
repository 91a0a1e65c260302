//! libFuzzer entry point for `mlag_fuzz::lacp_roundtrip`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mlag_fuzz::lacp_roundtrip(data));
