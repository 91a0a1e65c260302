//! Operations for fuzzers and property tests (in progress).
