// SPDX-License-Identifier: MIT
// SLIC superpixels (Achanta et al., TPAMI 2012): the segmentation behind SMAI's superpixel masks.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/image_view.hpp"

namespace ias::fn {

/// SLIC settings: about `segments` superpixels, `compactness` m weighting space against
/// colour (CIELAB units; 10 is SLIC's usual value), `iterations` k-means rounds.
struct slic_settings {
    int segments = 100;
    float compactness = 10.0f;
    int iterations = 10;
};

/// Buffers SLIC reuses between calls; keep one per thread to avoid allocating per image.
struct slic_scratch {
    std::vector<float> lab;        // 3 floats per pixel
    std::vector<float> distance;   // per pixel
    std::vector<float> centres;    // 5 floats per centre: l, a, b, x, y
    std::vector<double> sums;      // 6 per centre: l, a, b, x, y, count
    std::vector<std::int32_t> relabel, stack;
};

namespace detail {
/// The sRGB transfer function undone: display value in [0, 1] to linear light.
inline float srgb_to_linear(float c) noexcept { return c <= 0.04045f ? c / 12.92f : std::pow((c + 0.055f) / 1.055f, 2.4f); }

/// Linear RGB to CIELAB (D65), as SLIC's reference implementation converts.
inline void linear_rgb_to_lab(float rl, float gl, float bl, float* lab) noexcept {
    const float x = (0.4124564f * rl + 0.3575761f * gl + 0.1804375f * bl) / 0.95047f;
    const float y = 0.2126729f * rl + 0.7151522f * gl + 0.0721750f * bl;
    const float z = (0.0193339f * rl + 0.1191920f * gl + 0.9503041f * bl) / 1.08883f;
    auto f = [](float t) { return t > 0.008856f ? std::cbrt(t) : 7.787f * t + 16.0f / 116.0f; };
    const float fx = f(x), fy = f(y), fz = f(z);
    lab[0] = 116.0f * fy - 16.0f;
    lab[1] = 500.0f * (fx - fy);
    lab[2] = 200.0f * (fy - fz);
}
}  // namespace detail

/// Segments `image` into superpixels: `labels` (row-major, width·height entries) receives
/// 0..n−1 and the function returns n. Steps: CIELAB conversion (grey images use L only),
/// seeds on a regular grid of step S = √(N/K) moved to the lowest gradient of their 3×3
/// neighbourhood, `iterations` rounds of k-means restricted to 2S×2S windows with distance
/// d² = d_lab² + (d_xy·m/S)², then a connectivity pass that merges fragments smaller than
/// S²/4 into a neighbour, so that every superpixel is one 4-connected region.
/// Deterministic (no randomness). Throws std::invalid_argument for bad settings or labels size.
template <class T>
int slic(image_view<const T> image, std::span<std::int32_t> labels, const slic_settings& settings, slic_scratch& scratch) {
    const int w = image.width(), h = image.height();
    const std::size_t n = std::size_t(w) * std::size_t(h);
    if (settings.segments < 1) throw std::invalid_argument("ias::fn::slic_settings::segments must be >= 1, got " + std::to_string(settings.segments));
    if (!(settings.compactness > 0.0f)) throw std::invalid_argument("ias::fn::slic_settings::compactness must be > 0");
    if (settings.iterations < 1) throw std::invalid_argument("ias::fn::slic_settings::iterations must be >= 1");
    if (labels.size() != n)
        throw std::invalid_argument("ias::fn::slic: labels holds " + std::to_string(labels.size()) + " entries for " +
                                    std::to_string(n) + " pixels");
    if (n == 0) return 0;

    // 1. CIELAB.
    auto& lab = scratch.lab;
    lab.resize(3 * n);
    // 8-bit values go through a table: the power function per pixel would dominate.
    static const auto table = [] {
        std::array<float, 256> t{};
        for (int i = 0; i < 256; ++i) t[std::size_t(i)] = detail::srgb_to_linear(float(i) / 255.0f);
        return t;
    }();
    auto linear = [&](int x, int y, int c) {
        if constexpr (std::is_same_v<std::remove_const_t<T>, float>) return detail::srgb_to_linear(image(x, y, c));
        else return table[image(x, y, c)];
    };
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            float* p = &lab[3 * (std::size_t(y) * std::size_t(w) + std::size_t(x))];
            if (image.channels() >= 3) {
                detail::linear_rgb_to_lab(linear(x, y, 0), linear(x, y, 1), linear(x, y, 2), p);
            } else {
                const float v = linear(x, y, 0);
                detail::linear_rgb_to_lab(v, v, v, p);
                p[1] = p[2] = 0.0f;
            }
        }
    auto at = [&](int x, int y) { return &lab[3 * (std::size_t(y) * std::size_t(w) + std::size_t(x))]; };

