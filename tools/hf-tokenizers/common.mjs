// Helpers shared by the scripts that drive Hugging Face tokenizers (golden generation and the benchmark).
import { readFileSync } from 'node:fs';

/** The JSON objects of a JSON Lines file, empty lines skipped. */
export function readJsonl(path) {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
}

/** mulberry32, a small seeded PRNG: outputs that depend on it are pure functions of their inputs. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
