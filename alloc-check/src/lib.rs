//! A counting global allocator for tests that assert "this code does not allocate".
//!
//! Why this is its own package: implementing [`GlobalAlloc`] takes an `unsafe impl`, and the
//! workspace lints `forbid(unsafe_code)`, which no crate-level `allow` can lift. So this package
//! does not inherit the workspace lints; it denies `unsafe_code` and allows it on the one impl
//! below, which only forwards to [`System`] and bumps a thread-local counter.
//!
//! Use it from a test binary:
//!
//! ```
//! #[global_allocator]
//! static ALLOC: alloc_check::CountingAlloc = alloc_check::CountingAlloc;
//!
//! let (n, v) = alloc_check::allocations_during(|| 1 + 1);
//! assert_eq!((n, v), (0, 2));
//! ```
//!
//! Counts are per thread, so tests running in parallel on other threads do not disturb them.
#![deny(unsafe_op_in_unsafe_fn)]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use std::alloc::System;

std::thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn bump() {
    // `try_with` fails only during thread teardown; nothing is being measured then.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

/// The system allocator, counting allocations and reallocations of the current thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAlloc;

#[allow(unsafe_code)]
// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `System`'s
// guarantees are ours; the counter is a const-initialised thread-local `Cell`, which neither
// allocates nor re-enters the allocator.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        // SAFETY: forwarded with the caller's (valid, non-zero-size) layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` (through us) with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        // SAFETY: `ptr`/`layout` come from an earlier allocation by `System` through us.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations (including reallocations) the current thread has made so far.
pub fn allocations() -> u64 {
    ALLOCATIONS.try_with(Cell::get).unwrap_or(0)
}

/// Runs `f` and returns how many allocations the current thread made meanwhile, with `f`'s
/// result. Only meaningful when [`CountingAlloc`] is the global allocator.
pub fn allocations_during<T>(f: impl FnOnce() -> T) -> (u64, T) {
    let before = allocations();
    let out = f();
    (allocations() - before, out)
}
