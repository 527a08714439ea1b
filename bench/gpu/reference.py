"""The PyTorch reference half of bench/gpu (see README.md), run on the device machine.

It loads the model folders and pairs that `RerankExperiments.Bench gpu prepare WORK` wrote, so it trains and scores
the very same random-init weights on the very same data as our half, and times:
  - training: an idiomatic PyTorch + transformers loop, what CrossEncoderTrainer runs — random batches of 64 pairs,
    tokenized per batch (longest_first, max_length 256, padded to the batch's longest), bf16 autocast, BCE-with-logits,
    fused AdamW, gradient clipping at 1.0;
  - scoring: sentence-transformers' CrossEncoder.predict on the model in bf16, batch 64.
Usage: python3 reference.py WORK OUT.json
"""
import json
import sys
import time

import torch
from sentence_transformers import CrossEncoder
from transformers import AutoModelForSequenceClassification, AutoTokenizer

BATCH = 64
MAX_LENGTH = 256
WARMUP_STEPS = 3
TRAIN_STEPS = 40
SCORE_PAIRS = 8192
MODELS = ["bert-base", "modernbert-base"]


def load_pairs(work):
    with open(f"{work}/pairs.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def train(folder, rows):
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder, torch_dtype=torch.float32).cuda().train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01, fused=True)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    generator = torch.Generator().manual_seed(1)
    order = torch.randperm(len(rows), generator=generator).tolist()
    steps = WARMUP_STEPS + TRAIN_STEPS
    start = None
    for step in range(steps):
        if step == WARMUP_STEPS:
            torch.cuda.synchronize()
            start = time.perf_counter()
        batch = [rows[i] for i in order[step * BATCH:(step + 1) * BATCH]]
        features = tokenizer([r["query"] for r in batch], [r["passage"] for r in batch], truncation="longest_first",
                             max_length=MAX_LENGTH, padding=True, return_tensors="pt").to("cuda", non_blocking=True)
        labels = torch.tensor([r["label"] for r in batch], dtype=torch.float32, device="cuda")
        with torch.autocast("cuda", dtype=torch.bfloat16):
            logits = model(**features).logits.view(-1)
        loss = loss_fn(logits.float(), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    lengths = [len(tokenizer(r["query"], r["passage"], truncation="longest_first", max_length=MAX_LENGTH)["input_ids"])
               for r in (rows[i] for i in order[WARMUP_STEPS * BATCH:steps * BATCH])]
    del model, optimizer
    torch.cuda.empty_cache()
    return {"train_pairs_per_second": BATCH * TRAIN_STEPS / seconds, "train_steps_timed": TRAIN_STEPS,
            "train_tokens_per_pair": sum(lengths) / len(lengths)}


def score(folder, rows):
    model = CrossEncoder(folder, device="cuda", max_length=MAX_LENGTH, model_kwargs={"torch_dtype": torch.bfloat16})
    pairs = [(r["query"], r["passage"]) for r in rows[:SCORE_PAIRS]]
    model.predict(pairs[:BATCH * 2], batch_size=BATCH)
    torch.cuda.synchronize()
    start = time.perf_counter()
    model.predict(pairs, batch_size=BATCH)  # returns numpy scores: the GPU has finished
    seconds = time.perf_counter() - start
    del model
    torch.cuda.empty_cache()
    return {"score_pairs_per_second": len(pairs) / seconds, "score_pairs": len(pairs)}


def main():
    work, output = sys.argv[1], sys.argv[2]
    rows = load_pairs(work)
    results = {}
    for name in MODELS:
        folder = f"{work}/models/{name}"
        figures = train(folder, rows)
        figures.update(score(folder, rows))
        results[name] = figures
        print(name, json.dumps(figures), flush=True)
    with open(output, "w", encoding="utf-8") as f:
        json.dump({"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
