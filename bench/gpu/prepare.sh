#!/usr/bin/env bash
# Run HERE (the dev machine, which has .NET) before a device session: publishes the benchmark self-contained for
# linux-x64 without TorchSharp-cpu's libtorch (the device machine brings its own torch) into bench/gpu/.payload/
# (git-ignored), small enough to carry (≤ 64 MiB). See README.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
payload=bench/gpu/.payload
rm -rf "$payload" && mkdir -p "$payload"
dotnet publish bench/RerankExperiments.Bench -c Release -r linux-x64 --self-contained -o "$payload/bench" -v q -nologo
# libtorch and its companions come from the device's PyTorch; keep the TorchSharp binding (LibTorchSharp) as a fallback.
find "$payload/bench" \( -name 'libtorch*.so*' -o -name 'libc10*.so*' -o -name 'libgomp*.so*' -o -name 'libmkl*' -o -name 'libiomp*' \) -delete
rm -rf "$payload/bench/runtimes"
tar -C "$payload" -czf "$payload/bench.tar.gz" bench && rm -rf "$payload/bench"
du -h "$payload/bench.tar.gz"
