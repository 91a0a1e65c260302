//! Real-peer interoperability hosts.
