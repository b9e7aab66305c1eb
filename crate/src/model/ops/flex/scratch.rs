//! Per-thread pools of f32 buffers for the kernels' intermediates (column matrices, products,
//! channel-major copies). A fresh multi-megabyte buffer costs a page fault per 4 KiB page on
//! first touch, every step; a reused one is already mapped. The kernels' outputs are not pooled:
//! they become tensors.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

/// Buffers kept per thread: enough for the intermediates a kernel holds at once.
const KEPT: usize = 4;

thread_local! {
    static FREE: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
}

/// A buffer that goes back to its thread's pool when dropped.
pub struct Scratch(Vec<f32>);

/// `len` zeros in a pooled buffer (the largest free one, so big intermediates find big buffers).
pub fn zeroed(len: usize) -> Scratch {
    let mut buffer = FREE
        .try_with(|free| {
            // Another kernel on this thread (rayon runs tasks while it waits) may hold the pool:
            // then a new buffer is made.
            let mut free = free.try_borrow_mut().ok()?;
            let largest = (0..free.len()).max_by_key(|&i| free[i].capacity())?;
            Some(free.swap_remove(largest))
        })
        .ok()
        .flatten()
        .unwrap_or_default();
    buffer.clear();
    buffer.resize(len, 0.0);
    Scratch(buffer)
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let buffer = std::mem::take(&mut self.0);
        let _ = FREE.try_with(|free| {
            if let Ok(mut free) = free.try_borrow_mut() {
                if free.len() < KEPT {
                    free.push(buffer);
                }
            }
        });
    }
}

impl Deref for Scratch {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        &self.0
    }
}

impl DerefMut for Scratch {
    fn deref_mut(&mut self) -> &mut [f32] {
        &mut self.0
    }
}

#[cfg(test)]
mod tests {
    use super::zeroed;

    #[test]
    fn a_reused_buffer_comes_back_zeroed_at_the_new_length() {
        let mut a = zeroed(1000);
        a.iter_mut().for_each(|v| *v = 7.0);
        drop(a);
        let b = zeroed(10);
        assert_eq!(b.len(), 10);
        assert!(b.iter().all(|&v| v == 0.0));
        let c = zeroed(2000);
        assert_eq!(c.len(), 2000);
        assert!(c.iter().all(|&v| v == 0.0));
    }
}
