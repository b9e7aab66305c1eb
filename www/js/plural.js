// Counts in words: "1 image", "2 images", "1,024 steps".

/** `n` and `noun`, plural unless n is 1 (`plural` for irregular nouns). */
export function count(n, noun, plural = `${noun}s`) {
  return `${Number(n).toLocaleString('en-US')} ${n === 1 ? noun : plural}`;
}
