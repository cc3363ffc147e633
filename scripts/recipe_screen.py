#!/usr/bin/env python3
"""Screens training-recipe variants over the six DRIVE folds on a GPU, with a PyTorch mirror of the Java recipe.

A 55-minute CPU run of vesselseg makes about 3,200 AdamW steps; six folds of one recipe take 5.5 hours here.
This script runs the same recipe (torch_peer.UNet, patches centred on random FOV pixels with flips, quarter
turns and brightness/contrast/gamma jitter, BCE + batch soft Dice, AdamW with 200 warm-up steps and a cosine
decay, validation after every 100 steps) for a fixed number of steps on a GPU, many jobs at once, so a lever
can be screened on all six folds before it earns six CPU hours. It is a screen, not a result: a variant that
wins here is implemented (if it is not already) and judged by `vesselseg crossval` on CPU runs.

Folds are vesselseg's: a seeded shuffle of the 20 training images (java.util.Collections.shuffle with
java.util.Random(42) gives the order below), blocks of three held out. Variants change one thing against the
base recipe; `steps` is scaled where a variant costs more or less CPU time per step (see VARIANTS).

  recipe_screen.py --data DRIVE --out DIR [--variants base,lr4e-3,...] [--folds 1,2,...] [--workers 10]
                   [--max-seconds 420] [--steps-scale 1.0]

Prints one line per finished job and, at the end, a table per variant: pooled out-of-fold F1 (one threshold
over the 18 held-out images, the rule of `crossval --weights last`) and AUC-ROC of the last epoch, and the
means over folds of the best-epoch and last-five-epoch validation F1. Writes DIR/summary.json.
"""
import argparse
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_peer import UNet, soft_dice  # noqa: E402

# vesselseg's folds of --validation-images 3 (seed 42): fold k holds out FOLDS[k-1]; 30 and 31 are never held out
FOLDS = [[35, 36, 37], [26, 32, 34], [29, 38, 39], [23, 27, 28], [22, 24, 40], [21, 25, 33]]

BASE = dict(patch=96, batch=28, lr=2e-3, wd=1e-4, warmup=200, steps=3200, loss="bce+dice", depth=4, base=16,
            vessel_centre=0.0, jitter=True)
# one change each; steps scale with the variant's speed on the 2-core CPU relative to the base (Java `train`,
# fp32, 25-step epochs, 2026-11-27: base 28.2 patches/s, base 12 29.5, base 24 11.5, depth 3 30.6, 63 x 64²
# 64.2, i.e. 1.02 steps/s against the base's 1.01), so each variant gets what 55 CPU minutes would give it
VARIANTS = {
    "base": {},
    "bce": dict(loss="bce"),
    "lr4e-3": dict(lr=4e-3),
    "p64b63": dict(patch=64, batch=63),
    "vessel50": dict(vessel_centre=0.5),
    "steps2x": dict(steps=6400),
    "base24": dict(base=24, steps=1300),
    "depth3": dict(depth=3, steps=3480),
    "lr1e-3": dict(lr=1e-3),
    "base12": dict(base=12, steps=3360),
    "wd1e-2": dict(wd=1e-2),
    "nojitter": dict(jitter=False),
}


def load_drive(root):
    """{id: (rgb [3,H,W] float32 in [0,1], vessel [H,W] uint8, fov [H,W] uint8)} of DRIVE's training images."""
    out = {}
    for i in range(21, 41):
        rgb = np.asarray(Image.open(f"{root}/training/images/{i}_training.tif").convert("RGB"), np.float32) / 255
        ves = np.asarray(Image.open(f"{root}/training/1st_manual/{i}_manual1.gif").convert("L")) > 127
        fov = np.asarray(Image.open(f"{root}/training/mask/{i}_training_mask.gif").convert("L")) > 127
        out[i] = (rgb.transpose(2, 0, 1).copy(), ves.astype(np.uint8), fov.astype(np.uint8))
    return out


def curve_stats(prob, truth):
    """Exact F1-maximising threshold (predict vessel where prob >= t), its F1, and AUC-ROC, over 1-D tensors."""
    p, order = torch.sort(prob.float(), descending=True)
    y = truth[order].float()
    tp = torch.cumsum(y, 0)
    fp = torch.cumsum(1 - y, 0)
    last = torch.ones_like(p, dtype=torch.bool)  # the last index of each run of equal scores
    last[:-1] = p[1:] != p[:-1]
    tp, fp, p = tp[last], fp[last], p[last]
    npos, nneg = tp[-1], fp[-1]
    f1 = 2 * tp / (tp + fp + npos)
    k = int(torch.argmax(f1))
    tpr = torch.cat([torch.zeros(1, device=p.device), tp / npos])
    fpr = torch.cat([torch.zeros(1, device=p.device), fp / nneg])
    auc = torch.trapz(tpr, fpr)
    return float(p[k]), float(f1[k]), float(auc)


