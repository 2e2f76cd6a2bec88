#!/usr/bin/env bash
# One side-by-side benchmark session (docs/performance.md): Cajal "before" (a build in another worktree) and "after"
# (this checkout), alternating, with the anchors (FMA peak, PyTorch 1.13 with OpenBLAS's AVX-512 kernels, TorchSharp)
# in the middle, then Cajal's GEMM beside OpenBLAS in one process on 1 and 2 threads.
#   BEFORE=/work/wt-before OUT=/work/benchsession/x bench/session.sh
# BEFORE must hold a Release build of src/Cajal.Cli (git worktree add "$BEFORE" <rev>; dotnet build ... -c Release);
# this checkout needs Release builds of src/Cajal.Cli and bench/Cajal.Bench. Run it on an otherwise idle machine.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
OLD=${BEFORE:?set BEFORE to a worktree with a Release build of the CLI}/src/Cajal.Cli/bin/Release/net10.0/Cajal.Cli.dll
NEW=$ROOT/src/Cajal.Cli/bin/Release/net10.0/Cajal.Cli.dll
OUT=${OUT:?set OUT to the results folder}
mkdir -p "$OUT"
stamp() { echo "$(date -u +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg) $*" >> "$OUT/session.log"; }
stamp "start main=$(git rev-parse --short HEAD) before=$(git -C "$BEFORE" rev-parse --short HEAD)"
stamp "new pass 1"; dotnet "$NEW" bench --json > "$OUT/new1.jsonl" 2> "$OUT/new1.err"
stamp "old pass 1"; dotnet "$OLD" bench --json > "$OUT/old1.jsonl" 2> "$OUT/old1.err"
stamp "anchors"; OPENBLAS_CORETYPE=SkylakeX RESULTS="$OUT/anchors" PASSES=1 PT_VARIANTS=0 ANCHORS="peak pytorch torchsharp" ../shared/anchors/run.sh > "$OUT/anchors.log" 2>&1
stamp "old pass 2"; dotnet "$OLD" bench --json > "$OUT/old2.jsonl" 2> "$OUT/old2.err"
stamp "new pass 2"; dotnet "$NEW" bench --json > "$OUT/new2.jsonl" 2> "$OUT/new2.err"
GEMM=$ROOT/bench/Cajal.Bench/bin/Release/net10.0/Cajal.Bench.dll
stamp "gemm-vs-openblas"; for t in 1 2; do OPENBLAS_CORETYPE=SkylakeX dotnet "$GEMM" gemm-vs-openblas --threads $t >> "$OUT/gemm-vs-openblas.txt" 2>&1; done
stamp "done"
