#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Times DRAEM's per-sample training augmentation (numpy + OpenCV) against ias's BM_recipe_draem/256.

The reference follows the published algorithm (METHODS.md section 2.2; DRAEM data_loader.py
MVTecDRAEMTrainDataset), written here from that description, per 256x256 RGB sample:
rotate the normal image by U[-90, 90] degrees with probability 0.3; take one of 8 in-memory
320x320 textures (DRAEM reads a DTD image from disk; disk and decode are left out) and resize it
to 256x256; apply 3 distinct texture ops of 10 in drawn order on uint8, as imgaug does; make the
Perlin mask of perlin_draem.py; blend with beta ~ U[0, 0.8); finally, with probability 0.5, throw
the result away and return the normal image with an empty mask. DRAEM draws that coin after all
the work, so the reference does all the work too. OpenCV stands in for imgaug/PIL wherever it
does the same thing faster, which only makes the reference quicker.

    benchmarks/compare/draem_augment.py [path/to/ias_bench]

Prints the reference's time per sample (with glibc's default allocator, as DRAEM's loader runs,
and with freed memory kept, its fastest), its share of anomalous samples, and ias's time for
BM_recipe_draem (textures resized per sample, like the reference) and
BM_recipe_draem_fitted_bank (texture_bank::resized once) with the ratios. Exits 1 if ias_bench
has neither.
"""
import json
import os
import subprocess
import sys
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from perlin_draem import draem_mask, keep_freed_memory  # noqa: E402  (the mask benchmark's reference)

SIZE = 256
IDENTITY = np.arange(256)


def lut(tables):
    """Applies one 256-entry table per channel (list of 3 arrays) to a uint8 RGB image."""
    return lambda img: cv2.LUT(img, np.stack(tables, axis=-1).reshape(1, 256, 3).astype(np.uint8))


def rotate(img, angle):
    centre = ((img.shape[1] - 1) / 2.0, (img.shape[0] - 1) / 2.0)
    matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
    return cv2.warpAffine(img, matrix, (img.shape[1], img.shape[0]), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


# The 10 texture ops on uint8 RGB; each draws its own parameters from rng.
def gamma_contrast(img, rng):  # per channel gamma in [0.5, 2]
    return lut([255 * (IDENTITY / 255) ** rng.uniform(0.5, 2.0) + 0.5 for _ in range(3)])(img)


def multiply_and_add(img, rng):  # x * U[0.8, 1.2] + U[-30, 30], clipped
    table = np.clip(IDENTITY * rng.uniform(0.8, 1.2) + rng.uniform(-30, 30) + 0.5, 0, 255)
    return lut([table] * 3)(img)


def sharpness(img, rng):  # PIL ImageEnhance.Sharpness: blend with the SMOOTH filter, border kept
    kernel = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], np.float32) / 13
    smooth = cv2.filter2D(img, -1, kernel, borderType=cv2.BORDER_REPLICATE)
    smooth[0], smooth[-1], smooth[:, 0], smooth[:, -1] = img[0], img[-1], img[:, 0], img[:, -1]
    factor = rng.uniform(0.0, 2.0)
    return cv2.addWeighted(img, factor, smooth, 1.0 - factor, 0.0)  # saturates to [0, 255]


def hue_saturation(img, rng):  # hue and saturation each += U[-50, 50] (hue cyclic, 180 in OpenCV)
    hue_shift = int(round(rng.uniform(-50, 50) * 180 / 255))
    saturation = np.clip(IDENTITY + rng.uniform(-50, 50), 0, 255)
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    hsv = lut([(IDENTITY + hue_shift) % 180, saturation, IDENTITY])(hsv)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def solarize(img, rng):  # with p = 0.5, invert values >= U[32, 128]
    threshold = rng.uniform(32, 128)
    if rng.random() >= 0.5:
        return img
    return lut([np.where(IDENTITY >= threshold, 255 - IDENTITY, IDENTITY)] * 3)(img)


def posterize(img, rng):  # keep U{1..8} high bits
    bits = int(rng.integers(1, 9))
    return lut([IDENTITY & (0xFF << (8 - bits)) & 0xFF] * 3)(img)


def invert(img, rng):
    return 255 - img


def autocontrast(img, rng):  # per channel min -> 0, max -> 255
    tables = []
    for c in range(3):
        lo, hi, _, _ = cv2.minMaxLoc(img[..., c])
        tables.append(IDENTITY if hi <= lo else np.clip((IDENTITY - lo) * 255 / (hi - lo) + 0.5, 0, 255))
    return lut(tables)(img)


def equalize(img, rng):  # per channel histogram equalisation
    return cv2.merge([cv2.equalizeHist(channel) for channel in cv2.split(img)])


def affine(img, rng):  # rotation in [-45, 45] degrees, fill 0
    return rotate(img, rng.uniform(-45, 45))


TEXTURE_OPS = [gamma_contrast, multiply_and_add, sharpness, hue_saturation, solarize,
               posterize, invert, autocontrast, equalize, affine]


def make_textures(rng, count=8, size=320):
    """Smoothed noise at a few scales, stretched to uint8 RGB: stand-ins for DTD images."""
    textures = []
    for i in range(count):
        noise = rng.random((size, size, 3)).astype(np.float32)
        noise = cv2.GaussianBlur(noise, (0, 0), sigmaX=1.0 + 2.0 * i)
        textures.append(cv2.normalize(noise, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8))
    return textures


def draem_sample(image, textures, rng):
    """One DRAEM training sample: returns (image, mask, label)."""
    if rng.random() > 0.7:
        image = rotate(image, rng.uniform(-90, 90))
    texture = textures[int(rng.integers(len(textures)))]
    texture = cv2.resize(texture, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR)
    for op in rng.choice(len(TEXTURE_OPS), 3, replace=False):
        texture = TEXTURE_OPS[op](texture, rng)
    mask = draem_mask(SIZE, rng)[..., None]
    beta = rng.uniform(0.0, 0.8)
    texture = texture.astype(np.float32) / 255
    augmented = image * (1 - mask) + (1 - beta) * texture * mask + beta * image * mask
    if rng.random() > 0.5:  # drawn last, as DRAEM does: all of the above is thrown away
        return image, np.zeros_like(mask), 0
    return augmented.astype(np.float32), mask, int(mask.sum() > 0)


def time_reference(samples=200, warmup=10):
    rng = np.random.default_rng(1)
    textures = make_textures(rng)
    image = cv2.GaussianBlur(rng.random((SIZE, SIZE, 3)).astype(np.float32), (0, 0), 3.0)
    for _ in range(warmup):
        draem_sample(image, textures, rng)
    labels, start = [], time.perf_counter()
    for _ in range(samples):
        labels.append(draem_sample(image, textures, rng)[2])
    return (time.perf_counter() - start) / samples, np.mean(labels)


def time_ias(bench, name):
    """ias's real time per iteration in seconds, or None if the benchmark is missing."""
    try:
        out = subprocess.run([bench, f"--benchmark_filter=^{name}$", "--benchmark_format=json",
                              "--benchmark_min_time=1"], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"cannot run {bench}: {error}")
        return None
    if not out.strip():  # no benchmark matched the filter: ias_bench prints nothing on stdout
        return None
    for b in json.loads(out).get("benchmarks", []):
        if b["name"] == name:
            unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
            return b["real_time"] * unit
    return None


def main():
    bench = sys.argv[1] if len(sys.argv) > 1 else "build/benchmarks/ias_bench"
    samples = 200
    # First as DRAEM's loader runs (glibc's default allocator), then with freed memory kept,
    # the fastest this reference gets.
    default, anomalous = time_reference(samples)
    keep_freed_memory()
    tuned, _ = time_reference(samples)
    print(f"reference over {samples} timed samples: anomalous share {anomalous:.3f} (expected a bit under 0.5)")
    print(f"DRAEM augmentation {SIZE}x{SIZE}, numpy/OpenCV reference: {default * 1e3:.2f} ms per sample "
          f"(default allocator), {tuned * 1e3:.2f} ms (freed memory kept)")
    found = False
    for name in (f"BM_recipe_draem/size:{SIZE}", f"BM_recipe_draem_fitted_bank/size:{SIZE}"):
        ias = time_ias(bench, name)
        if ias is None:
            print(f"{name} not found in {bench}")
            continue
        found = True
        print(f"{name}: {ias * 1e6:.1f} us per sample, {default / ias:.0f}x the default reference, "
              f"{tuned / ias:.0f}x the tuned one")
    if not found:
        sys.exit(1)


if __name__ == "__main__":
    main()
