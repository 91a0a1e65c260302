//! Build check: the protocol crates and the coordinator are `no_std` + `alloc`.
//!
//! Nothing to use here. This crate links every protocol crate without `std` and supplies the
//! panic handler a `no_std` final artifact needs; a second panic handler (the one `std` brings)
//! anywhere in the graph is a compile error, which is the point.
#![no_std]
#![forbid(unsafe_code)]

pub use {fdb, iccp, l2_types, lacp, mlag_core, stp};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
