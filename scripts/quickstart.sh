#!/usr/bin/env bash
# The main job end to end: set up .venv, train the emotion classifier on ../shared/data/emotion with the
# offline base model, evaluate it on the test split, show its model card, predict. Needs no root, no browser.
#
#   bash scripts/quickstart.sh                # trains into runs/emotion (OUT=DIR or --output-dir DIR: elsewhere)
#   bash scripts/quickstart.sh --overwrite    # train again, replacing the finished model there
#   bash scripts/quickstart.sh --epochs 1     # other `distilkit train` flags pass through
#
# A second run reuses the finished model in the output folder (it holds training_summary.json): one line says
# so and training is skipped (other train flags are then ignored), unless you pass --overwrite. A run stopped
# part way continues from its last checkpoint (--resume auto is passed unless you give --resume or --overwrite).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
OUT=${OUT:-runs/emotion}
OVERWRITE=false RESUME=false
ARGS=("$@")
for ((i = 0; i < ${#ARGS[@]}; i++)); do
  case "${ARGS[i]}" in
    --overwrite) OVERWRITE=true ;;
    --resume|--resume=*) RESUME=true ;;
    --output-dir) OUT=${ARGS[i + 1]:-$OUT} ;;
    --output-dir=*) OUT=${ARGS[i]#--output-dir=} ;;
  esac
done
if [ -f "$OUT/training_summary.json" ] && ! $OVERWRITE; then
  echo "$OUT already holds a finished model (training_summary.json): reusing it without training;" \
       "pass --overwrite to train again"
else
  $OVERWRITE || $RESUME || ARGS+=(--resume auto)
  .venv/bin/distilkit train recipes/emotion.yaml --output-dir "$OUT" ${ARGS[@]+"${ARGS[@]}"}
fi
.venv/bin/distilkit eval "$OUT" --data ../shared/data/emotion/test.txt --output "$OUT/eval_test.json"
# The card's readable part: its body after the YAML front matter (the metadata between the two --- lines).
awk 'NR == 1 && $0 == "---" { meta = 1; next }
     meta { if ($0 == "---") meta = 0; next }
     !body && /^[[:space:]]*$/ { next }
     { body = 1; print; if (++shown == 40) exit }' "$OUT/README.md"
echo "... (the whole card: $OUT/README.md)"
.venv/bin/distilkit predict "$OUT" "i feel so happy today" "this makes me furious" "i am scared of the dark" --top-k 2
