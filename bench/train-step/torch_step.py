"""PyTorch reference for bench/train-step: the same YOLOv8n-like net as net.ts (the YOLOv8n-like benchmark net of the original wasm-training study)
trained one SGD step at a time; prints one JSON line with the per-step wall/CPU times.

Usage: /usr/bin/python3 torch_step.py --threads N [--batch 8] [--size 256] [--steps 5] [--warmup 2] [--channels-last]
Run with OMP_NUM_THREADS=N as well (torch.set_num_threads alone still spins a second core).
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Conv(nn.Module):
    def __init__(self, ci, co, k=1, s=1):
        super().__init__()
        self.conv = nn.Conv2d(ci, co, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(co, eps=1e-3)

    def forward(self, x):
        return F.silu(self.bn(self.conv(x)))


class C2f(nn.Module):
    def __init__(self, ci, co, shortcut):
        super().__init__()
        c = co // 2
        self.c, self.shortcut = c, shortcut
        self.cv1, self.m1, self.m2, self.cv2 = Conv(ci, 2 * c), Conv(c, c, 3), Conv(c, c, 3), Conv(3 * c, co)

    def forward(self, x):
        a, b = self.cv1(x).split(self.c, 1)
        m = self.m2(self.m1(b))
        if self.shortcut:
            m = m + b
        return self.cv2(torch.cat([a, b, m], 1))


class SPPF(nn.Module):
    def __init__(self, ci, co):
        super().__init__()
        self.cv1, self.cv2 = Conv(ci, ci // 2), Conv(2 * ci, co)

    def forward(self, x):
        y0 = self.cv1(x)
        y1 = F.max_pool2d(y0, 5, 1, 2)
        y2 = F.max_pool2d(y1, 5, 1, 2)
        y3 = F.max_pool2d(y2, 5, 1, 2)
        return self.cv2(torch.cat([y0, y1, y2, y3], 1))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.b0, self.b1, self.b2 = Conv(3, 16, 3, 2), Conv(16, 32, 3, 2), C2f(32, 32, True)
        self.b3, self.b4 = Conv(32, 64, 3, 2), C2f(64, 64, True)
        self.b5, self.b6 = Conv(64, 128, 3, 2), C2f(128, 128, True)
        self.b7, self.b8, self.b9 = Conv(128, 256, 3, 2), C2f(256, 256, True), SPPF(256, 256)
        self.n12, self.n15 = C2f(384, 128, False), C2f(192, 64, False)
        self.n16, self.n18 = Conv(64, 64, 3, 2), C2f(192, 128, False)
        self.n19, self.n21 = Conv(128, 128, 3, 2), C2f(384, 256, False)
        self.h3, self.h4, self.h5 = nn.Conv2d(64, 9, 1), nn.Conv2d(128, 9, 1), nn.Conv2d(256, 9, 1)

    def forward(self, x):
        up = lambda t: F.interpolate(t, scale_factor=2, mode="nearest")
        p2 = self.b2(self.b1(self.b0(x)))
        p3 = self.b4(self.b3(p2))
        p4 = self.b6(self.b5(p3))
        p5 = self.b9(self.b8(self.b7(p4)))
        t4 = self.n12(torch.cat([up(p5), p4], 1))
        o3 = self.n15(torch.cat([up(t4), p3], 1))
        o4 = self.n18(torch.cat([self.n16(o3), t4], 1))
        o5 = self.n21(torch.cat([self.n19(o4), p5], 1))
        return [self.h3(o3), self.h4(o4), self.h5(o5)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--channels-last", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = Net()
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    net = net.to(memory_format=fmt)
    x = torch.randn(a.batch, 3, a.size, a.size).to(memory_format=fmt)
    with torch.no_grad():
        targets = [torch.randn_like(o) for o in net(x)]
    opt = torch.optim.SGD(net.parameters(), lr=0.01)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = sum(F.mse_loss(o, t) for o, t in zip(net(x), targets))
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    wall, cpu, losses = [], [], []
    for _ in range(a.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        losses.append(step())
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    params = sum(p.numel() for p in net.parameters())
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "params": params,
                      "channelsLast": a.channels_last, "stepMs": wall, "cpuMs": cpu, "losses": losses}))


if __name__ == "__main__":
    main()
