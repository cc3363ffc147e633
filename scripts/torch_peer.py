#!/usr/bin/env python3
"""PyTorch peer of vesselseg's U-Net, for `vesselseg bench speed` and the torch-tagged tests.

The network below mirrors src/main/java/io/vesselseg/model/UNet.java module for module, so a vesselseg
safetensors model file loads into it with load_state_dict (the optimizer tensor is ignored) and gives the
same probabilities. Each invocation runs one configuration and prints one JSON object on stdout:

  torch_peer.py train   --model M --threads T --precision fp32|bf16 [--channels-last]
                        [--warmup W --steps N --repeats R --max-seconds S]
  torch_peer.py infer   --model M --threads T --precision fp32|bf16 [--channels-last]
                        [--height 584 --width 565 --warmup W --repeats R]
  torch_peer.py forward --model M --input in.bin|in.npy --shape 1,3,H,W --output out.bin [--threads T]

Timing figures are medians over the repeats; peak_rss_mib is this process's maximum resident set size
(one process per configuration, so it is that configuration's peak).
"""
import argparse
import json
import platform
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors import safe_open


class Block(nn.Module):
    """conv3x3 (no bias) -> BN -> ReLU, twice; attribute names match the Java module (c1, b1, c2, b2)."""

    def __init__(self, cin, cout):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)

    def forward(self, x):
        x = F.relu(self.b1(self.c1(x)))
        return F.relu(self.b2(self.c2(x)))


class UNet(nn.Module):
    """enc0..enc{d-1}, bottleneck, up{l}/dec{l} for l = d-1..0, 1x1 head; raw RGB in, logits out. With
    refine=(depth, base), a W-Net: a second UNet `refine` reads the normalised photograph and this one's sigmoid
    and gives the logits (vesselseg's UNet.stages)."""

    def __init__(self, depth, base, mean, std, refine=None):
        super().__init__()
        self.depth = depth
        channels = cin = len(mean)
        for level in range(depth):
            setattr(self, f"enc{level}", Block(cin, base << level))
            cin = base << level
        self.bottleneck = Block(cin, base << depth)
        self.levels = list(range(depth - 1, -1, -1))
        for level in self.levels:
            c = base << level
            setattr(self, f"up{level}", nn.ConvTranspose2d(2 * c, c, 2, stride=2))
            setattr(self, f"dec{level}", Block(2 * c, c))
        self.head = nn.Conv2d(base, 1, 1)
        # vesselseg normalises raw RGB with the file's statistics before the first convolution
        self.register_buffer("norm_mean", torch.tensor(mean).view(1, channels, 1, 1), persistent=False)
        self.register_buffer("norm_std", torch.tensor(std).view(1, channels, 1, 1), persistent=False)
        self.refine = UNet(refine[0], refine[1], [0.0] * 4, [1.0] * 4) if refine else None

    def forward(self, x):
        first = self.stage(x)
        if self.refine is None:
            return first
        return self.refine(torch.cat([(x - self.norm_mean) / self.norm_std, torch.sigmoid(first)], 1))

    def stage(self, x):
        h, w = x.shape[2], x.shape[3]
        x = normalised_and_padded(x, self.norm_mean, self.norm_std, 1 << self.depth)
        skips = []
        for level in range(self.depth):
            x = getattr(self, f"enc{level}")(x)
            skips.append(x)
            x = F.max_pool2d(x, 2, 2)
        x = self.bottleneck(x)
        for level in self.levels:
            x = getattr(self, f"up{level}")(x)
            x = getattr(self, f"dec{level}")(torch.cat([skips[level], x], 1))
        return cropped(self.head(x), h, w)


def normalised_and_padded(x, mean, std, m):
    """(x - mean) / std, reflect-padded (replicate-padded when too small to reflect) to a multiple of m per side,
    left/top getting the smaller half, as vesselseg's UNet.padded does."""
    x = (x - mean) / std
    h, w = x.shape[2], x.shape[3]
    ph, pw = (m - h % m) % m, (m - w % m) % m
    if ph or pw:
        pad = (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2)
        reflectable = pad[0] < w and pad[1] < w and pad[2] < h and pad[3] < h
        x = F.pad(x, pad, mode="reflect" if reflectable else "replicate")
    return x


def cropped(y, h, w):
    """The h x w centre that normalised_and_padded's padding surrounds."""
    top, left = (y.shape[2] - h) // 2, (y.shape[3] - w) // 2
    return y[:, :, top:top + h, left:left + w]


class Ensemble(nn.Module):
    """vesselseg's ensemble model files: `members` UNets whose probabilities are averaged; forward gives the
    logits of that mean, so sigmoid(forward(x)) is what vesselseg predicts."""

    def __init__(self, members):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x):
        p = torch.stack([torch.sigmoid(m(x)) for m in self.members]).mean(0)
        return torch.logit(p, eps=1e-7)


