//! Data-parallel loops over disjoint chunks of an output buffer: rayon natively (the pool Flex
//! uses, sized by `ganvas bench --threads`) and in the browser's threaded module (`threads`
//! feature: a pool of Web Workers), one thread in the single-threaded wasm build.

/// Below this much work (elements touched) a loop runs on the calling thread: spawning tasks
/// costs more than it saves.
const SERIAL_WORK: usize = 1 << 15;

/// Calls `f(i, chunk)` for every `chunk`-long piece of `data` (the last may be shorter).
pub fn for_each_chunk(data: &mut [f32], chunk: usize, f: impl Fn(usize, &mut [f32]) + Sync + Send) {
    let work = data.len();
    for_each_chunk_with_work(data, chunk, work, f);
}

/// As [`for_each_chunk`] where the loop touches `work` elements in all (more than it writes).
pub fn for_each_chunk_with_work(
    data: &mut [f32],
    chunk: usize,
    work: usize,
    f: impl Fn(usize, &mut [f32]) + Sync + Send,
) {
    if chunk == 0 {
        return;
    }
    if work < SERIAL_WORK {
        data.chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, c)| f(i, c));
    } else {
        parallel_chunks(data, chunk, f);
    }
}

#[cfg(any(not(target_arch = "wasm32"), feature = "threads"))]
fn parallel_chunks(data: &mut [f32], chunk: usize, f: impl Fn(usize, &mut [f32]) + Sync + Send) {
    use rayon::prelude::*;
    data.par_chunks_mut(chunk)
        .enumerate()
        .for_each(|(i, c)| f(i, c));
}

#[cfg(all(target_arch = "wasm32", not(feature = "threads")))]
fn parallel_chunks(data: &mut [f32], chunk: usize, f: impl Fn(usize, &mut [f32]) + Sync + Send) {
    data.chunks_mut(chunk)
        .enumerate()
        .for_each(|(i, c)| f(i, c));
}

/// Runs `a` and `b`, side by side where there is a pool.
#[cfg(target_arch = "wasm32")]
pub fn join(a: impl FnOnce() + Send, b: impl FnOnce() + Send) {
    #[cfg(feature = "threads")]
    rayon::join(a, b);
    #[cfg(not(feature = "threads"))]
    {
        a();
        b();
    }
}

/// Threads the loops above spread over (1 in the browser's single-threaded wasm build).
pub fn threads() -> usize {
    #[cfg(any(not(target_arch = "wasm32"), feature = "threads"))]
    return rayon::current_num_threads();
    #[cfg(all(target_arch = "wasm32", not(feature = "threads")))]
    return 1;
}

/// `Σ_i f(i)` over `0..n` for `f` adding its term into a zeroed `len`-long buffer. With rayon the
/// terms are cut into one run of consecutive `i` per thread, each summed into its own buffer,
/// and the buffers added in run order: the same thread count gives the same sums bit for bit,
/// run after run (rayon's `fold` would group the terms by work stealing, which differs between
/// runs and would break an exact resume). One buffer in all in the single-threaded wasm build.
pub fn sum_of(n: usize, len: usize, f: impl Fn(usize, &mut [f32]) + Sync + Send) -> Vec<f32> {
    #[cfg(any(not(target_arch = "wasm32"), feature = "threads"))]
    {
        use rayon::prelude::*;
        let runs = threads().min(n).max(1);
        let partial: Vec<Vec<f32>> = (0..runs)
            .into_par_iter()
            .map(|r| {
                let mut acc = vec![0f32; len];
                (r * n / runs..(r + 1) * n / runs).for_each(|i| f(i, &mut acc));
                acc
            })
            .collect();
        let mut partial = partial.into_iter();
        let mut total = partial.next().unwrap_or_else(|| vec![0f32; len]);
        for part in partial {
            total.iter_mut().zip(&part).for_each(|(x, y)| *x += y);
        }
        total
    }
    #[cfg(all(target_arch = "wasm32", not(feature = "threads")))]
    {
        let mut acc = vec![0f32; len];
        (0..n).for_each(|i| f(i, &mut acc));
        acc
    }
}
