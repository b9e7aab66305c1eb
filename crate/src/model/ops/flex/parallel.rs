//! Data-parallel loops over disjoint chunks of an output buffer: rayon natively (the pool Flex
//! uses, sized by `ganvas bench --threads`), one thread in the browser's wasm build.

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
        data.chunks_mut(chunk).enumerate().for_each(|(i, c)| f(i, c));
    } else {
        parallel_chunks(data, chunk, f);
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn parallel_chunks(data: &mut [f32], chunk: usize, f: impl Fn(usize, &mut [f32]) + Sync + Send) {
    use rayon::prelude::*;
    data.par_chunks_mut(chunk).enumerate().for_each(|(i, c)| f(i, c));
}

#[cfg(target_arch = "wasm32")]
fn parallel_chunks(data: &mut [f32], chunk: usize, f: impl Fn(usize, &mut [f32]) + Sync + Send) {
    data.chunks_mut(chunk).enumerate().for_each(|(i, c)| f(i, c));
}
