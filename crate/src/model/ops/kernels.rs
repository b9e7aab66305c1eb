//! Which kernels the CPU backend runs: ours or Burn's. A process-wide switch so that the tests
//! and `ganvas bench` can compare both paths in one run; everything else leaves it at the default.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The implementation behind [`super::GanOps`] on the CPU (Flex) backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernels {
    /// Our batch-folded kernels (the default).
    Ganvas,
    /// Burn's own Flex ops and autodiff's generic backward (the path before our op layer).
    Burn,
}

static USE_BURN: AtomicBool = AtomicBool::new(false);

/// Selects the CPU kernels for every op called after this returns.
pub fn set_kernels(kernels: Kernels) {
    USE_BURN.store(kernels == Kernels::Burn, Ordering::Relaxed);
}

/// The CPU kernels currently selected.
pub fn kernels() -> Kernels {
    if USE_BURN.load(Ordering::Relaxed) {
        Kernels::Burn
    } else {
        Kernels::Ganvas
    }
}

static CALLS: AtomicU64 = AtomicU64::new(0);

/// How many op calls our kernels have served in this process (fallbacks to Burn's ops not
/// counted): lets tests prove that the path they check is ours.
pub fn kernel_calls() -> u64 {
    CALLS.load(Ordering::Relaxed)
}

/// Counts one call served by our kernels.
pub(super) fn count_call() {
    CALLS.fetch_add(1, Ordering::Relaxed);
}
