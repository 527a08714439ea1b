#!/usr/bin/env node
// Reference side of the tokenization benchmark: Hugging Face `tokenizers` 0.23.2 (official node bindings,
// pinned in tools/hf-tokenizers). Encodes the (query, passage) pairs of bench/tokenizers/bench_pairs.jsonl with
// truncation longest_first at max_length 512 and special tokens, for the three tokenizer families of
// tests/RerankExperiments.Tests/fixtures/hf/, and prints one JSON line per tokenizer and thread setting:
//   {"tokenizer": ..., "threads": 1 | "all", "pairs_per_s": x, "method": ..., ...}
// See bench/tokenizers/README.md.
//
// Options:
//   --seconds S        minimum measured time per measurement (default 3; at least 5 timed passes)
//   --pairs N          use only the first N pairs of bench_pairs.jsonl (default: all)
//   --write-pairs      regenerate bench_pairs.jsonl from fixtures/hf/pairs.jsonl and exit
//   --verbose          also print every single-thread method's figure (stderr)
//
// Thread control: the binding's encodeBatch runs on rayon's global pool, sized from RAYON_NUM_THREADS when the
// pool first starts, and runs serially when TOKENIZERS_PARALLELISM=false; encode() runs one input on a libuv
// worker thread. Each measurement therefore runs in its own child process with its own environment.

import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { prng, readJsonl } from '../../tools/hf-tokenizers/common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const tokDir = join(repoRoot, 'tests', 'RerankExperiments.Tests', 'fixtures', 'hf');
const pairsFile = join(here, 'bench_pairs.jsonl');
const FAMILIES = ['bert-tiny', 'xlmr-tiny', 'modernbert-cls-tiny'];
const MAX_LENGTH = 512;
const N_PAIRS = 1000;
const QUERY_WORDS = 10;
const PASSAGE_WORDS = 200;

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};



