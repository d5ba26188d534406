#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Times DRAEM's Perlin mask generator (numpy + OpenCV) against ias's BM_perlin_mask in one run.

The reference follows the published algorithm (METHODS.md section 2.1; DRAEM perlin.py
rand_perlin_2d_np and the mask code of data_loader.py), written here from that description:
lattice scales 2^ex x 2^ey with ex, ey in {0..5}, unit gradients at uniform angles, quintic
fade, sqrt(2) * bilinear blend of the corner dot products, rotation by U[-90, 90) degrees
about the centre (bilinear, fill 0), threshold > 0.5. DRAEM rotates with imgaug; OpenCV's
warpAffine does the same resampling faster, which only makes the reference quicker.

    benchmarks/compare/perlin_draem.py [path/to/ias_bench]

Prints, per size, the reference's and ias's time per mask and their ratio, plus the
reference's coverage statistics at 256x256 (mean covered fraction, share of empty masks).
"""
import ctypes
import json
import math
import subprocess
import sys
import time

import cv2
import numpy as np


def fade(t):
    return ((6 * t - 15) * t + 10) * t * t * t


def perlin_noise(shape, res, rng):
    """Gradient noise on an res[0] x res[1] lattice; shape must be divisible by res."""
    step = (res[0] / shape[0], res[1] / shape[1])
    cell = (shape[0] // res[0], shape[1] // res[1])
    grid = np.mgrid[0:res[0]:step[0], 0:res[1]:step[1]].transpose(1, 2, 0) % 1
    angles = 2 * math.pi * rng.random((res[0] + 1, res[1] + 1))
    gradients = np.stack((np.cos(angles), np.sin(angles)), axis=-1)

    def tiled(rows, cols):
        g = gradients[rows[0]:rows[1], cols[0]:cols[1]]
        return np.repeat(np.repeat(g, cell[0], axis=0), cell[1], axis=1)

    def dot(g, shift):
        offset = np.stack((grid[..., 0] + shift[0], grid[..., 1] + shift[1]), axis=-1)
        return (offset * g[:shape[0], :shape[1]]).sum(axis=-1)

    n00 = dot(tiled((0, -1), (0, -1)), (0, 0))
    n10 = dot(tiled((1, None), (0, -1)), (-1, 0))
    n01 = dot(tiled((0, -1), (1, None)), (0, -1))
    n11 = dot(tiled((1, None), (1, None)), (-1, -1))
    t = fade(grid[:shape[0], :shape[1]])
    n0 = n00 + t[..., 0] * (n10 - n00)
    n1 = n01 + t[..., 0] * (n11 - n01)
    return math.sqrt(2) * (n0 + t[..., 1] * (n1 - n0))


def draem_mask(size, rng):
    scale_y = 2 ** int(rng.integers(0, 6))
    scale_x = 2 ** int(rng.integers(0, 6))
    noise = perlin_noise((size, size), (scale_y, scale_x), rng)
    angle = rng.uniform(-90, 90)
    centre = ((size - 1) / 2.0, (size - 1) / 2.0)
    rotation = cv2.getRotationMatrix2D(centre, angle, 1.0)
    rotated = cv2.warpAffine(noise.astype(np.float32), rotation, (size, size), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return (rotated > 0.5).astype(np.float32)


def keep_freed_memory():
    """Stops glibc from handing numpy's megabyte temporaries back to the kernel after every sample.

    By default each such array is mmapped or trimmed off the heap when freed, so the next sample
    page-faults it in again; on this VM that made the Perlin step about 5x slower (23 vs 4.5 ms).
    Fixed thresholds keep the memory in the heap. Only makes the reference quicker; no-op off glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: 32 MiB (the largest glibc accepts)
        libc.mallopt(-1, 256 << 20)  # M_TRIM_THRESHOLD: 256 MiB
    except (OSError, AttributeError):
        pass


def time_reference(size, seconds=2.0):
    rng = np.random.default_rng(1)
    draem_mask(size, rng)  # warm-up
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or count < 5:
        draem_mask(size, rng)
        count += 1
    return (time.perf_counter() - start) / count


def time_ias(bench):
    out = subprocess.run([bench, "--benchmark_filter=BM_perlin_mask", "--benchmark_format=json",
                          "--benchmark_min_time=1"], check=True, capture_output=True, text=True).stdout
    results = {}
    for b in json.loads(out)["benchmarks"]:
        size = int(b["name"].split(":")[-1])
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        results[size] = b["real_time"] * unit
    return results


def main():
    bench = sys.argv[1] if len(sys.argv) > 1 else "build/benchmarks/ias_bench"
    ias = time_ias(bench)
    # The reference as numpy code usually runs (glibc's default allocator), then with freed
    # memory kept (keep_freed_memory), the fastest it gets.
    default = {size: time_reference(size) for size in (256, 512, 1024)}
    keep_freed_memory()
    print(f"{'size':>6} {'numpy+OpenCV':>14} {'(tuned)':>10} {'ias':>12} {'ratio':>8} {'(tuned)':>8}")
    for size in (256, 512, 1024):
        tuned = time_reference(size)
        print(f"{size:>6} {default[size] * 1e3:>11.2f} ms {tuned * 1e3:>7.2f} ms {ias[size] * 1e6:>9.1f} us "
              f"{default[size] / ias[size]:>7.0f}x {tuned / ias[size]:>7.0f}x")
    rng = np.random.default_rng(2)
    covered = [draem_mask(256, rng).mean() for _ in range(1000)]
    print(f"reference at 256x256 over 1000 masks: mean coverage {np.mean(covered):.4f}, "
          f"empty {np.mean(np.array(covered) == 0):.4f}")


if __name__ == "__main__":
    main()
