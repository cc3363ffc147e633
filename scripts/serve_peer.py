#!/usr/bin/env python3
"""PyTorch peer of `vesselseg serve`, for `vesselseg bench serve`: the same model file served the way a Python
user would write it, FastAPI on uvicorn.

  serve_peer.py --model drive-unet.safetensors --port 8081 --threads 2 [--workers 1] [--members 1]

POST /v1/segment takes the photograph's bytes as the body (Content-Type image/* or application/octet-stream)
and answers the 0/255 vessel mask as a grey PNG at the photograph's size. GET /health answers 200 once the
model is loaded and warmed (uvicorn accepts connections only after the warm-up).

The steps are those of vesselseg's pipeline that cost compute, written plainly with Pillow, numpy and torch:
decode (Pillow) -> RGB in [0, 1] -> field of view (max(R, G, B) > 0.1 after a 5x5 mean; vesselseg's estimator
is more careful, e.g. Otsu and the largest component, but it is cheap next to the network) -> resample
bilinearly so that the FOV's width is the model's `fov_diameter` when it differs by more than 10 % -> the U-Net
of torch_peer.py (which normalises with the file's mean and std inside, as vesselseg does) -> back to the
photograph's size -> the model's calibration (`fov-median-logit`: the median FOV logit moved to the offset) ->
threshold at the model's `threshold` inside the FOV -> PNG.

Errors are JSON {"error": ...}: 400 for an empty body or an image Pillow cannot decode (e.g. truncated), 413
for a body over --max-upload-mb or an image over --max-pixels (read from the header before decoding; Pillow's
own DecompressionBombError too), 415 for a Content-Type that is not an image or bytes Pillow does not
recognise. --workers requests compute at once (a semaphore; decoding included); the others wait without a
limit, as a plain FastAPI service does (uvicorn's --limit-concurrency counts idle keep-alive connections, so it
is off unless --limit-concurrency is given).
"""
import argparse
import asyncio
import contextlib
import io
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from PIL import Image, UnidentifiedImageError
from safetensors import safe_open
from starlette.concurrency import run_in_threadpool

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_peer  # noqa: E402  (the U-Net mirror, same directory)

RESCALE_TOLERANCE = 0.10
DARK = 0.1
EPS = 1e-7


