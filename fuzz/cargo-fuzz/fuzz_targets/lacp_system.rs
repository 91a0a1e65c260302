//! libFuzzer entry point for `mlag_fuzz::lacp_system`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mlag_fuzz::lacp_system(data));
