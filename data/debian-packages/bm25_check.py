#!/usr/bin/env python3
"""A lexical baseline for the debian-packages eval set: BM25 over the whole corpus.

Shows that the task is neither trivial nor hopeless for word matching, and gives
a reference number for trained rerankers. Standard library only.

    python3 data/debian-packages/bm25_check.py [--queries N]

Prints MRR@10 and Recall@10/100 for the first N eval queries (in file order; all by default).
"""

import argparse
import collections
import json
import math
import os
import re

EVAL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "eval")
TOKEN = re.compile(r"[a-z0-9]+")
K1, B = 0.9, 0.4  # Anserini's defaults


def tokens(text):
    return TOKEN.findall(text.lower())


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def read_qrels(path):
    with open(path, encoding="utf-8") as f:
        next(f)  # header
        return {q: d for q, d, _ in (line.rstrip("\n").split("\t") for line in f)}


class BM25:
    def __init__(self, docs):
        self.ids = [d["_id"] for d in docs]
        self.postings = collections.defaultdict(list)  # term -> [(doc index, term frequency)]
        self.lengths = []
        for i, d in enumerate(docs):
            counts = collections.Counter(tokens(d["text"]))
            self.lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                self.postings[term].append((i, tf))
        self.avg_len = sum(self.lengths) / len(self.lengths)

    def search(self, query, k):
        n = len(self.lengths)
        scores = collections.defaultdict(float)
        for term in set(tokens(query)):
            posting = self.postings.get(term, [])
            idf = math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
            for i, tf in posting:
                norm = K1 * (1 - B + B * self.lengths[i] / self.avg_len)
                scores[i] += idf * tf * (K1 + 1) / (tf + norm)
        top = sorted(scores.items(), key=lambda s: (-s[1], self.ids[s[0]]))[:k]
        return [self.ids[i] for i, _ in top]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=None, help="evaluate only the first N queries")
    args = parser.parse_args()

    index = BM25(read_jsonl(os.path.join(EVAL_DIR, "corpus.jsonl")))
    queries = read_jsonl(os.path.join(EVAL_DIR, "queries.jsonl"))[: args.queries]
    qrels = read_qrels(os.path.join(EVAL_DIR, "qrels", "test.tsv"))
    mrr, hits10, hits100 = 0.0, 0, 0
    for q in queries:
        ranked = index.search(q["text"], 100)
        relevant = qrels[q["_id"]]
        if relevant in ranked[:10]:
            mrr += 1 / (ranked.index(relevant) + 1)
            hits10 += 1
        hits100 += relevant in ranked
    n = len(queries)
    print(f"{n} queries over {len(index.ids)} documents (BM25 k1={K1} b={B})")
    print(f"MRR@10 {mrr / n:.3f}  Recall@10 {hits10 / n:.3f}  Recall@100 {hits100 / n:.3f}")


if __name__ == "__main__":
    main()
