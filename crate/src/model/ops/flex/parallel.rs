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

/// Threads the loops above spread over (1 in the browser's single-threaded wasm build).
pub fn threads() -> usize {
    #[cfg(any(not(target_arch = "wasm32"), feature = "threads"))]
    return rayon::current_num_threads();
    #[cfg(all(target_arch = "wasm32", not(feature = "threads")))]
    return 1;
}

/// `Σ_i f(i)` over `0..n` for `f` adding its term into a zeroed `len`-long buffer: one buffer
/// per thread natively (summed at the end), one in all in the browser.
pub fn sum_of(n: usize, len: usize, f: impl Fn(usize, &mut [f32]) + Sync + Send) -> Vec<f32> {
    #[cfg(any(not(target_arch = "wasm32"), feature = "threads"))]
    {
        use rayon::prelude::*;
        (0..n)
            .into_par_iter()
            .fold(
                || vec![0f32; len],
                |mut acc, i| {
                    f(i, &mut acc);
                    acc
                },
            )
            .reduce_with(|mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            })
            .unwrap_or_else(|| vec![0f32; len])
    }
    #[cfg(all(target_arch = "wasm32", not(feature = "threads")))]
    {
        let mut acc = vec![0f32; len];
        (0..n).for_each(|i| f(i, &mut acc));
        acc
    }
}
