#!/usr/bin/env bash
# Reproduces the compact model shipped in the jar (vesselseg-core/src/main/resources/io/vesselseg/model/
# drive-compact.safetensors, `--model compact`; docs/compact.md): a tiny network distilled from the shipped
# ensemble on DRIVE's training images (3 held out for the checkpoint and threshold, fold 1 of seed 42), scored
# once on DRIVE test, STARE (all 20) and HRF (all 45), then exported with its figures and calibrated for int8
# (`vesselseg quantize`; its int8 figures are scored once too).
#
#   bash scripts/train-compact.sh [DATASETS_DIR] [OUT_DIR]     # defaults: ../shared/datasets runs/compact
#
# About 50 minutes on a quiet 2-core machine (the teacher's probabilities ~3 min, 3,200 steps ~35-45 min at
# 30-43 patches/s, scoring ~10 min); much longer when other jobs share the cores (74 min of training at 20
# patches/s beside another training job). Training uses one libtorch thread: on a busy 2-core machine two threads contended and ran 5x slower.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-../shared/datasets}"
OUT="${2:-runs/compact}"
RUN="$OUT/run"
mkdir -p "$OUT"

# the recipe (docs/compact.md): architecture, distillation, schedule
ARCH=(--depth 3 --base-channels 6)
./vesselseg train --data "$DATA/DRIVE" --out "$RUN" "${ARCH[@]}" --distill-from builtin --distill-weight 0.5 \
    --epochs 32 --steps-per-epoch 100 --patch-size 96 --batch-size 28 --precision fp32 --seed 42 --threads 1

./vesselseg evaluate --model "$RUN" --data "$DATA/DRIVE" --split test --json "$OUT/drive-test.json"
./vesselseg evaluate --model "$RUN" --data "$DATA/STARE" --split all --json "$OUT/stare-all.json"
./vesselseg evaluate --model "$RUN" --data "$DATA/HRF" --split all --json "$OUT/hrf-all.json"

./vesselseg export --model "$RUN" --figures "$OUT/drive-test.json" --out "$OUT/step1.safetensors" \
    --meta 'recipe=scripts/train-compact.sh: train --data DRIVE --depth 3 --base-channels 6 --distill-from builtin --distill-weight 0.5 --epochs 32 --steps-per-epoch 100 --patch-size 96 --batch-size 28 --precision fp32 --seed 42 --threads 1 (DRIVE training, 35/36/37 held out for the epoch and threshold); run c-unet-d3c6-kd-3200, docs/compact.md'
./vesselseg export --model "$OUT/step1.safetensors" --figures "$OUT/stare-all.json" --figures-key stare_all \
    --out "$OUT/step2.safetensors"
./vesselseg export --model "$OUT/step2.safetensors" --figures "$OUT/hrf-all.json" --figures-key hrf_all \
    --out "$OUT/step3.safetensors"
# int8: activation ranges from the 17 training photographs (the validation ones left out), then scored once
./vesselseg quantize --model "$OUT/step3.safetensors" --data "$DATA/DRIVE" --out "$OUT/drive-compact.safetensors"
rm -f "$OUT/step1.safetensors" "$OUT/step2.safetensors" "$OUT/step3.safetensors"
for set in "DRIVE test" "STARE all" "HRF all"; do
  read -r name split <<< "$set"
  ./vesselseg evaluate --model "$OUT/drive-compact.safetensors" --precision int8 --device cpu \
      --data "$DATA/$name" --split "$split" --json "$OUT/${name,,}-$split-int8.json"
done
echo "written $OUT/drive-compact.safetensors: copy it to vesselseg-core/src/main/resources/io/vesselseg/model/"
