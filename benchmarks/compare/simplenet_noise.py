#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Times SimpleNet's feature noise and GLASS's GAS in torch against ias's BM_simplenet_noise and BM_glass_gas.

The references are the published operations (METHODS.md sections 2.11 and 2.13) on one CPU
thread (torch.set_num_threads(1)), float32:
  - SimpleNet: `x + torch.randn_like(x) * 0.015` on a 4096 x 1536 tensor (out of place, as in
    simplenet.py, which draws the noise with torch.normal and adds it);
  - GLASS GAS on 1296 x 1536 features: g = t + N(0, 0.015^2), then 20 times: the gradient of
    BCE(sigmoid(g w + b), 1) by autograd, normalised per row (+1e-10), g += 0.001 * it, and after
    every 5th step the projection of g - c to norms in [r, 2r], r = the 0.75 quantile of |t - c|.
Each is timed as the median of many runs after a warm-up; ias's figures come from ias_bench in
this same run, so the ratio compares one machine at one moment.

    benchmarks/compare/simplenet_noise.py [path/to/ias_bench]
    benchmarks/compare/simplenet_noise.py --reference-only

Exits 1, before timing the references, if ias_bench lacks the benchmarks. Needs python3-torch.
"""
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from draem_augment import time_ias  # noqa: E402  (runs ias_bench with --benchmark_filter, JSON)


def median_time(run, repeats):
    run()  # warm-up: allocator and first-touch costs out of the measurement
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def simplenet_reference():
    x = torch.randn(4096, 1536)
    return median_time(lambda: x + torch.randn_like(x) * 0.015, 30)


def glass_gas_reference():
    rows, cols = 1296, 1536
    t = torch.randn(rows, cols)
    c = t.mean(dim=0, keepdim=True)
    w = torch.linspace(-1.0, 1.0, cols) / cols ** 0.5
    b = torch.tensor(0.1)
    r = torch.quantile(torch.norm(t - c, dim=1), 0.75)
    bce = torch.nn.BCELoss()

    def gas():
        g = t + torch.randn_like(t) * 0.015
        for step in range(20):
            g.requires_grad_(True)
            loss = bce(torch.sigmoid(g @ w + b), torch.ones(rows))
            grad = torch.autograd.grad(loss, [g])[0]
            grad = grad / (torch.norm(grad, dim=1, keepdim=True) + 1e-10)
            with torch.no_grad():
                g = g + 0.001 * grad
                if (step + 1) % 5 == 0:
                    h = g - c
                    norm = torch.norm(h, dim=1, keepdim=True)
                    g = c + h * torch.clamp(norm, r, 2 * r) / (norm + 1e-10)
        return g

    return median_time(gas, 10)


def main():
    args = sys.argv[1:]
    reference_only = "--reference-only" in args
    args = [a for a in args if a != "--reference-only"]
    bench = args[0] if args else "build/benchmarks/ias_bench"
    torch.set_num_threads(1)
    ias = {}
    if not reference_only:  # ias first, so that a missing benchmark fails fast
        for name in ("BM_simplenet_noise", "BM_glass_gas"):
            ias[name] = time_ias(bench, name)
            if ias[name] is None:
                print(f"{name} not found in {bench}")
                sys.exit(1)
    noise = simplenet_reference()
    gas = glass_gas_reference()
    print(f"torch {torch.__version__}, 1 thread")
    print(f"SimpleNet noise 4096x1536, torch x + randn_like(x) * 0.015: {noise * 1e3:.2f} ms")
    print(f"GLASS GAS 1296x1536, 20 steps, torch autograd: {gas * 1e3:.2f} ms")
    if ias:
        for name, reference in (("BM_simplenet_noise", noise), ("BM_glass_gas", gas)):
            print(f"{name}: {ias[name] * 1e3:.2f} ms, {reference / ias[name]:.1f}x torch")


if __name__ == "__main__":
    main()
