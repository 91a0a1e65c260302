//! The `mlag` command-line tool.
fn main() {}
