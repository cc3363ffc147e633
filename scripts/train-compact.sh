#!/usr/bin/env bash
# Reproduces the compact model shipped in the jar (vesselseg-core/src/main/resources/io/vesselseg/model/
# drive-compact.safetensors, `--model compact`; docs/compact.md): a tiny network distilled from the shipped
# ensemble on DRIVE's training images (3 held out for the checkpoint and threshold, fold 1 of seed 42), scored
# once on DRIVE test, STARE and HRF, then exported with its figures.
#
#   bash scripts/train-compact.sh [DATASETS_DIR] [OUT_DIR]     # defaults: ../shared/datasets runs/compact
#
# About 45 minutes on 2 shared cores (the teacher's probabilities ~3 min, 1,200 steps ~30-40 min, scoring a few
# minutes). Training uses one libtorch thread: on a busy 2-core machine two threads contended and ran 5x slower.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-../shared/datasets}"
OUT="${2:-runs/compact}"
RUN="$OUT/run"
mkdir -p "$OUT"

# the recipe (docs/compact.md): architecture, distillation, schedule
ARCH=(--depth 3 --base-channels 4 --refine-depth 3 --refine-channels 4)
./vesselseg train --data "$DATA/DRIVE" --out "$RUN" "${ARCH[@]}" --distill-from builtin --distill-weight 0.5 \
    --epochs 12 --steps-per-epoch 100 --patch-size 96 --batch-size 28 --precision fp32 --seed 42 --threads 1

./vesselseg evaluate --model "$RUN" --data "$DATA/DRIVE" --split test --json "$OUT/drive-test.json"
./vesselseg evaluate --model "$RUN" --data "$DATA/STARE" --split all --json "$OUT/stare-all.json"
./vesselseg evaluate --model "$RUN" --data "$DATA/HRF" --split test --json "$OUT/hrf-test.json"

./vesselseg export --model "$RUN" --figures "$OUT/drive-test.json" --out "$OUT/step1.safetensors" \
    --meta 'recipe=scripts/train-compact.sh: train --depth 3 --base-channels 4 --refine-depth 3 --refine-channels 4 --distill-from builtin --distill-weight 0.5 --epochs 12 --steps-per-epoch 100 --patch-size 96 --batch-size 28 --precision fp32 --seed 42 on DRIVE training (3 images held out)'
./vesselseg export --model "$OUT/step1.safetensors" --figures "$OUT/stare-all.json" --figures-key stare_all \
    --out "$OUT/step2.safetensors"
./vesselseg export --model "$OUT/step2.safetensors" --figures "$OUT/hrf-test.json" --figures-key hrf_test \
    --out "$OUT/drive-compact.safetensors"
rm -f "$OUT/step1.safetensors" "$OUT/step2.safetensors"
echo "written $OUT/drive-compact.safetensors: copy it to vesselseg-core/src/main/resources/io/vesselseg/model/"
