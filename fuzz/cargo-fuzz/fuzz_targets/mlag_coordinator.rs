//! libFuzzer entry point for `mlag_fuzz::mlag_coordinator`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mlag_fuzz::mlag_coordinator(data));