    // 2. Seeds on a grid, nudged off edges.
    const double step = std::sqrt(double(n) / settings.segments);
    const int rows = std::max(1, int(std::lround(h / step))), cols = std::max(1, int(std::lround(w / step)));
    auto& centres = scratch.centres;
    centres.clear();
    auto gradient = [&](int x, int y) {
        const float* l = at(std::max(x - 1, 0), y);
        const float* r = at(std::min(x + 1, w - 1), y);
        const float* u = at(x, std::max(y - 1, 0));
        const float* d = at(x, std::min(y + 1, h - 1));
        float g = 0;
        for (int c = 0; c < 3; ++c) g += (r[c] - l[c]) * (r[c] - l[c]) + (d[c] - u[c]) * (d[c] - u[c]);
        return g;
    };
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j) {
            int bx = std::min(w - 1, int((j + 0.5) * w / cols)), by = std::min(h - 1, int((i + 0.5) * h / rows));
            float best = gradient(bx, by);
            const int x0 = bx, y0 = by;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) {
                    const int x = x0 + dx, y = y0 + dy;
                    if (x < 0 || y < 0 || x >= w || y >= h) continue;
                    if (const float g = gradient(x, y); g < best) best = g, bx = x, by = y;
                }
            const float* p = at(bx, by);
            centres.insert(centres.end(), {p[0], p[1], p[2], float(bx), float(by)});
        }
    const int k = int(centres.size() / 5);

    // 3. Local k-means.
    const float s = float(step), weight = (settings.compactness / s) * (settings.compactness / s);
    const int window = int(std::ceil(step));
    auto& distance = scratch.distance;
    distance.resize(n);
    auto& sums = scratch.sums;
    for (int it = 0; it < settings.iterations; ++it) {
        std::fill(distance.begin(), distance.end(), std::numeric_limits<float>::max());
        for (int c = 0; c < k; ++c) {
            const float* ctr = &centres[5 * std::size_t(c)];
            const int cx = int(std::lround(ctr[3])), cy = int(std::lround(ctr[4]));
            for (int y = std::max(cy - window, 0); y <= std::min(cy + window, h - 1); ++y)
                for (int x = std::max(cx - window, 0); x <= std::min(cx + window, w - 1); ++x) {
                    const float* p = at(x, y);
                    const float dl = p[0] - ctr[0], da = p[1] - ctr[1], db = p[2] - ctr[2];
                    const float dx = float(x) - ctr[3], dy = float(y) - ctr[4];
                    const float d = dl * dl + da * da + db * db + (dx * dx + dy * dy) * weight;
                    const std::size_t i = std::size_t(y) * std::size_t(w) + std::size_t(x);
                    if (d < distance[i]) {
                        distance[i] = d;
                        labels[i] = c;
                    }
                }
        }
        sums.assign(6 * std::size_t(k), 0.0);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const std::size_t i = std::size_t(y) * std::size_t(w) + std::size_t(x);
                double* sum = &sums[6 * std::size_t(labels[i])];
                const float* p = &lab[3 * i];
                sum[0] += p[0], sum[1] += p[1], sum[2] += p[2], sum[3] += x, sum[4] += y, sum[5] += 1;
            }
        for (int c = 0; c < k; ++c) {
            const double* sum = &sums[6 * std::size_t(c)];
            if (sum[5] == 0) continue;
            for (int f = 0; f < 5; ++f) centres[5 * std::size_t(c) + std::size_t(f)] = float(sum[f] / sum[5]);
        }
    }

    // 4. Connectivity: flood each 4-connected fragment; small ones join the label met just before.
    auto& relabel = scratch.relabel;
    relabel.assign(n, -1);
    auto& stack = scratch.stack;
    const std::size_t minimum = std::max<std::size_t>(1, std::size_t(step * step / 4));
    int next = 0;
    for (std::size_t start = 0; start < n; ++start) {
        if (relabel[start] >= 0) continue;
        const std::int32_t original = labels[start];
        // The label of an already relabelled 4-neighbour, for merging a small fragment.
        std::int32_t adjacent = -1;
        const int sx = int(start % std::size_t(w)), sy = int(start / std::size_t(w));
        if (sx > 0 && relabel[start - 1] >= 0) adjacent = relabel[start - 1];
        else if (sy > 0 && relabel[start - std::size_t(w)] >= 0) adjacent = relabel[start - std::size_t(w)];
        stack.clear();
        stack.push_back(std::int32_t(start));
        relabel[start] = next;
        for (std::size_t head = 0; head < stack.size(); ++head) {
            const auto i = std::size_t(stack[head]);
            const int x = int(i % std::size_t(w)), y = int(i / std::size_t(w));
            const std::size_t neighbours[4] = {x > 0 ? i - 1 : i, x + 1 < w ? i + 1 : i, y > 0 ? i - std::size_t(w) : i,
                                               y + 1 < h ? i + std::size_t(w) : i};
            for (const std::size_t j : neighbours)
                if (relabel[j] < 0 && labels[j] == original) {
                    relabel[j] = next;
                    stack.push_back(std::int32_t(j));
                }
        }
        if (stack.size() < minimum && adjacent >= 0) {
            for (const auto i : stack) relabel[std::size_t(i)] = adjacent;
        } else {
            ++next;
        }
    }
    for (std::size_t i = 0; i < n; ++i) labels[i] = relabel[i];
    return next;
}

}  // namespace ias::fn
