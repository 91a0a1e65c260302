//! libFuzzer entry point for `mlag_fuzz::iccp_session_ldp`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mlag_fuzz::iccp_session_ldp(data));
