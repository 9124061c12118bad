#!/usr/bin/env bash
# The main job end to end: set up, train the emotion classifier on ../shared/data/emotion
# with the offline base model, evaluate it on the test split, show its card, predict.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
OUT=${OUT:-runs/emotion}
.venv/bin/distilkit train recipes/emotion.yaml --output-dir "$OUT" "$@"
.venv/bin/distilkit eval "$OUT" --data ../shared/data/emotion/test.txt --output "$OUT/eval_test.json"
head -n 40 "$OUT/README.md"
.venv/bin/distilkit predict "$OUT" "i feel so happy today" "this makes me furious" "i am scared of the dark" --top-k 2
