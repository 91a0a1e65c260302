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
//!
//! It also keeps the thread's **live bytes** (allocated minus freed) and their high-water mark,
//! for tests that assert "this driver does not grow without bound under a flood"
//! ([`live_bytes`], [`peak_since_reset`]).
#![deny(unsafe_op_in_unsafe_fn)]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use std::alloc::System;

std::thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
}

fn bump() {
    // `try_with` fails only during thread teardown; nothing is being measured then.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

/// Adds `delta` octets to the thread's live bytes and raises the high-water mark.
fn live(delta: i64) {
    let now = LIVE.try_with(|c| {
        let v = c.get().saturating_add(delta);
        c.set(v);
        v
    });
    if let Ok(v) = now {
        let _ = PEAK.try_with(|p| p.set(p.get().max(v)));
    }
}

fn size(layout: Layout) -> i64 {
    i64::try_from(layout.size()).unwrap_or(i64::MAX)
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
        live(size(layout));
        // SAFETY: forwarded with the caller's (valid, non-zero-size) layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        live(size(layout));
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        live(-size(layout));
        // SAFETY: `ptr` was allocated by `System` (through us) with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        live(i64::try_from(new_size).unwrap_or(i64::MAX) - size(layout));
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

/// Octets the current thread has allocated and not freed (memory freed by another thread is
/// not subtracted here, so measure single-threaded code).
pub fn live_bytes() -> i64 {
    LIVE.try_with(Cell::get).unwrap_or(0)
}

/// Resets the high-water mark of [`live_bytes`] to the current value.
pub fn reset_peak() {
    let v = live_bytes();
    let _ = PEAK.try_with(|p| p.set(v));
}

/// The highest [`live_bytes`] since the last [`reset_peak`].
pub fn peak_since_reset() -> i64 {
    PEAK.try_with(Cell::get).unwrap_or(0)
}