// Queries: QUERY_WORDS consecutive words of the corpus; passages: PASSAGE_WORDS consecutive words; both taken at
// PRNG-chosen offsets of the word stream formed by all queries and passages of fixtures/hf/pairs.jsonl.
function makePairs() {
  const corpus = readJsonl(join(tokDir, 'pairs.jsonl'));
  const words = corpus.flatMap((r) => `${r.query} ${r.passage}`.split(/\s+/).filter((w) => w.length > 0));
  const r = prng(512);
  const span = (n) => {
    const start = Math.floor(r() * (words.length - n));
    return words.slice(start, start + n).join(' ');
  };
  const out = [];
  for (let i = 0; i < N_PAIRS; i++) out.push({ query: span(QUERY_WORDS), passage: span(PASSAGE_WORDS) });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Worker: one measurement in this process.
//
// The node binding's encodeBatch takes single strings only (no pairs, unlike Python's encode_batch), so a pair is
// encoded either by encode(query, passage) or by splitting the library's own pair pipeline in two:
// encodeBatch over all queries and passages without special tokens or truncation (the per-sequence work, on
// rayon), then postProcess(query, passage) per pair on the JS thread (truncation + template, the rest of what
// encode does for a pair). Both give identical ids; the worker checks that before timing.
const METHODS = {
  // one encode at a time: each runs on a libuv worker thread while the JS thread waits
  encode: async (tok, inputs) => {
    const out = [];
    for (const [q, p] of inputs) out.push(await tok.encode(q, p));
    return out;
  },
  // all encodes in flight at once: they run concurrently on libuv's pool (UV_THREADPOOL_SIZE threads)
  'encode-concurrent': (tok, inputs) => Promise.all(inputs.map(([q, p]) => tok.encode(q, p))),
  'batch+postProcess': async (tok, inputs) => {
    tok.disableTruncation();
    const flat = await tok.encodeBatch(inputs.flat(), { addSpecialTokens: false });
    tok.setTruncation(MAX_LENGTH, { strategy: 'LongestFirst' });
    const out = new Array(inputs.length);
    for (let i = 0; i < inputs.length; i++) out[i] = tok.postProcess(flat[2 * i], flat[2 * i + 1], true);
    return out;
  },
};

async function worker(family, method, seconds, limit) {
  const require = createRequire(join(repoRoot, 'tools', 'hf-tokenizers', 'package.json'));
  const { Tokenizer } = require('tokenizers');
  const tok = Tokenizer.fromFile(join(tokDir, family, 'tokenizer.json'));
  tok.setTruncation(MAX_LENGTH, { strategy: 'LongestFirst' });
  let pairs = readJsonl(pairsFile);
  if (limit) pairs = pairs.slice(0, limit);
  const inputs = pairs.map((p) => [p.query, p.passage]);
  const pass = METHODS[method];
  if (!pass) throw new Error(`unknown method ${method}`);

  // warm-up, and a check that the method gives exactly encode(query, passage)'s ids and fits max_length
  const reference = (await METHODS.encode(tok, inputs)).map((e) => e.getIds());
  const got = (await pass(tok, inputs)).map((e) => e.getIds());
  let tokens = 0;
  for (let i = 0; i < inputs.length; i++) {
    if (got[i].length > MAX_LENGTH) throw new Error(`pair ${i}: ${got[i].length} tokens exceed max_length`);
    if (got[i].join(',') !== reference[i].join(',')) throw new Error(`pair ${i}: ${method} ids differ from encode()`);
    tokens += got[i].length;
  }

  // ids stay inside the Rust encodings: the timing covers tokenization, not copying ids into JS arrays.
  // Every pass is timed; the figure is the median pass (robust to a noisy machine), the best pass is reported too.
  const passSeconds = [];
  let total = 0;
  while (total < seconds || passSeconds.length < 5) {
    const t0 = process.hrtime.bigint();
    await pass(tok, inputs);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    passSeconds.push(dt);
    total += dt;
  }
  passSeconds.sort((a, b) => a - b);
  const median = passSeconds[Math.floor(passSeconds.length / 2)];
  console.log(JSON.stringify({ pairs_per_s: inputs.length / median, best_pairs_per_s: inputs.length / passSeconds[0], pairs: inputs.length, passes: passSeconds.length, seconds: total, tokens_per_pass: tokens }));
}

function measure(family, method, env, seconds, limit) {
  const childArgs = [fileURLToPath(import.meta.url), '--worker', family, method, '--seconds', String(seconds)];
  if (limit) childArgs.push('--pairs', String(limit));
  // the caller's own thread settings are dropped so that each measurement gets exactly the ones named here
  const base = { ...process.env };
  for (const k of ['RAYON_NUM_THREADS', 'TOKENIZERS_PARALLELISM', 'UV_THREADPOOL_SIZE']) delete base[k];
  const res = spawnSync(process.execPath, childArgs, { env: { ...base, ...env }, encoding: 'utf8' });
  if (res.status !== 0) {
    process.stderr.write(res.stderr);
    throw new Error(`worker ${family} ${method} failed (${res.status})`);
  }
  return JSON.parse(res.stdout.trim().split('\n').pop());
}

// ---------------------------------------------------------------------------------------------------------------
if (args.includes('--write-pairs')) {
  const pairs = makePairs();
  writeFileSync(pairsFile, pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');
  console.error(`wrote ${pairs.length} pairs to ${pairsFile}`);
} else if (args[0] === '--worker') {
  await worker(args[1], args[2], Number(opt('--seconds', '3')), Number(opt('--pairs', '0')));
} else {
  const seconds = Number(opt('--seconds', '3'));
  const limit = Number(opt('--pairs', '0'));
  const verbose = args.includes('--verbose');
  const cores = availableParallelism();
  // Candidates per thread setting; the fastest one is reported (--verbose prints them all on stderr).
  const candidates = {
    1: [
      ['encode', { RAYON_NUM_THREADS: '1', UV_THREADPOOL_SIZE: '1' }, 'sequential await encode(q, p)'],
      ['batch+postProcess', { RAYON_NUM_THREADS: '1', UV_THREADPOOL_SIZE: '1' }, 'encodeBatch(RAYON_NUM_THREADS=1) + postProcess'],
      ['batch+postProcess', { TOKENIZERS_PARALLELISM: 'false', UV_THREADPOOL_SIZE: '1' }, 'encodeBatch(TOKENIZERS_PARALLELISM=false) + postProcess'],
    ],
    all: [
      ['encode-concurrent', { UV_THREADPOOL_SIZE: String(cores) }, `concurrent encode(q, p), UV_THREADPOOL_SIZE=${cores}`],
      ['batch+postProcess', {}, `encodeBatch(rayon, ${cores} threads) + postProcess`],
    ],
  };
  for (const family of FAMILIES) {
    for (const threads of [1, 'all']) {
      let best = null;
      for (const [method, env, label] of candidates[threads]) {
        const r = measure(family, method, env, seconds, limit);
        if (verbose) console.error(JSON.stringify({ tokenizer: family, threads, method: label, pairs_per_s: round(r.pairs_per_s) }));
        if (!best || r.pairs_per_s > best.r.pairs_per_s) best = { r, label };
      }
      console.log(JSON.stringify({ tokenizer: family, threads, pairs_per_s: round(best.r.pairs_per_s), best_pass_pairs_per_s: round(best.r.best_pairs_per_s), method: best.label, pairs: best.r.pairs, tokens_per_pair: round(best.r.tokens_per_pass / best.r.pairs), max_length: MAX_LENGTH, cores }));
    }
  }
}

function round(x) {
  return Math.round(x * 10) / 10;
}
