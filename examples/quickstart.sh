#!/usr/bin/env bash
# The main job on the embedded sample: train a small en-zh encoder on examples/data (273 everyday
# sentence pairs written for this project), encode the Chinese side, and show each English query's
# nearest Chinese sentences. Offline, about a minute on two CPU cores.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${ALIGN_QUICKSTART_DIR:-runs/quickstart}

# A tiny corpus needs many passes and small batches; on a real corpus the defaults fit.
align train --pairs en-zh --data examples/data --output "$out/model" \
    --epochs 40 --batch-size 32 --dim 256 --margin 0.3 --force
align embed --model "$out/model" examples/data/everyday.en-zh.zh "$out/everyday.zh.npy" --force
align neighbours --model "$out/model" examples/queries.en examples/data/everyday.en-zh.zh --top-k 2
