#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Times NSA's per-sample synthesis (numpy + OpenCV seamlessClone) against ias's BM_recipe_nsa/256.

The reference follows the published algorithm (METHODS.md section 2.5; NSA self_sup_tasks.py
patch_ex) with NSA's configuration for texture classes, which ias's recipe defaults to, written
here from that description, per 256x256 uint8 RGB sample: the destination D is one of 8 in-memory
normal images (smoothed noise; NSA loads them from disk, left out here), the source S another of
them drawn at random. The first patch is always added and each further one, up to 4, with
probability 0.5. Per patch: half-widths per axis clip((0.03 + Gamma(2, 0.05)) * 256, 0.03 * 256,
0.4 * 256), rounded; source centre per axis uniform in [min_w, 256 - min_w), min_w =
round(0.03 * 256), the box clipped to the image (textures: no object masks); resize by
s = clip(N(1, 0.5^2), 0.5, 2.0): new_h = clip(s * h, 2 min_w, 2 max_w), new_w = clip(new_h / h * w,
same bounds), new_h recomputed from new_w for the aspect ratio, cv2.resize bilinear; destination
top-left uniform so the patch fits with a 1-pixel margin; cv2.seamlessClone NORMAL_CLONE into the
evolving result with the patch rectangle, border rows and columns zeroed, as mask, skipped when it
has fewer than 50 pixels (or a side under 5 pixels, which OpenCV's solver rejects). Label over the
union of the patch masks: diff = mean_c |D - result|; changed = diff > 1 then a 5x5 cv2.medianBlur;
d = median of diff (rounded to uint8) over a disk of radius 5 (skimage.filters.rank.median);
label = changed / (1 + exp(-(d - 20) / 6)), float32. The disk median is computed on the union's
bounding box grown by 7 pixels, which gives the same label as the whole image, only faster.

    benchmarks/compare/nsa_seamlessclone.py [path/to/ias_bench]
    benchmarks/compare/nsa_seamlessclone.py --reference-only

Prints the reference's time per sample (with glibc's default allocator, and with freed memory
kept, its fastest), the label's share of it and the mean number of patches, then ias's time for
BM_recipe_nsa at 256 with the ratios. Exits 1, before timing the reference, if ias_bench has no
BM_recipe_nsa; --reference-only prints the reference alone. Needs python3-skimage besides
python3-numpy and python3-opencv. seamlessClone's cost varies a lot with the patch size (its
DFT-based Poisson solver is slow for sizes with large prime factors), so the mean needs many
samples.
"""
import os
import sys
import time

import cv2
import numpy as np
from skimage.filters.rank import median as rank_median
from skimage.morphology import disk

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from draem_augment import time_ias  # noqa: E402  (runs ias_bench with --benchmark_filter, JSON)
from perlin_draem import keep_freed_memory  # noqa: E402

SIZE = 256
POOL = 8
NUM_PATCHES = 4  # textures
MIN_W = int(round(0.03 * SIZE))  # half-widths in pixels
MAX_W = 0.4 * SIZE
SCALE_BOUNDS = (0.5, 2.0)  # textures
MIN_CLONE_PIXELS = 50
TOLERANCE = 1.0  # grey levels
LOGISTIC_K, LOGISTIC_X0 = 1.0 / 6.0, 20.0  # default class
DISK = disk(5).astype(np.uint8)
MEDIAN_MARGIN = 5 + 2  # disk radius + half the 5x5 median of the changed map


def make_pool(rng):
    """8 smoothed-noise uint8 RGB images at different scales: stand-ins for normal training images."""
    pool = []
    for i in range(POOL):
        noise = rng.random((SIZE, SIZE, 3)).astype(np.float32)
        noise = cv2.GaussianBlur(noise, (0, 0), sigmaX=1.0 + 1.5 * i)
        noise += 0.15 * rng.random((SIZE, SIZE, 3)).astype(np.float32)  # some fine grain too
        pool.append(cv2.normalize(noise, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8))
    return pool


def half_width(rng):
    return int(round(np.clip((0.03 + rng.gamma(2.0, 0.05)) * SIZE, 0.03 * SIZE, MAX_W)))


def nsa_patch(result, source, union, rng):
    """Cuts, resizes and Poisson-clones one patch of source into result; returns the new result
    and marks the patch mask in union."""
    hw_y, hw_x = half_width(rng), half_width(rng)
    cy, cx = int(rng.integers(MIN_W, SIZE - MIN_W)), int(rng.integers(MIN_W, SIZE - MIN_W))
    y0, y1 = max(cy - hw_y, 0), min(cy + hw_y, SIZE)
    x0, x1 = max(cx - hw_x, 0), min(cx + hw_x, SIZE)
    h, w = y1 - y0, x1 - x0
    scale = np.clip(rng.normal(1.0, 0.5), *SCALE_BOUNDS)
    new_h = np.clip(scale * h, 2 * MIN_W, 2 * MAX_W)
    new_w = int(round(np.clip(new_h / h * w, 2 * MIN_W, 2 * MAX_W)))
    new_h = max(int(round(new_w / w * h)), 1)
    patch = cv2.resize(source[y0:y1, x0:x1], (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    top = int(rng.integers(1, SIZE - new_h))  # 1-pixel margin on every side
    left = int(rng.integers(1, SIZE - new_w))
    mask = np.zeros((new_h, new_w), np.uint8)
    mask[1:-1, 1:-1] = 255
    union[top:top + new_h, left:left + new_w] |= mask
    if (new_h - 2) * (new_w - 2) < MIN_CLONE_PIXELS or min(new_h, new_w) < 5:
        return result
    # seamlessClone centres the patch-sized frame at (x, y) = top-left + size // 2 (checked: cloning
    # a crop of result back to where it came from leaves result unchanged).
    return cv2.seamlessClone(patch, result, mask, (left + new_w // 2, top + new_h // 2), cv2.NORMAL_CLONE)


def nsa_label(original, result, union):
    """NSA's logistic-intensity label of the pixels that changed inside the patch masks."""
    label = np.zeros((SIZE, SIZE), np.float32)
    ys, xs = np.nonzero(union)
    if ys.size == 0:
        return label
    # The union's bounding box grown by the reach of both medians: outside it the label is 0.
    y0, y1 = max(ys.min() - MEDIAN_MARGIN, 0), min(ys.max() + 1 + MEDIAN_MARGIN, SIZE)
    x0, x1 = max(xs.min() - MEDIAN_MARGIN, 0), min(xs.max() + 1 + MEDIAN_MARGIN, SIZE)
    inside = union[y0:y1, x0:x1, None] > 0
    a = original[y0:y1, x0:x1].astype(np.float32)
    b = result[y0:y1, x0:x1].astype(np.float32)
    diff = np.abs(a * inside - b * inside).mean(axis=2)
    changed = cv2.medianBlur((diff > TOLERANCE).astype(np.uint8) * 255, 5) > 0
    d = rank_median(np.rint(diff).astype(np.uint8), DISK).astype(np.float32)
    label[y0:y1, x0:x1] = changed / (1.0 + np.exp(-LOGISTIC_K * (d - LOGISTIC_X0)))
    return label


