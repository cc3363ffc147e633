#!/usr/bin/env bash
# Re-makes the DRIVE test comparison in docs/measure.md: the measurements of the built-in model's masks and of
# the second observer's, each against the first observer's (1st_manual), all inside DRIVE's own FOV masks.
# usage: scripts/measure-drive.sh [DRIVE folder] [output folder] [extra measure options, e.g. --members 1]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DRIVE="${1:-$HERE/../shared/datasets/DRIVE}"
OUT="${2:-$HERE/target/measure-drive}"
shift $(( $# > 2 ? 2 : $# ))
T="$DRIVE/test"
"$HERE/vesselseg" measure --input "$T/images" --fov "$T/mask" --masks "$T/1st_manual" --output "$OUT/manual1"
"$HERE/vesselseg" measure --input "$T/images" --fov "$T/mask" --masks "$T/2nd_manual" --output "$OUT/manual2"
"$HERE/vesselseg" measure --input "$T/images" --fov "$T/mask" --output "$OUT/model" "$@"
python3 "$HERE/scripts/measure-compare.py" "$OUT/manual1/measurements.csv" \
  "model=$OUT/model/measurements.csv" "2nd observer=$OUT/manual2/measurements.csv"
