#!/usr/bin/env python3
"""Screens training-recipe variants over the six DRIVE folds on a GPU, with a PyTorch mirror of the Java recipe.

A 55-minute CPU run of vesselseg makes about 3,200 AdamW steps; six folds of one recipe take 5.5 hours here.
This script runs the same recipe (torch_peer.UNet, patches centred on random FOV pixels with flips, quarter
turns and brightness/contrast/gamma jitter, BCE + batch soft Dice, AdamW with 200 warm-up steps and a cosine
decay, validation after every 100 steps) for a fixed number of steps on a GPU, so a lever can be screened on
all six folds before it earns six CPU hours. One process trains the folds of a variant together as one
grouped network (GroupedUNet: each convolution grouped by fold, so six small nets cost the kernel launches of
one; checked against six separate torch_peer.UNets at every start), and several processes run at once. It is
a screen, not a result: a variant that wins here is implemented (if it is not already) and judged by
`vesselseg crossval` on CPU runs.

Folds are vesselseg's: a seeded shuffle of the 20 training images (java.util.Collections.shuffle with
java.util.Random(42) gives the order below), blocks of three held out. Variants change one thing against the
base recipe; `steps` is scaled where a variant costs more or less CPU time per step (see VARIANTS).

  recipe_screen.py --data DRIVE --out DIR [--variants base,lr4e-3,...] [--folds 1,2,...] [--seeds 42,43]
                   [--group 6] [--workers 8] [--threads 1] [--max-seconds 420] [--steps-scale 1.0]
                   [--progress] [--check]

--group 1 trains one fold per process (how docs/lab/screens/2026-11-27-*.json were made: 12 such processes at once
on an H200 took ~415 s for 3,200 steps each). Without a GPU it runs on the CPU, as slowly as the Java tool
(2 cores: `--group 1 --workers 2 --threads 1`, ~2.65 s per step per fold for the W-Net on an AVX2 EPYC,
1.0 s on an AVX-512 one; a grouped net is no faster there), which makes a variant quick to write and probe
on one or two folds before it is built in Java.

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
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_peer import UNet, cropped, normalised_and_padded  # noqa: E402

# vesselseg's folds of --validation-images 3 (seed 42): fold k holds out FOLDS[k-1]; 30 and 31 are never held out
FOLDS = [[35, 36, 37], [26, 32, 34], [29, 38, 39], [23, 27, 28], [22, 24, 40], [21, 25, 33]]

BASE = dict(patch=96, batch=28, lr=2e-3, wd=1e-4, warmup=200, steps=3200, loss="bce+dice", depth=4, base=16,
            vessel_centre=0.0, jitter=True, stage2=None, dropblock=0.0)
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
    "dropblock0.05": dict(dropblock=0.05),
    "dropblock0.1": dict(dropblock=0.1),
    # W-Nets: a second U-Net (depth, base) reads the photograph and the first's probabilities
    "wnet8": dict(stage2=(4, 8), steps=2560),
    "wnet16": dict(stage2=(4, 16), steps=1600),
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


class DropBlock(nn.Module):
    """vesselseg's DropBlock (model/DropBlock.java): in training, 7x7 blocks (clipped to the map's largest odd
    side) zeroed at centres drawn with probability rate / s^2 * HW / ((H-s+1)(W-s+1)), one mask per sample for
    all channels (here: for all K models' channels), the rest rescaled to keep the mean. Identity at rate 0 and
    in eval mode."""

    def __init__(self, rate):
        super().__init__()
        self.rate = rate

    def forward(self, x):
        if not self.training or self.rate <= 0:
            return x
        h, w = x.shape[2], x.shape[3]
        side = min(7, h, w)
        side -= 1 - side % 2
        gamma = min(1.0, self.rate / side ** 2 * h * w / ((h - side + 1) * (w - side + 1)))
        centres = torch.bernoulli(torch.full_like(x[:, :1], gamma))
        keep = 1 - F.max_pool2d(centres, side, 1, side // 2)
        return x * keep * (keep.numel() / keep.sum().clamp_min(1.0))


class GroupedUNet(nn.Module):
    """K independent torch_peer.UNets computed as one: every convolution is grouped by model, so K folds train
    with the kernels (and kernel launches) of one wider net. Input [N, K*C, H, W] (model k reads channels
    Ck..Ck+C-1; C = 3 for RGB), logits [N, K, H, W]. BatchNorm statistics, AdamW moments and gradients are per
    channel, hence per model: training the sum of the K losses trains each model on its own loss."""

    def __init__(self, k, depth, base, means, stds, channels=3, dropblock=0.0):
        super().__init__()
        self.k, self.depth = k, depth

        def block(cin, cout):
            return nn.Sequential(nn.Conv2d(k * cin, k * cout, 3, padding=1, bias=False, groups=k),
                                 DropBlock(dropblock), nn.BatchNorm2d(k * cout), nn.ReLU(),
                                 nn.Conv2d(k * cout, k * cout, 3, padding=1, bias=False, groups=k),
                                 DropBlock(dropblock), nn.BatchNorm2d(k * cout), nn.ReLU())

        self.enc = nn.ModuleList()
        cin = channels
        for level in range(depth):
            self.enc.append(block(cin, base << level))
            cin = base << level
        self.bottleneck = block(cin, base << depth)
        self.ups, self.decs = nn.ModuleList(), nn.ModuleList()
        for level in range(depth - 1, -1, -1):
            c = base << level
            self.ups.append(nn.ConvTranspose2d(k * 2 * c, k * c, 2, stride=2, groups=k))
            self.decs.append(block(2 * c, c))
        self.head = nn.Conv2d(k * base, k, 1, groups=k)
        self.register_buffer("norm_mean", torch.tensor(means, dtype=torch.float32).view(1, channels * k, 1, 1))
        self.register_buffer("norm_std", torch.tensor(stds, dtype=torch.float32).view(1, channels * k, 1, 1))

    def cat(self, a, b):
        """Per model, a's channels then b's, as grouped convolutions expect them."""
        n, _, h, w = a.shape
        return torch.cat([a.view(n, self.k, -1, h, w), b.view(n, self.k, -1, h, w)], 2).view(n, -1, h, w)

    def forward(self, x):
        h, w = x.shape[2], x.shape[3]
        x = normalised_and_padded(x, self.norm_mean, self.norm_std, 1 << self.depth)
        skips = []
        for enc in self.enc:
            x = enc(x)
            skips.append(x)
            x = F.max_pool2d(x, 2, 2)
        x = self.bottleneck(x)
        for up, dec, skip in zip(self.ups, self.decs, reversed(skips)):
            x = dec(self.cat(skip, up(x)))
        return cropped(self.head(x), h, w)

    def load_single(self, i, net):
        """Copies torch_peer.UNet `net` into model slot i (for the equivalence check)."""
        singles = [getattr(net, f"enc{l}") for l in range(self.depth)] + [net.bottleneck]
        singles += [getattr(net, f"dec{l}") for l in net.levels]
        grouped = list(self.enc) + [self.bottleneck] + list(self.decs)
        with torch.no_grad():
            for sb, gb in zip(singles, grouped):
                for src, dst in ((sb.c1, gb[0]), (sb.c2, gb[4])):
                    n = src.weight.shape[0]
                    dst.weight[i * n:(i + 1) * n] = src.weight
                for src, dst in ((sb.b1, gb[2]), (sb.b2, gb[6])):
                    n = src.weight.shape[0]
                    for name in ("weight", "bias", "running_mean", "running_var"):
                        getattr(dst, name)[i * n:(i + 1) * n] = getattr(src, name)
            for level, up in zip(net.levels, self.ups):
                src = getattr(net, f"up{level}")
                n = src.weight.shape[0]
                up.weight[i * n:(i + 1) * n] = src.weight
                m = src.bias.shape[0]
                up.bias[i * m:(i + 1) * m] = src.bias
            self.head.weight[i:i + 1] = net.head.weight
            self.head.bias[i:i + 1] = net.head.bias
            self.norm_mean[0, 3 * i:3 * i + 3] = net.norm_mean.view(3, 1, 1)
            self.norm_std[0, 3 * i:3 * i + 3] = net.norm_std.view(3, 1, 1)


class GroupedWNet(nn.Module):
    """Two GroupedUNets in a row (a W-Net, as in Galdran et al.'s Little W-Net): the second reads each model's
    photograph and the first's vessel probability. forward gives (second's logits, first's logits); both are
    trained, the second's are the prediction."""

    def __init__(self, k, depth, base, means, stds, depth2, base2):
        super().__init__()
        self.first = GroupedUNet(k, depth, base, means, stds)
        m2 = [v for i in range(k) for v in means[3 * i:3 * i + 3] + [0.0]]
        s2 = [v for i in range(k) for v in stds[3 * i:3 * i + 3] + [1.0]]
        self.second = GroupedUNet(k, depth2, base2, m2, s2, channels=4)

    def forward(self, x):
        first = self.first(x)
        return self.second(self.first.cat(x, torch.sigmoid(first))), first


def check_grouped():
    """GroupedUNet with K copied torch_peer.UNets gives each one's logits (train and eval mode)."""
    torch.manual_seed(0)
    nets = [UNet(2, 4, [0.1 * i, 0.2, 0.3], [0.5, 0.4, 0.3 + 0.1 * i]) for i in range(3)]
    g = GroupedUNet(3, 2, 4, [0.0] * 9, [1.0] * 9)
    for i, net in enumerate(nets):
        for bn in [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]:
            bn.running_mean.uniform_(-0.1, 0.1)
            bn.running_var.uniform_(0.5, 1.5)
            bn.weight.data.uniform_(0.5, 1.5)
        g.load_single(i, net)
    x = torch.rand(2, 9, 27, 35)  # not a multiple of 4: the padding and cropping are checked too
    worst = 0.0
    with torch.no_grad():
        for train in (False, True):
            g.train(train)
            out = g(x)
            for i, net in enumerate(nets):
                net.train(train)
                worst = max(worst, float((net(x[:, 3 * i:3 * i + 3])[:, 0] - out[:, i]).abs().max()))
    print(f"grouped U-Net vs separate U-Nets: max |logit difference| {worst:.2e}")
    if worst > 1e-4:
        sys.exit("grouped U-Net does not reproduce the separate U-Nets")


def prediction(out):
    """The logits a net's forward output predicts with (a W-Net's second stage)."""
    return out[0] if isinstance(out, tuple) else out


def loss_per_model(logits, y, loss):
    """[K] losses of logits [N, K, H, W] against y: mean BCE, plus soft Dice over the batch for bce+dice."""
    per_model = F.binary_cross_entropy_with_logits(logits, y, reduction="none").mean((0, 2, 3))
    if loss == "bce+dice":
        p = torch.sigmoid(logits)
        per_model = per_model + 1 - (2 * (p * y).sum((0, 2, 3)) + 1) / (p.sum((0, 2, 3)) + y.sum((0, 2, 3)) + 1)
    return per_model


_DATA = None


def train_group(variant, folds, seed, data_root, out_dir, steps_scale, device, threads, progress=False):
    """Trains `variant` on every fold in `folds` at once (one GroupedUNet); returns one result per fold."""
    global _DATA
    torch.set_num_threads(threads)
    torch.backends.cudnn.benchmark = True
    if _DATA is None:
        _DATA = load_drive(data_root)
    cfg = dict(BASE, **VARIANTS[variant])
    steps = int(round(cfg["steps"] * steps_scale))
    dev = torch.device(device)
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    K = len(folds)
    ids = list(range(21, 41))
    train_rows = [[ids.index(i) for i in ids if i not in FOLDS[f - 1]] for f in folds]
    imgs = torch.from_numpy(np.stack([_DATA[i][0] for i in ids])).to(dev)
    ves = torch.from_numpy(np.stack([_DATA[i][1] for i in ids])).to(dev).float()
    _, _, h, w = imgs.shape

    def padded(lists):
        lens = torch.tensor([len(x) for x in lists])
        out = torch.zeros(len(lists), int(lens.max()), dtype=torch.long)
        for r, x in enumerate(lists):
            out[r, :len(x)] = torch.from_numpy(x)
        return out.to(dev), lens.to(dev)

    fov_pad, fov_len = padded([np.flatnonzero(_DATA[i][2]) for i in ids])
    ves_pad, ves_len = padded([np.flatnonzero(_DATA[i][1] & _DATA[i][2]) for i in ids])
    means, stds = [], []
    for rows in train_rows:
        fov_all = np.concatenate([_DATA[ids[r]][0][:, _DATA[ids[r]][2] != 0] for r in rows], axis=1)
        means += fov_all.mean(1).tolist()
        stds += fov_all.std(1).tolist()

    if cfg["stage2"]:
        net = GroupedWNet(K, cfg["depth"], cfg["base"], means, stds, *cfg["stage2"]).to(dev)
    else:
        net = GroupedUNet(K, cfg["depth"], cfg["base"], means, stds, dropblock=cfg["dropblock"]).to(dev)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg["lr"], weight_decay=cfg["wd"])
    P, B = cfg["patch"], cfg["batch"]
    ar = torch.arange(P, device=dev)
    warm = min(cfg["warmup"], steps // 10)
    rows_t = torch.tensor(train_rows, device=dev)  # [K, 17]

    held = [FOLDS[f - 1] for f in folds]
    vx = torch.cat([torch.from_numpy(np.stack([_DATA[i][0] for i in hs])) for hs in held], 1).to(dev)
    vfov = [torch.from_numpy(np.stack([_DATA[i][2] for i in hs])).to(dev).bool() for hs in held]
    vy = [torch.from_numpy(np.stack([_DATA[i][1] for i in hs])).to(dev)[m] for hs, m in zip(held, vfov)]

    def batch():
        pick = torch.randint(rows_t.shape[1], (K, B), generator=g).to(dev)
        si = torch.gather(rows_t, 1, pick).view(-1)  # [K*B] image indices, model-major
        on_vessel = (torch.rand(K * B, generator=g) < cfg["vessel_centre"]).to(dev)
        u = torch.rand(K * B, generator=g).to(dev)
        r_fov = (u * fov_len[si]).long().clamp(max=fov_pad.shape[1] - 1)
        r_ves = (u * ves_len[si]).long().clamp(max=ves_pad.shape[1] - 1)
        c = torch.where(on_vessel, ves_pad[si, r_ves], fov_pad[si, r_fov])
        x0 = (c % w - P // 2).clamp(0, w - P)
        y0 = (c // w - P // 2).clamp(0, h - P)
        rows = (y0[:, None] + ar)[:, None, :, None]
        cols = (x0[:, None] + ar)[:, None, None, :]
        x = imgs[si[:, None, None, None], torch.arange(3, device=dev)[None, :, None, None], rows, cols]
        y = ves[si[:, None, None], rows[:, 0], cols[:, 0]][:, None]
        rot = torch.randint(4, (K * B,), generator=g).to(dev)
        flip = (torch.rand(K * B, generator=g) < 0.5).to(dev)
        for k in range(1, 4):
            sel = rot == k
            x[sel] = torch.rot90(x[sel], k, (2, 3))
            y[sel] = torch.rot90(y[sel], k, (2, 3))
        x[flip] = x[flip].flip(3)
        y[flip] = y[flip].flip(3)
        if cfg["jitter"]:
            j = (torch.rand(K * B, 3, generator=g) * 2 - 1).to(dev)
            x = ((x - 0.5) * (1 + 0.15 * j[:, 1]).view(-1, 1, 1, 1) + 0.5 + (0.08 * j[:, 0]).view(-1, 1, 1, 1))
            x = x.clamp(0, 1).pow(torch.exp(0.2 * j[:, 2]).view(-1, 1, 1, 1))
        x = x.view(K, B, 3, P, P).transpose(0, 1).reshape(B, K * 3, P, P)
        y = y.view(K, B, P, P).transpose(0, 1).contiguous()
        return x.contiguous(), y

    def validate():
        net.eval()
        with torch.no_grad():
            prob = torch.sigmoid(prediction(net(vx)))
        net.train()
        out = []
        for k in range(K):
            pk = prob[:, k][vfov[k]]
            out.append((pk,) + curve_stats(pk, vy[k]))
        return out

    t0 = time.time()
    history = [[] for _ in range(K)]
    best = [(-1.0, None) for _ in range(K)]
    net.train()
    for s in range(steps):
        wf = 1.0 if warm == 0 else min(1.0, (s + 1) / warm)
        prog = max(0, s - warm) / max(1, steps - warm)
        for grp in opt.param_groups:
            grp["lr"] = cfg["lr"] * wf * 0.5 * (1 + math.cos(math.pi * min(1.0, prog)))
        x, y = batch()
        out = net(x)
        outs = out if isinstance(out, tuple) else (out,)
        per_model = sum(loss_per_model(logits, y, cfg["loss"]) for logits in outs)
        opt.zero_grad(set_to_none=True)
        per_model.sum().backward()
        opt.step()
        if (s + 1) % 100 == 0 or s + 1 == steps:
            losses = per_model.detach().cpu().tolist()
            final = validate()  # the last one is the last step's
            for k, (prob, thr, f1, auc) in enumerate(final):
                history[k].append(dict(step=s + 1, f1=f1, auc=auc, thr=thr, loss=losses[k]))
                if f1 > best[k][0]:
                    best[k] = (f1, prob.half().cpu())
            if progress:
                print(f"{variant} step {s + 1}/{steps} {time.time() - t0:.0f} s: " + ", ".join(
                    f"fold {f} F1 {e[2]:.4f} AUC {e[3]:.4f}" for f, e in zip(folds, final)), flush=True)
    seconds = round(time.time() - t0, 1)
    results = []
    for k, fold in enumerate(folds):
        tag = f"{variant}_f{fold}_s{seed}"
        torch.save(dict(last=final[k][0].half().cpu(), best=best[k][1], truth=vy[k].cpu()),
                   os.path.join(out_dir, tag + ".pt"))
        f1s = [e["f1"] for e in history[k]]
        res = dict(variant=variant, fold=fold, seed=seed, steps=steps, seconds=seconds, models_at_once=K,
                   best_f1=max(f1s), best_step=history[k][int(np.argmax(f1s))]["step"], last_f1=f1s[-1],
                   last5_mean=float(np.mean(f1s[-5:])), last_auc=history[k][-1]["auc"],
                   last_thr=history[k][-1]["thr"], history=history[k])
        with open(os.path.join(out_dir, tag + ".json"), "w") as f:
            json.dump(res, f)
        results.append(res)
    return results


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
    ap.add_argument("--group", type=int, default=6, help="folds trained at once in one process (one grouped net)")
    ap.add_argument("--threads", type=int, default=1, help="CPU threads per process (1 when a GPU computes)")
    ap.add_argument("--progress", action="store_true", help="print every validation (every 100 steps)")
    ap.add_argument("--check", action="store_true", help="only check the grouped net against separate nets")
    args = ap.parse_args()
    check_grouped()
    if args.check:
        return
    variants = args.variants.split(",")
    for v in variants:
        if v not in VARIANTS:
            sys.exit(f"unknown variant '{v}': expected one of {', '.join(VARIANTS)}")
    folds = [int(f) for f in args.folds.split(",")]
    if not all(1 <= f <= len(FOLDS) for f in folds) or args.group < 1:
        sys.exit(f"--folds must name folds 1..{len(FOLDS)} and --group must be >= 1")
    chunks = [folds[i:i + args.group] for i in range(0, len(folds), args.group)]
    os.makedirs(args.out, exist_ok=True)
    jobs = [(v, c, int(s)) for s in args.seeds.split(",") for v in variants for c in chunks]
    start = time.time()
    results = []
    ctx = torch.multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.workers, mp_context=ctx) as pool:
        pending = {}
        queue = list(jobs)
        while queue or pending:
            while queue and len(pending) < args.workers and time.time() - start < args.max_seconds:
                v, c, s = queue.pop(0)
                pending[pool.submit(train_group, v, c, s, args.data, args.out, args.steps_scale, args.device,
                                     args.threads, args.progress)] = 1
            if not pending:
                break
            done = next(as_completed(pending))
            pending.pop(done)
            for r in done.result():
                results.append(r)
                print(f"{time.time() - start:6.0f}s {r['variant']:<14} fold {r['fold']} seed {r['seed']}: best "
                      f"{r['best_f1']:.4f} (step {r['best_step']}), last {r['last_f1']:.4f}, last5 "
                      f"{r['last5_mean']:.4f}, AUC {r['last_auc']:.4f}, {r['seconds']:.0f} s "
                      f"({r['models_at_once']} at once)", flush=True)
    if queue:
        print(f"time up: {len(queue)} jobs not started: {[(v, c, s) for v, c, s in queue]}")
    summarise(results, args.out, args.device)


if __name__ == "__main__":
    main()