_DATA = None


def job(variant, fold, seed, data_root, out_dir, steps_scale, device):
    global _DATA
    torch.set_num_threads(1)
    torch.backends.cudnn.benchmark = True
    if _DATA is None:
        _DATA = load_drive(data_root)
    cfg = dict(BASE, **VARIANTS[variant])
    steps = int(round(cfg["steps"] * steps_scale))
    held = FOLDS[fold - 1]
    train_ids = [i for i in range(21, 41) if i not in held]
    dev = torch.device(device)
    g = torch.Generator().manual_seed(seed * 1000 + fold)
    torch.manual_seed(seed * 1000 + fold)

    imgs = torch.from_numpy(np.stack([_DATA[i][0] for i in train_ids])).to(dev)
    ves = torch.from_numpy(np.stack([_DATA[i][1] for i in train_ids])).to(dev).float()
    n, _, h, w = imgs.shape
    fov_idx = [torch.from_numpy(np.flatnonzero(_DATA[i][2])) for i in train_ids]
    ves_idx = [torch.from_numpy(np.flatnonzero(_DATA[i][1] & _DATA[i][2])) for i in train_ids]
    fov_all = np.concatenate([_DATA[i][0][:, _DATA[i][2] != 0] for i in train_ids], axis=1)
    mean, std = fov_all.mean(1).tolist(), fov_all.std(1).tolist()

    net = UNet(cfg["depth"], cfg["base"], mean, std).to(dev)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg["lr"], weight_decay=cfg["wd"])
    P, B = cfg["patch"], cfg["batch"]
    ar = torch.arange(P, device=dev)
    warm = min(cfg["warmup"], steps // 10)

    vx = torch.from_numpy(np.stack([_DATA[i][0] for i in held])).to(dev)
    vfov = torch.from_numpy(np.stack([_DATA[i][2] for i in held])).to(dev).bool()
    vy = torch.from_numpy(np.stack([_DATA[i][1] for i in held])).to(dev)[vfov]

    def batch():
        si = torch.randint(n, (B,), generator=g)
        from_vessel = torch.rand(B, generator=g) < cfg["vessel_centre"]
        centres = []
        for b in range(B):
            pool = ves_idx[si[b]] if from_vessel[b] else fov_idx[si[b]]
            centres.append(int(pool[torch.randint(len(pool), (1,), generator=g)]))
        c = torch.tensor(centres)
        x0 = (c % w - P // 2).clamp(0, w - P).to(dev)
        y0 = (c // w - P // 2).clamp(0, h - P).to(dev)
        rows = (y0[:, None] + ar)[:, None, :, None]
        cols = (x0[:, None] + ar)[:, None, None, :]
        sid = si.to(dev)[:, None, None, None]
        x = imgs[sid, torch.arange(3, device=dev)[None, :, None, None], rows, cols]
        y = ves[sid[:, 0], rows[:, 0], cols[:, 0]][:, None]
        rot = torch.randint(4, (B,), generator=g)
        flip = torch.rand(B, generator=g) < 0.5
        for k in range(1, 4):
            sel = (rot == k).to(dev)
            if sel.any():
                x[sel] = torch.rot90(x[sel], k, (2, 3))
                y[sel] = torch.rot90(y[sel], k, (2, 3))
        fl = flip.to(dev)
        x[fl] = x[fl].flip(3)
        y[fl] = y[fl].flip(3)
        if cfg["jitter"]:
            u = (torch.rand(B, 3, generator=g) * 2 - 1).to(dev)
            bright = (0.08 * u[:, 0]).view(B, 1, 1, 1)
            contrast = (1 + 0.15 * u[:, 1]).view(B, 1, 1, 1)
            gamma = torch.exp(0.2 * u[:, 2]).view(B, 1, 1, 1)
            x = ((x - 0.5) * contrast + 0.5 + bright).clamp(0, 1).pow(gamma)
        return x.contiguous(), y.contiguous()

    def validate():
        net.eval()
        with torch.no_grad():
            prob = torch.sigmoid(net(vx))[:, 0][vfov]
        net.train()
        thr, f1, auc = curve_stats(prob, vy)
        return prob, thr, f1, auc

    t0 = time.time()
    history = []
    best = (-1.0, None, None)
    net.train()
    for s in range(steps):
        wf = 1.0 if warm == 0 else min(1.0, (s + 1) / warm)
        prog = max(0, s - warm) / max(1, steps - warm)
        for grp in opt.param_groups:
            grp["lr"] = cfg["lr"] * wf * 0.5 * (1 + math.cos(math.pi * min(1.0, prog)))
        x, y = batch()
        logits = net(x)
        loss = F.binary_cross_entropy_with_logits(logits, y)
        if cfg["loss"] == "bce+dice":
            loss = loss + soft_dice(logits, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if (s + 1) % 100 == 0 or s + 1 == steps:
            prob, thr, f1, auc = validate()
            history.append(dict(step=s + 1, f1=f1, auc=auc, thr=thr, loss=loss.item()))
            if f1 > best[0]:
                best = (f1, prob.half().cpu(), thr)
    prob_last = prob.half().cpu()
    tag = f"{variant}_f{fold}_s{seed}"
    torch.save(dict(last=prob_last, best=best[1], truth=vy.cpu()), os.path.join(out_dir, tag + ".pt"))
    f1s = [e["f1"] for e in history]
    res = dict(variant=variant, fold=fold, seed=seed, steps=steps, seconds=round(time.time() - t0, 1),
               best_f1=max(f1s), best_step=history[int(np.argmax(f1s))]["step"], last_f1=f1s[-1],
               last5_mean=float(np.mean(f1s[-5:])), last_auc=history[-1]["auc"], last_thr=history[-1]["thr"],
               history=history)
    with open(os.path.join(out_dir, tag + ".json"), "w") as f:
        json.dump(res, f)
    return res


def summarise(results, out_dir, device):
    rows = {}
    for r in results:
        rows.setdefault((r["variant"], r["seed"]), []).append(r)
    summary = []
    for (variant, seed), rs in rows.items():
        rs.sort(key=lambda r: r["fold"])
        row = dict(variant=variant, seed=seed, folds=[r["fold"] for r in rs], steps=rs[0]["steps"],
                   best_f1_mean=float(np.mean([r["best_f1"] for r in rs])),
                   last5_mean=float(np.mean([r["last5_mean"] for r in rs])),
                   per_fold_last5=[round(r["last5_mean"], 4) for r in rs],
                   seconds_mean=float(np.mean([r["seconds"] for r in rs])))
        for which in ("last", "best"):
            probs, truths = [], []
            for r in rs:
                d = torch.load(os.path.join(out_dir, f"{variant}_f{r['fold']}_s{seed}.pt"))
                probs.append(d[which].float())
                truths.append(d["truth"])
            thr, f1, auc = curve_stats(torch.cat(probs).to(device), torch.cat(truths).to(device))
            row[f"pooled_{which}"] = dict(threshold=thr, f1=f1, auc=auc)
        summary.append(row)
    summary.sort(key=lambda r: -r["pooled_last"]["f1"])
    print(f"\n{'variant':<14} seed folds steps  pooled-last F1 / AUC   pooled-best F1   best-mean  last5-mean")
    for r in summary:
        print(f"{r['variant']:<14} {r['seed']:>4} {len(r['folds']):>5} {r['steps']:>5}  "
              f"{r['pooled_last']['f1']:.4f} / {r['pooled_last']['auc']:.4f}   {r['pooled_best']['f1']:.4f}"
              f"           {r['best_f1_mean']:.4f}     {r['last5_mean']:.4f}  {r['per_fold_last5']}")
    with open(os.path.join(out_dir, "summary.json"), "w") as f:
        json.dump(dict(device=torch.cuda.get_device_name() if device == "cuda" else "cpu",
                       torch=torch.__version__, base=BASE, variants=VARIANTS, rows=summary), f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--folds", default="1,2,3,4,5,6")
    ap.add_argument("--seeds", default="42")
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--max-seconds", type=float, default=420, help="no job starts after this")
    ap.add_argument("--steps-scale", type=float, default=1.0, help="multiplies every variant's steps")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args()
    variants = args.variants.split(",")
    for v in variants:
        if v not in VARIANTS:
            sys.exit(f"unknown variant '{v}': expected one of {', '.join(VARIANTS)}")
    os.makedirs(args.out, exist_ok=True)
    jobs = [(v, int(f), int(s)) for s in args.seeds.split(",") for v in variants for f in args.folds.split(",")]
    start = time.time()
    results = []
    ctx = torch.multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.workers, mp_context=ctx) as pool:
        pending = {}
        queue = list(jobs)
        while queue or pending:
            while queue and len(pending) < args.workers and time.time() - start < args.max_seconds:
                v, f, s = queue.pop(0)
                pending[pool.submit(job, v, f, s, args.data, args.out, args.steps_scale, args.device)] = (v, f, s)
            if not pending:
                break
            done = next(as_completed(pending))
            pending.pop(done)
            r = done.result()
            results.append(r)
            print(f"{time.time() - start:6.0f}s {r['variant']:<14} fold {r['fold']} seed {r['seed']}: best "
                  f"{r['best_f1']:.4f} (step {r['best_step']}), last {r['last_f1']:.4f}, last5 {r['last5_mean']:.4f},"
                  f" AUC {r['last_auc']:.4f}, {r['seconds']:.0f} s", flush=True)
    if queue:
        print(f"time up: {len(queue)} jobs not started: {queue}")
    summarise(results, args.out, args.device)


if __name__ == "__main__":
    main()
