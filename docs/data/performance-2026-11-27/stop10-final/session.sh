#!/usr/bin/env bash
# One side-by-side session: Cajal at the start of stop 10 (fe18e86, stop 9's final main) and after (main),
# alternating, with the anchors (FMA peak, PyTorch 1.13 with OpenBLAS's AVX-512 kernels, TorchSharp) in the middle.
set -u
cd /work/main
OLD=/work/wt-before/src/Cajal.Cli/bin/Release/net10.0/Cajal.Cli.dll
NEW=/work/main/src/Cajal.Cli/bin/Release/net10.0/Cajal.Cli.dll
OUT=${OUT:-/work/benchsession/stop10}
mkdir -p $OUT
stamp() { echo "$(date -u +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg) $*" >> $OUT/session.log; }
stamp "start main=$(git rev-parse --short HEAD)"
stamp "new pass 1"; dotnet $NEW bench --json > $OUT/new1.jsonl 2> $OUT/new1.err
stamp "old pass 1"; dotnet $OLD bench --json > $OUT/old1.jsonl 2> $OUT/old1.err
stamp "anchors"; OPENBLAS_CORETYPE=SkylakeX RESULTS=$OUT/anchors PASSES=1 PT_VARIANTS=0 ANCHORS="peak pytorch torchsharp" ../shared/anchors/run.sh > $OUT/anchors.log 2>&1
stamp "old pass 2"; dotnet $OLD bench --json > $OUT/old2.jsonl 2> $OUT/old2.err
stamp "new pass 2"; dotnet $NEW bench --json > $OUT/new2.jsonl 2> $OUT/new2.err
# Cajal's GEMM and OpenBLAS interleaved in one process (bench/Cajal.Bench gemm-vs-openblas), 1 and 2 threads.
GEMM=/work/main/bench/Cajal.Bench/bin/Release/net10.0/Cajal.Bench.dll
stamp "gemm-vs-openblas"; for t in 1 2; do OPENBLAS_CORETYPE=SkylakeX dotnet $GEMM gemm-vs-openblas --threads $t >> $OUT/gemm-vs-openblas.txt 2>&1; done
stamp "done"
