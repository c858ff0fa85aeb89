#!/usr/bin/env bash
# The main job on the embedded sample, offline, in about a minute on two CPU cores:
#   1. train a small en-zh encoder on examples/data (273 everyday sentence pairs written for this project);
#   2. encode the Chinese side and show each English query's nearest Chinese sentences;
#   3. mine the English side against the Chinese side as if their pairing were unknown, and score the
#      mined pairs against the true pairing (line i of one file translates line i of the other). The model
#      trained on most of these pairs, so this shows the mechanics; benchmarks/ measures held-out quality.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${ALIGN_QUICKSTART_DIR:-runs/quickstart}
en=examples/data/everyday.en-zh.en
zh=examples/data/everyday.en-zh.zh

# A tiny corpus needs many passes and small batches; on a real corpus the defaults fit.
align train --pairs en-zh --data examples/data --output "$out/model" --epochs 40 --batch-size 32 --dim 256 --force
align embed --model "$out/model" "$zh" "$out/everyday.zh.npy" --force
align neighbours --model "$out/model" examples/queries.en "$zh" --top-k 2

echo
awk '{ print NR "\t" NR }' "$en" > "$out/gold.tsv"
align mine --model "$out/model" --src "$en" --tgt "$zh" --output "$out/mined.tsv" --gold "$out/gold.tsv" --force
echo "Best mined pairs (score, English, Chinese):"
head -n 5 "$out/mined.tsv"
