//! libFuzzer entry point for `mlag_fuzz::iccp_ldp_session`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mlag_fuzz::iccp_ldp_session(data));
