#!/usr/bin/env bash
# The transfer-learning table of docs/transfer.md, one cell per line: the shipped model without adaptation,
# fine-tuned from it (`--init builtin`) on K = 1, 2, 4 and all training photographs, and the same architecture
# from scratch on K = 4 and all with the same budget (350 steps), on STARE and HRF (on HRF also fine-tuned at twice
# DRIVE's scale, FOV diameter 1080 px, against the default 540; hrf1080-all-long: all at 1080 px for twice the
# steps, 700); each model scored once on the set's
# test photographs (FOV-masked, pooled, its own threshold picked on the run's validation photographs).
#
#   bash scripts/transfer.sh [DATASETS_DIR] [OUT_DIR]      # default ../shared/datasets, runs/transfer
#   CELLS="stare-k4 hrf-k4" bash scripts/transfer.sh       # only these cells
#
#   THREADS=1 bash scripts/transfer.sh                      # libtorch threads per training (two jobs side by side)
#
# A multi-set cell (stare-k4-rehearse: --data DRIVE,STARE) trains on both and is scored on the last set named;
# it and stare-k4 are also scored on DRIVE test (<cell>-drive.json: what the source forgets).
# A cell whose <OUT_DIR>/<cell>.json exists is skipped, so an interrupted run continues. Each training takes
# ~12 min on a quiet 2-core AVX512_BF16 Xeon (fp32); the whole table about 3 hours.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-../shared/datasets}"
OUT="${2:-runs/transfer}"
mkdir -p "$OUT"
BUDGET=(--steps-per-epoch 25 --patch-size 96 --batch-size 28 --precision fp32 --seed 42)
declare -A CELL=(
  [stare-k1]="STARE --init builtin --train-images 1"
  [stare-k2]="STARE --init builtin --train-images 2"
  [stare-k4]="STARE --init builtin --train-images 4"
  [stare-all]="STARE --init builtin"
  [stare-scratch-k4]="STARE --train-images 4"
  [stare-scratch-all]="STARE"
  [stare-k4-rehearse]="DRIVE,STARE --init builtin --train-images 4"
  [hrf-k4]="HRF --init builtin --train-images 4"
  [hrf1080-k4]="HRF --init builtin --train-images 4 --fov-diameter 1080"
  [hrf1080-all]="HRF --init builtin --fov-diameter 1080"
  [hrf1080-all-long]="HRF --init builtin --fov-diameter 1080"
  [hrf1080-k1]="HRF --init builtin --train-images 1 --fov-diameter 1080"
  [hrf1080-k2]="HRF --init builtin --train-images 2 --fov-diameter 1080"
  [hrf1080-scratch-k4]="HRF --train-images 4 --fov-diameter 1080"
  [hrf1080-scratch-all]="HRF --fov-diameter 1080"
)
declare -A EPOCHS=([hrf1080-all-long]=28)  # 25 steps each; 14 (350 steps) unless named here
FORGET=(stare-k4 stare-k4-rehearse)
ORDER=(stare-k1 stare-k2 stare-k4 stare-all stare-scratch-k4 stare-scratch-all stare-k4-rehearse hrf-k4 hrf1080-k1
  hrf1080-k2 hrf1080-k4 hrf1080-all hrf1080-scratch-k4 hrf1080-scratch-all hrf1080-all-long)
for set in STARE HRF; do  # the shipped ensemble, no adaptation
  name="$(echo "$set" | tr 'A-Z' 'a-z')-none"
  [ -f "$OUT/$name.json" ] || ./vesselseg evaluate --data "$DATA/$set" --split test --json "$OUT/$name.json"
done
for name in ${CELLS:-${ORDER[@]}}; do
  [ -f "$OUT/$name.json" ] && continue
  read -r sets args <<< "${CELL[$name]}"
  train="$(echo "$sets" | sed "s|[^,]*|$DATA/&|g")"  # DRIVE,STARE -> $DATA/DRIVE,$DATA/STARE
  target="${sets##*,}"                               # the last set named is the one scored
  # shellcheck disable=SC2086
  ./vesselseg train --data "$train" --epochs "${EPOCHS[$name]:-14}" "${BUDGET[@]}" $args ${THREADS:+--threads $THREADS} --out "$OUT/$name"
  ./vesselseg evaluate --model "$OUT/$name" --data "$DATA/$target" --split test --per-image --json "$OUT/$name.json"
  if [[ " ${FORGET[*]} " == *" $name "* ]]; then  # what the source forgets: scored on DRIVE test too
    ./vesselseg evaluate --model "$OUT/$name" --data "$DATA/DRIVE" --split test --json "$OUT/$name-drive.json"
  fi
done
for f in "$OUT"/*.json; do
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); p=d; print(f\"{sys.argv[1]:40s} F1 {p['f1']:.4f}  AUC {p['auc_roc']:.4f}\")" "$f"
done
