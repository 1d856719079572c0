"""PyTorch reference for bench/train: YOLOv8 n/s (ultralytics yolov8.yaml: CSPDarknet, PAFPN, Detect head
with reg_max 16 and 80 classes, the DFL decoding conv excluded), one SGD training step at a time with the
proxy loss the tfjs side also runs (mean of squared head outputs), NCHW, float32.
Prints one JSON line: per-step wall ms, images/s, parameter count, peak RSS.

Usage: OMP_NUM_THREADS=N /usr/bin/python3 torch_yolov8.py --scale n --threads N [--batch 8] [--size 320] [--steps 3] [--warmup 1]
"""
import argparse
import json
import math
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SCALES = {"n": (0.33, 0.25, 1024), "s": (0.33, 0.50, 1024), "m": (0.67, 0.75, 768)}


class Conv(nn.Module):
    def __init__(self, ci, co, k=1, s=1):
        super().__init__()
        self.conv = nn.Conv2d(ci, co, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(co, eps=1e-3, momentum=0.03)

    def forward(self, x):
        return F.silu(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, c, shortcut):
        super().__init__()
        self.cv1, self.cv2, self.add = Conv(c, c, 3), Conv(c, c, 3), shortcut

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C2f(nn.Module):
    def __init__(self, ci, co, n, shortcut):
        super().__init__()
        self.c = co // 2
        self.cv1 = Conv(ci, 2 * self.c)
        self.cv2 = Conv((2 + n) * self.c, co)
        self.m = nn.ModuleList(Bottleneck(self.c, shortcut) for _ in range(n))

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        y.extend(m(y[-1]) for m in self.m)
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    def __init__(self, ci, co):
        super().__init__()
        self.cv1, self.cv2 = Conv(ci, ci // 2), Conv(ci // 2 * 4, co)

    def forward(self, x):
        y = [self.cv1(x)]
        for _ in range(3):
            y.append(F.max_pool2d(y[-1], 5, 1, 2))
        return self.cv2(torch.cat(y, 1))


class YoloV8(nn.Module):
    def __init__(self, scale, nc=80, reg_max=16):
        super().__init__()
        d, w, mc = SCALES[scale]
        ch = lambda c: math.ceil(min(c, mc) * w / 8) * 8
        rep = lambda n: max(round(n * d), 1)
        c1, c2, c3, c4, c5 = (ch(c) for c in (64, 128, 256, 512, 1024))
        self.stem = Conv(3, c1, 3, 2)
        self.s2 = nn.Sequential(Conv(c1, c2, 3, 2), C2f(c2, c2, rep(3), True))
        self.s3 = nn.Sequential(Conv(c2, c3, 3, 2), C2f(c3, c3, rep(6), True))
        self.s4 = nn.Sequential(Conv(c3, c4, 3, 2), C2f(c4, c4, rep(6), True))
        self.s5 = nn.Sequential(Conv(c4, c5, 3, 2), C2f(c5, c5, rep(3), True), SPPF(c5, c5))
        o3, o4, o5, n = ch(256), ch(512), ch(1024), rep(3)
        self.td4 = C2f(c5 + c4, o4, n, False)
        self.p3 = C2f(o4 + c3, o3, n, False)
        self.down3 = Conv(o3, o3, 3, 2)
        self.p4 = C2f(o3 + o4, o4, n, False)
        self.down4 = Conv(o4, o4, 3, 2)
        self.p5 = C2f(o4 + c5, o5, n, False)
        cb = max(16, o3 // 4, 4 * reg_max)
        cc = max(o3, min(nc, 100))
        self.box = nn.ModuleList(nn.Sequential(Conv(c, cb, 3), Conv(cb, cb, 3), nn.Conv2d(cb, 4 * reg_max, 1)) for c in (o3, o4, o5))
        self.cls = nn.ModuleList(nn.Sequential(Conv(c, cc, 3), Conv(cc, cc, 3), nn.Conv2d(cc, nc, 1)) for c in (o3, o4, o5))

    def forward(self, x):
        up = lambda t: F.interpolate(t, scale_factor=2, mode="nearest")
        c3 = self.s3(self.s2(self.stem(x)))
        c4 = self.s4(c3)
        c5 = self.s5(c4)
        td4 = self.td4(torch.cat([up(c5), c4], 1))
        p3 = self.p3(torch.cat([up(td4), c3], 1))
        p4 = self.p4(torch.cat([self.down3(p3), td4], 1))
        p5 = self.p5(torch.cat([self.down4(p4), c5], 1))
        feats = [p3, p4, p5]
        return [b(f) for b, f in zip(self.box, feats)] + [c(f) for c, f in zip(self.cls, feats)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="n")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--size", type=int, default=320)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = YoloV8(a.scale).train()
    params = sum(p.numel() for p in net.parameters())
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.937, nesterov=True)
    x = torch.rand(a.batch, 3, a.size, a.size)
    times = []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = sum(o.square().mean() for o in net(x))
        loss.backward()
        opt.step()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    med = times[len(times) // 2]
    print(json.dumps({"params": params, "stepMs": times, "medianMs": med, "imagesPerSec": a.batch * 1000 / med, "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
