//! One matrix product on the threads it may use: natively faer splits it over rayon's pool
//! itself; the single-threaded wasm build runs it on one thread; in the browser's threaded
//! module faer has no pool (its `rayon` feature needs `atomic-wait`, which has no wasm32 port),
//! so a product that may use the pool is cut here into column blocks, one sequential faer
//! product each, over rayon.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

#[cfg(target_arch = "wasm32")]
use super::parallel::{join, threads};

/// `out (=|+=) a · b`, on the whole pool when `pool`, else on the calling thread: natively by
/// faer's own split; in the browser cut into one column block per thread of the pool (in the
/// single-threaded wasm build `parallel::threads()` is 1: one block, on this thread).
pub fn product(
    out: MatMut<'_, f32>,
    accum: Accum,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    pool: bool,
) {
    #[cfg(not(target_arch = "wasm32"))]
    matmul(
        out,
        accum,
        a,
        b,
        1.0f32,
        if pool { Par::rayon(0) } else { Par::Seq },
    );
    #[cfg(target_arch = "wasm32")]
    in_column_blocks(out, accum, a, b, if pool { threads() } else { 1 });
}

/// Columns per block are a multiple of this, so that every block but the last runs the same
/// full-width micro-kernels as the undivided product.
#[cfg(target_arch = "wasm32")]
const BLOCK_COLUMNS: usize = 64;

/// Halves the column range (in whole [`BLOCK_COLUMNS`]) until each of `pieces` threads has
/// one part; the halves run side by side.
#[cfg(target_arch = "wasm32")]
fn in_column_blocks(
    out: MatMut<'_, f32>,
    accum: Accum,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    pieces: usize,
) {
    let blocks = b.ncols() / BLOCK_COLUMNS;
    if pieces <= 1 || blocks < 2 {
        return matmul(out, accum, a, b, 1.0f32, Par::Seq);
    }
    let left = pieces / 2;
    let mid = (blocks * left / pieces).max(1) * BLOCK_COLUMNS;
    let (out_left, out_right) = out.split_at_col_mut(mid);
    let (b_left, b_right) = b.split_at_col(mid);
    join(
        || in_column_blocks(out_left, accum, a, b_left, left),
        || in_column_blocks(out_right, accum, a, b_right, pieces - left),
    );
}
