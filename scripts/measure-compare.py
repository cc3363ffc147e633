#!/usr/bin/env python3
"""Compares the measurements.csv files that `vesselseg measure` wrote, photograph by photograph, against a
reference: per measure, the reference's mean, then for each other file the bias (mean of other - reference)
and Pearson's r over the photographs all files share. Prints a Markdown table. Standard library only.

usage: measure-compare.py REFERENCE.csv NAME=OTHER.csv [NAME=OTHER.csv ...]
"""
import csv
import math
import sys

MEASURES = ["area_density", "length_density_per_px", "calibre_median_px", "calibre_mean_px", "branch_points",
            "end_points", "tortuosity", "fractal_dimension"]


def read(path):
    with open(path, newline="") as f:
        return {row["photograph"]: row for row in csv.DictReader(f)}


def pearson(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else float("nan")


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    ref = read(argv[1])
    others = [(a.split("=", 1)[0], read(a.split("=", 1)[1])) for a in argv[2:]]
    names = sorted(set(ref).intersection(*[set(o) for _, o in others]))
    head = "| measure | reference mean | " + " | ".join(f"{n}: bias | {n}: r" for n, _ in others) + " |"
    print(f"{len(names)} photographs")
    print(head)
    print("|" + "---|" * (2 + 2 * len(others)))
    for m in MEASURES:
        keep = [p for p in names if ref[p][m] != "" and all(o[p][m] != "" for _, o in others)]
        r = [float(ref[p][m]) for p in keep]
        cells = [m, f"{sum(r) / len(r):.4g}"]
        for _, o in others:
            x = [float(o[p][m]) for p in keep]
            cells += [f"{sum(a - b for a, b in zip(x, r)) / len(r):+.4g}", f"{pearson(x, r):.3f}"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv)
