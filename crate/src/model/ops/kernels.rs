//! Which kernels the CPU backend runs: ours or Burn's. A process-wide switch so that the tests
//! and `ganvas bench` can compare both paths in one run; everything else leaves it at the default.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};

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

/// How the models' convolutions run on the GPU backends (Cube: wgpu, WebGPU, CUDA) while
/// [`Kernels::Ganvas`] is selected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CubeConvs {
    /// As matrix multiplies ([`super::lowered`]: space-to-depth and sub-pixel phases over Burn's
    /// tiled matmul), from [`super::lowered::MIN_POSITIONS`] output positions on. The native
    /// default: on lavapipe (Vulkan on the CPU) DCGAN-32 sampling at batch 64 took 0.70× the time
    /// of Burn's direct kernels and a training step 0.66×.
    Lowered,
    /// Burn's own convolution kernels (the direct kernel where WGSL lacks cooperative matrices).
    /// The browser's default: on Chromium's software WebGPU (SwiftShader) the lowered
    /// convolutions made sampling at batch 64 4.1× and a training step 3.3× slower; no real GPU
    /// could be measured, so `?convs=lowered` (the page) or [`set_cube_convs`] tries them.
    Direct,
}

static CUBE_DIRECT: AtomicBool = AtomicBool::new(cfg!(target_arch = "wasm32"));

/// Selects how Cube convolutions run for every call after this returns.
pub fn set_cube_convs(convs: CubeConvs) {
    CUBE_DIRECT.store(convs == CubeConvs::Direct, Ordering::Relaxed);
}

/// How Cube convolutions currently run.
pub fn cube_convs() -> CubeConvs {
    if CUBE_DIRECT.load(Ordering::Relaxed) {
        CubeConvs::Direct
    } else {
        CubeConvs::Lowered
    }
}

impl CubeConvs {
    /// The name [`std::str::FromStr`] takes: "lowered" or "direct".
    pub fn name(self) -> &'static str {
        match self {
            Self::Lowered => "lowered",
            Self::Direct => "direct",
        }
    }
}

impl std::str::FromStr for CubeConvs {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "lowered" => Ok(Self::Lowered),
            "direct" => Ok(Self::Direct),
            other => Err(format!(
                "unknown convolution path {other:?}: give lowered or direct"
            )),
        }
    }
}

/// Counts one call served by our kernels.
pub(super) fn count_call() {
    CALLS.fetch_add(1, Ordering::Relaxed);
}

/// How the CPU kernels compute a 4×4, stride-2, padding-1 convolution's input gradient, which is
/// also the forward pass of the transposed convolution of that geometry (the generators'
/// doublings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubPixel {
    /// Whichever of the two measured faster on that layer shape (the default).
    Auto,
    /// Always the sub-pixel decomposition: four output parities, one GEMM each, stored straight
    /// into the output.
    Always,
    /// Always the adjoint of the convolution: one GEMM, then `col2im`'s scatter-add.
    Never,
}

static SUB_PIXEL: AtomicU8 = AtomicU8::new(0);

/// Selects the input-gradient path for every call after this returns (tests and `ganvas bench`
/// compare both; everything else leaves it at [`SubPixel::Auto`]).
pub fn set_sub_pixel(choice: SubPixel) {
    let code = match choice {
        SubPixel::Auto => 0,
        SubPixel::Always => 1,
        SubPixel::Never => 2,
    };
    SUB_PIXEL.store(code, Ordering::Relaxed);
}

/// The input-gradient path currently selected.
pub fn sub_pixel() -> SubPixel {
    match SUB_PIXEL.load(Ordering::Relaxed) {
        1 => SubPixel::Always,
        2 => SubPixel::Never,
        _ => SubPixel::Auto,
    }
}

static SUB_PIXEL_CALLS: AtomicU64 = AtomicU64::new(0);

/// How many input gradients (or transposed-convolution forwards) the sub-pixel kernel has
/// computed in this process.
pub fn sub_pixel_calls() -> u64 {
    SUB_PIXEL_CALLS.load(Ordering::Relaxed)
}

/// Counts one call served by the sub-pixel kernel (a CPU kernel: not in the WebGPU-only module).
#[cfg(feature = "flex")]
pub(super) fn count_sub_pixel_call() {
    SUB_PIXEL_CALLS.fetch_add(1, Ordering::Relaxed);
}