class BadInput(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Model:
    """The first `members` networks of a vesselseg model file (an Ensemble of them when more than one) and the
    metadata the pipeline needs."""

    def __init__(self, path, members):
        with safe_open(path, framework="pt") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()
                       if not k.startswith("optimizer.") and not k.startswith("average.")}
        arch = json.loads(meta["architecture"])
        norm = json.loads(meta["normalization"])
        if norm.get("channels", "rgb") != "rgb":
            raise SystemExit(f"serve_peer: the model's input is '{norm['channels']}'; only 'rgb' models are "
                             "supported here")
        refine = (int(arch["refine_depth"]), int(arch["refine_channels"])) if arch.get("type") == "wnet" else None
        stored = int(arch.get("members", 1))
        self.members = stored if members <= 0 else min(members, stored)

        def unet():
            return torch_peer.UNet(int(arch["depth"]), int(arch["base_channels"]), norm["mean"], norm["std"],
                                   refine)

        nets = []
        for i in range(self.members):
            prefix = f"members.{i}." if stored > 1 else ""
            net = unet()
            net.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)},
                                strict=True)
            nets.append(net)
        self.net = (torch_peer.Ensemble(nets) if len(nets) > 1 else nets[0]).eval()
        self.threshold = float(meta["threshold"])
        self.fov_diameter = float(meta.get("fov_diameter", "0"))
        cal = json.loads(meta["calibration"]) if meta.get("calibration") else None
        self.calibration_offset = float(cal["offset"]) if cal else None

    def segment(self, rgb):
        """rgb: HxWx3 uint8 array -> HxW uint8 mask (0/255)."""
        h, w = rgb.shape[:2]
        x = torch.from_numpy(rgb).permute(2, 0, 1).unsqueeze(0).float().div_(255.0)
        lum = F.avg_pool2d(x.amax(1, keepdim=True), 5, stride=1, padding=2, count_include_pad=False)[0, 0]
        if int((lum < DARK).sum()) < max(1, h * w // 100):
            fov = torch.ones(h, w, dtype=torch.bool)
        else:
            fov = lum > DARK
        cols = torch.nonzero(fov.any(0)).flatten()
        d = int(cols[-1] - cols[0] + 1) if len(cols) else 0
        scale = self.fov_diameter / d if self.fov_diameter > 0 and d > 0 else 1.0
        with torch.inference_mode():
            if abs(scale - 1) > RESCALE_TOLERANCE:
                size = (max(8, round(h * scale)), max(8, round(w * scale)))
                logits = self.net(F.interpolate(x, size=size, mode="bilinear", align_corners=False))
                logits = F.interpolate(logits, size=(h, w), mode="bilinear", align_corners=False)
            else:
                logits = self.net(x)
            logits = logits[0, 0]
            if self.calibration_offset is not None and bool(fov.any()):
                logits = logits - logits[fov].median() + self.calibration_offset
            prob = torch.sigmoid(logits)
            mask = (prob >= self.threshold) & fov
        return mask.numpy().astype(np.uint8) * 255


def decode(body, content_type, max_pixels):
    if not body:
        raise BadInput(400, "the body is empty: send the photograph's bytes")
    ct = (content_type or "").split(";")[0].strip().lower()
    if ct and not (ct.startswith("image/") or ct == "application/octet-stream"):
        raise BadInput(415, f"Content-Type '{ct}' is not an image: send image/png, image/jpeg, ...")
    try:
        img = Image.open(io.BytesIO(body))
    except Image.DecompressionBombError as e:
        raise BadInput(413, f"the image is too large: {e}")
    except UnidentifiedImageError:
        raise BadInput(415, "the bytes are no image format Pillow recognises")
    if img.width * img.height > max_pixels:
        raise BadInput(413, f"the image claims {img.width}x{img.height} pixels, over the limit of {max_pixels}")
    try:
        return np.asarray(img.convert("RGB"))
    except (OSError, ValueError, SyntaxError) as e:
        raise BadInput(400, f"cannot decode the {img.format} image ({img.width}x{img.height}): {e}")


def png(mask):
    out = io.BytesIO()
    Image.fromarray(mask, mode="L").save(out, format="PNG")
    return out.getvalue()


def make_app(model, workers, max_pixels, max_upload):
    state = {"ready": False}
    slots = asyncio.Semaphore(workers)

    def work(body, content_type):
        return png(model.segment(decode(body, content_type, max_pixels)))

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        # one DRIVE-sized photograph through the whole pipeline before uvicorn accepts connections
        yy, xx = np.mgrid[0:584, 0:565]
        disc = ((yy - 292) ** 2 + (xx - 282) ** 2 < 250 ** 2)[..., None] * np.array([180, 90, 40], np.uint8)
        await run_in_threadpool(model.segment, disc.astype(np.uint8))
        state["ready"] = True
        yield

    app = FastAPI(title="vesselseg PyTorch peer", lifespan=lifespan)

    @app.get("/health")
    async def health():
        return JSONResponse({"ready": state["ready"]}, status_code=200 if state["ready"] else 503)

    @app.post("/v1/segment")
    async def segment(request: Request):
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > max_upload:
            return JSONResponse({"error": f"the body of {length} bytes is over {max_upload}"}, status_code=413)
        body = await request.body()
        async with slots:
            try:
                data = await run_in_threadpool(work, body, request.headers.get("content-type"))
            except BadInput as e:
                return JSONResponse({"error": str(e)}, status_code=e.status)
        return Response(data, media_type="image/png")

    return app


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="a vesselseg .safetensors model file")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8081)
    ap.add_argument("--threads", type=int, default=0, help="torch threads in all (0: torch's default); split "
                    "between the workers as vesselseg serve splits its libtorch threads")
    ap.add_argument("--workers", type=int, default=1, help="requests computed at once")
    ap.add_argument("--members", type=int, default=1, help="use the first K networks of an ensemble file "
                    "(0: all)")
    ap.add_argument("--max-pixels", type=int, default=50_000_000)
    ap.add_argument("--max-upload-mb", type=int, default=64)
    ap.add_argument("--limit-concurrency", type=int, default=None, help="uvicorn's limit (503 above)")
    args = ap.parse_args()
    if args.workers < 1 or args.threads < 0 or args.members < 0:
        ap.error("--workers must be >= 1, --threads and --members >= 0")
    if args.threads > 0:
        torch.set_num_threads(max(1, args.threads // args.workers))
    t0 = time.perf_counter()
    model = Model(args.model, args.members)
    print(f"serve_peer: model {args.model}: {model.members} network(s), threshold {model.threshold}, "
          f"fov_diameter {model.fov_diameter}, {torch.get_num_threads()} torch thread(s) per worker x "
          f"{args.workers} worker(s), torch {torch.__version__}, loaded in {time.perf_counter() - t0:.1f} s",
          flush=True)
    app = make_app(model, args.workers, args.max_pixels, args.max_upload_mb * 1024 * 1024)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning",
                limit_concurrency=args.limit_concurrency)


if __name__ == "__main__":
    main()