def nsa_sample(pool, index, rng, clock):
    """One NSA training sample from pool[index % 8]: returns (image, label, patches).

    clock[0] accumulates the time spent on the label."""
    dest = index % len(pool)
    original = pool[dest]
    source = pool[(dest + int(rng.integers(1, len(pool)))) % len(pool)]
    patches = 1 + sum(rng.random() < 0.5 for _ in range(NUM_PATCHES - 1))
    result, union = original.copy(), np.zeros((SIZE, SIZE), np.uint8)
    for _ in range(patches):
        result = nsa_patch(result, source, union, rng)
    start = time.perf_counter()
    label = nsa_label(original, result, union)
    clock[0] += time.perf_counter() - start
    return result, label, patches


def time_reference(samples=500, warmup=10):
    """Seconds per sample, the label's share of that, and the mean number of patches."""
    rng = np.random.default_rng(1)
    pool = make_pool(rng)
    clock = [0.0]
    for i in range(warmup):
        nsa_sample(pool, i, rng, clock)
    clock, patches, start = [0.0], 0, time.perf_counter()
    for i in range(samples):
        patches += nsa_sample(pool, i, rng, clock)[2]
    total = time.perf_counter() - start
    return total / samples, clock[0] / total, patches / samples


def main():
    args = sys.argv[1:]
    reference_only = "--reference-only" in args
    args = [a for a in args if a != "--reference-only"]
    bench = args[0] if args else "build/benchmarks/ias_bench"
    name, ias = None, None
    if not reference_only:  # ias first, so that a missing benchmark fails fast
        for name in (f"BM_recipe_nsa/size:{SIZE}", f"BM_recipe_nsa/{SIZE}"):
            ias = time_ias(bench, name)
            if ias is not None:
                break
        if ias is None:
            print(f"BM_recipe_nsa/size:{SIZE} (or BM_recipe_nsa/{SIZE}) not found in {bench}")
            sys.exit(1)
    samples = 500
    # First as NSA's loader runs (glibc's default allocator), then with freed memory kept.
    default, label_share, patches = time_reference(samples)
    keep_freed_memory()
    tuned, tuned_share, _ = time_reference(samples)
    print(f"reference over {samples} timed samples: {patches:.2f} patches per sample (expected 2.5)")
    print(f"NSA synthesis {SIZE}x{SIZE}, numpy/OpenCV seamlessClone reference: {default * 1e3:.2f} ms "
          f"per sample (default allocator), {tuned * 1e3:.2f} ms (freed memory kept); "
          f"label {label_share * 100:.0f}% / {tuned_share * 100:.0f}% of it")
    if ias is not None:
        print(f"{name}: {ias * 1e6:.1f} us per sample, {default / ias:.0f}x the default reference, "
              f"{tuned / ias:.0f}x the tuned one")


if __name__ == "__main__":
    main()
