#!/usr/bin/env bash
# After the wide weight-gradient kernel (main 5a3e565): Cajal's conv and lenet workloads twice, the anchors in between.
set -u
cd /work/main
NEW=/work/main/src/Cajal.Cli/bin/Release/net10.0/Cajal.Cli.dll
OUT=${OUT:-/work/benchsession/stop9conv}
mkdir -p $OUT
stamp() { echo "$(date -u +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg) $*" >> $OUT/session.log; }
stamp "start main=$(git rev-parse --short HEAD)"
stamp "new pass 1"; dotnet $NEW bench --workloads conv,lenet --json > $OUT/new1.jsonl 2> $OUT/new1.err
stamp "anchors"; OPENBLAS_CORETYPE=SkylakeX RESULTS=$OUT/anchors PASSES=1 PT_VARIANTS=0 ANCHORS="pytorch torchsharp" ../shared/anchors/run.sh > $OUT/anchors.log 2>&1
stamp "new pass 2"; dotnet $NEW bench --workloads conv,lenet --json > $OUT/new2.jsonl 2> $OUT/new2.err
stamp "done"
