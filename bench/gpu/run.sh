#!/usr/bin/env bash
# Run THERE (the device machine), from the repository root, with bench/gpu/.payload (and, if fetched,
# bench/gpu/.torchsharp-native) carried: our GPU benchmark and the PyTorch reference on the same models and data
# in one call, then the ratio table. Results go to $OUT (the device tool's output folder) or bench/gpu/out.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out=${OUT:-bench/gpu/out}
mkdir -p "$out"
exec > >(tee "$out/log.txt") 2>&1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
torch_lib=$(python3 -c "import torch, os; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))")
python3 -c "import torch, transformers, sentence_transformers as st; print('torch', torch.__version__, 'transformers', transformers.__version__, 'sentence-transformers', st.__version__)"

work=$(mktemp -d)/work
bench_dir=$(mktemp -d)
tar -C "$bench_dir" -xzf bench/gpu/.payload/bench.tar.gz
bench="$bench_dir/bench/RerankExperiments.Bench"

# TorchSharp's native binding must match the device's libtorch: build it from TorchSharp's own sources when they
# were carried (DESIGN.md, GPU), else try the published one (built for libtorch 2.10).
if [ -d bench/gpu/.torchsharp-native/LibTorchSharp ]; then
  build=$(mktemp -d)
  cmake -S bench/gpu/.torchsharp-native/LibTorchSharp -B "$build" -DCMAKE_PREFIX_PATH="$(python3 -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')" -DCMAKE_BUILD_TYPE=Release >/dev/null \
    && cmake --build "$build" -j 16 >/dev/null && cp "$build"/libLibTorchSharp.so "$bench_dir/bench/" && echo "built LibTorchSharp against $torch_lib"
fi
export LD_LIBRARY_PATH="$bench_dir/bench:$torch_lib:${LD_LIBRARY_PATH:-}"
export DOTNET_ROOT="$bench_dir/bench"

"$bench" gpu prepare "$work" || { echo "prepare failed: nothing to compare"; exit 1; }
ours_ok=1
"$bench" gpu run "$work" "$out/ours.json" --device cuda || { ours_ok=0; echo "our GPU run failed (see above)"; }
python3 bench/gpu/reference.py "$work" "$out/reference.json"
if [ $ours_ok = 1 ]; then python3 bench/gpu/table.py "$out/ours.json" "$out/reference.json" | tee "$out/table.md"; fi
