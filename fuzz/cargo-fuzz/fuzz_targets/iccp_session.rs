//! libFuzzer entry point for `mlag_fuzz::iccp_session`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mlag_fuzz::iccp_session(data));