def load_model(path):
    """A UNet (or an Ensemble of them) with the weights, BN buffers and normalisation of a vesselseg
    safetensors file."""
    with safe_open(path, framework="pt") as f:
        meta = f.metadata() or {}
        arch = json.loads(meta["architecture"])
        norm = json.loads(meta["normalization"])
        state = {k: f.get_tensor(k) for k in f.keys()
                 if not k.startswith("optimizer.") and not k.startswith("average.")}
    refine = (int(arch["refine_depth"]), int(arch["refine_channels"])) if arch.get("type") == "wnet" else None

    def unet():
        return UNet(int(arch["depth"]), int(arch["base_channels"]), norm["mean"], norm["std"], refine)

    members = int(arch.get("members", 1))
    net = Ensemble([unet() for _ in range(members)]) if members > 1 else unet()
    net.load_state_dict(state, strict=True)
    return net


def soft_dice(logits, target):
    """1 - (2 sum(p y) + 1) / (sum(p) + sum(y) + 1) over the whole batch (model/TrainStep.java)."""
    p = torch.sigmoid(logits)
    return 1 - (2 * (p * target).sum() + 1) / (p.sum() + target.sum() + 1)


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def prepare(net, args):
    if args.channels_last:
        net = net.to(memory_format=torch.channels_last)
    return net


def as_input(x, args):
    return x.contiguous(memory_format=torch.channels_last) if args.channels_last else x.contiguous()


def forward(net, x, bf16):
    if bf16:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return net(x).float()
    return net(x)


def cmd_train(args):
    net = prepare(load_model(args.model), args)
    net.train()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    g = torch.Generator().manual_seed(1)
    b, p = args.batch, args.patch
    x = as_input(torch.rand(b, 3, p, p, generator=g), args)
    y = (torch.rand(b, 1, p, p, generator=g) < 0.2).float()
    bf16 = args.precision == "bf16"

    def step():
        opt.zero_grad(set_to_none=False)
        logits = forward(net, x, bf16)
        loss = F.binary_cross_entropy_with_logits(logits, y) + soft_dice(logits, y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    rates, steps_done = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        n = 0
        while n < args.steps:
            step()
            n += 1
            if time.perf_counter() - t0 > args.max_seconds:
                break
        rates.append(n * b / (time.perf_counter() - t0))
        steps_done.append(n)
    return {"patches_per_s": statistics.median(rates), "patches_per_s_all": rates,
            "timed_steps": steps_done, "batch": b, "patch": p}


def cmd_infer(args):
    net = prepare(load_model(args.model), args)
    net.eval()
    g = torch.Generator().manual_seed(2)
    x = as_input(torch.rand(1, 3, args.height, args.width, generator=g), args)
    bf16 = args.precision == "bf16"
    times = []
    with torch.inference_mode():
        for i in range(args.warmup + args.repeats):
            t0 = time.perf_counter()
            prob = torch.sigmoid(forward(net, x, bf16))
            float(prob[0, 0, 0, 0])
            if i >= args.warmup:
                times.append(time.perf_counter() - t0)
    return {"seconds_per_image": statistics.median(times), "seconds_all": times,
            "height": args.height, "width": args.width}


def cmd_forward(args):
    shape = [int(s) for s in args.shape.split(",")]
    if args.input.endswith(".npy"):
        data = np.load(args.input).astype(np.float32)
    else:
        data = np.fromfile(args.input, dtype="<f4")
    x = torch.from_numpy(data.reshape(shape).copy())
    net = load_model(args.model)
    net.eval()
    with torch.inference_mode():
        prob = torch.sigmoid(net(x)).float().contiguous().numpy()
    prob.astype("<f4").tofile(args.output)
    return {"output": args.output, "shape": list(prob.shape)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["train", "infer", "forward"])
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--patch", type=int, default=96)
    ap.add_argument("--height", type=int, default=584)
    ap.add_argument("--width", type=int, default=565)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--max-seconds", type=float, default=30.0)
    ap.add_argument("--input")
    ap.add_argument("--shape")
    ap.add_argument("--output")
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.mode == "forward" and not (args.input and args.shape and args.output):
        ap.error("forward needs --input, --shape and --output")
    t0 = time.perf_counter()
    result = {"train": cmd_train, "infer": cmd_infer, "forward": cmd_forward}[args.mode](args)
    result.update({
        "side": "torch", "mode": args.mode, "precision": args.precision,
        "channels_last": bool(args.channels_last), "threads": torch.get_num_threads(),
        "peak_rss_mib": peak_rss_mib(), "wall_seconds": time.perf_counter() - t0,
        "torch_version": torch.__version__, "python_version": platform.python_version(),
    })
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
