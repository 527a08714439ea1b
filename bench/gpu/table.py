"""Prints bench/gpu's ratio table (Markdown) from our and the reference's JSON results.

MFU counts the matrix-product FLOPs of each model per token (2 FLOP per multiply-add; attention at the measured mean
tokens per pair; training = 3 forward passes) against the H100 SXM's dense bf16 peak, 989 TFLOP/s.
Usage: python3 table.py OURS.json REFERENCE.json
"""
import json
import sys

PEAK_BF16 = 989e12
# (layers, hidden, intermediate, gated feed-forward): the GPU benchmark's two models.
SHAPES = {"bert-base": (12, 768, 3072, False), "modernbert-base": (22, 768, 1152, True)}


def forward_flops_per_pair(name, tokens):
    layers, h, i, gated = SHAPES[name]
    ffn = 2 * h * (2 * i) + 2 * i * h if gated else 4 * h * i
    per_token = layers * (2 * 4 * h * h + ffn + 4 * tokens * h)
    return per_token * tokens


def main():
    ours = json.load(open(sys.argv[1], encoding="utf-8"))
    reference = json.load(open(sys.argv[2], encoding="utf-8"))
    print(f"Device: {reference['device']}, torch {reference['torch']}; ours on {ours['device']}.\n")
    print("| model | what | ours pairs/s | reference pairs/s | ours / reference | ours MFU | reference MFU |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name in SHAPES:
        o, r = ours["results"].get(name), reference["results"].get(name)
        if o is None or r is None:
            continue
        for what, key, passes, tokens_key in (("training", "train_pairs_per_second", 3, "train_tokens_per_pair"),
                                              ("scoring", "score_pairs_per_second", 1, "train_tokens_per_pair")):
            mfu_o = o[key] * passes * forward_flops_per_pair(name, o[tokens_key]) / PEAK_BF16
            mfu_r = r[key] * passes * forward_flops_per_pair(name, r[tokens_key]) / PEAK_BF16
            print(f"| {name} | {what} | {o[key]:,.0f} | {r[key]:,.0f} | {o[key] / r[key]:.2f}× | {mfu_o:.1%} | {mfu_r:.1%} |")


if __name__ == "__main__":
    main()
