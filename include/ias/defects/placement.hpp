// SPDX-License-Identifier: MIT
// Where a procedural defect goes: a point drawn for a defect_spec's location, with the outward
// normal of the object there.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/image.hpp"
#include "../core/luma.hpp"
#include "../core/rng.hpp"
#include "../detail/grow.hpp"
#include "defect_spec.hpp"

namespace ias {

/// A defect's anchor in pixel coordinates (pixel centres at integer + 0.5), and the direction,
/// in radians, that points out of the object there (at an object edge; elsewhere a uniform
/// random direction, which kinds without a preferred direction ignore).
struct defect_site {
    float x = 0.0f;
    float y = 0.0f;
    float outward = 0.0f;
};

namespace detail::placement {

inline bool inside(const image<float>& fg, int x, int y) noexcept { return fg(x, y) > 0.5f; }

/// The check of a foreground: empty, or one channel of the image's size. Throws ias::error
/// naming `who` and both shapes.
inline void expect_foreground(const char* who, const image<float>& foreground, int width, int height) {
    if (!foreground.empty() && (foreground.width() != width || foreground.height() != height || foreground.channels() != 1))
        throw error(std::string("ias::") + who + ": the foreground is " + std::to_string(foreground.width()) + "x" +
                    std::to_string(foreground.height()) + "x" + std::to_string(foreground.channels()) +
                    "; it must be empty or one channel of the image's size " + std::to_string(width) + "x" + std::to_string(height));
}

/// What missing material reveals, per channel, and how many channels it replaces.
struct exposed_fill {
    std::array<float, 4> value{};
    int channels = 0;
};

/// The fill of the material a chip or a fray removes inside the box [x0, x1] × [y0, y1]:
/// `background` when given (a one-channel image takes its luminance
/// 0.299R + 0.587G + 0.114B; a fourth channel keeps its value), else the mean, per channel, of
/// the box's non-material pixels when it holds any (what lies behind the object shows through),
/// else the mean of its material pixels − contrast (+ contrast when `bright`), clamped to
/// [0, 1]: a cavity. Material is where `foreground` is empty or above 0.5.
inline exposed_fill fill_of_missing_material(const image<float>& pixels, const image<float>& foreground, int x0, int y0, int x1, int y1,
                                             const std::optional<std::array<float, 3>>& background, float contrast, bool bright) {
    const int channels = pixels.channels();
    exposed_fill fill{{}, channels};
    if (background) {
        const auto& col = *background;
        if (channels == 1) fill.value[0] = luma(col[0], col[1], col[2]);
        else fill.value = {col[0], col[1], col[2], 0.0f}, fill.channels = 3;
        return fill;
    }
    std::array<double, 4> behind{}, surface{};
    double behind_count = 0.0, surface_count = 0.0;
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x) {
            const bool on_object = foreground.empty() || foreground(x, y) > 0.5f;
            auto& sum = on_object ? surface : behind;
            (on_object ? surface_count : behind_count) += 1.0;
            for (int c = 0; c < channels; ++c) sum[std::size_t(c)] += pixels(x, y, c);
        }
    const float sign = bright ? 1.0f : -1.0f;
    for (std::size_t c = 0; c < std::size_t(channels); ++c)
        fill.value[c] = behind_count > 0.0 ? float(behind[c] / behind_count)
                                           : std::clamp(float(surface[c] / std::max(1.0, surface_count)) + sign * contrast, 0.0f, 1.0f);
    return fill;
}

/// A size drawn uniformly from `spec.size` (a fraction of min(W, H)), in pixels: the length
/// of the linear kinds (scratch, crack, fray). One draw.
inline float length_from_size(const defect_spec& spec, int width, int height, rng_stream& rng) {
    return rng.uniform(spec.size.min, spec.size.max) * float(std::min(width, height));
}

/// Half of `length_from_size`: the radius of the round kinds, whose size is a diameter (pore,
/// stain, dent, chip, particle). Halving is exact, so this is the radius that draw gives.
inline float radius_from_size(const defect_spec& spec, int width, int height, rng_stream& rng) {
    return 0.5f * length_from_size(spec, width, height, rng);
}

/// The renderers' check of their output mask: one channel of the image's size.
inline void expect_mask(const char* renderer, const image<float>& pixels, const image<float>& mask) {
    if (mask.width() != pixels.width() || mask.height() != pixels.height() || mask.channels() != 1)
        throw std::invalid_argument(std::string("ias::") + renderer + ": the mask must be one channel of the image's size");
}

/// A foreground pixel with a 4-neighbour outside the foreground or on the image's border.
inline bool on_boundary(const image<float>& fg, int x, int y) noexcept {
    if (!inside(fg, x, y)) return false;
    if (x == 0 || y == 0 || x == fg.width() - 1 || y == fg.height() - 1) return true;
    return !inside(fg, x - 1, y) || !inside(fg, x + 1, y) || !inside(fg, x, y - 1) || !inside(fg, x, y + 1);
}

/// The direction out of the object at (x, y): minus the foreground's gradient over a 7 × 7
/// window (outside the image counts as background, so a border pixel points out of the image).
inline float outward_at(const image<float>& fg, int x, int y) noexcept {
    double gx = 0.0, gy = 0.0;
    for (int dy = -3; dy <= 3; ++dy)
        for (int dx = -3; dx <= 3; ++dx) {
            const int px = x + dx, py = y + dy;
            const bool in = px >= 0 && py >= 0 && px < fg.width() && py < fg.height() && inside(fg, px, py);
            if (in) gx += dx, gy += dy;  // the centroid of the object around the pixel
        }
    return float(std::atan2(-gy, -gx));
}

/// The number of foreground pixels in row y (a reduction the compiler vectorises).
inline int foreground_count(const image<float>& fg, int y) noexcept {
    const float* r = fg.view().row(y);
    int n = 0;
    for (int x = 0; x < fg.width(); ++x) n += int(r[x] > 0.5f);
    return n;
}

/// The number of `on_boundary` pixels in row y, branch-free over the interior, so that it
/// vectorises.
inline int boundary_count(const image<float>& fg, int y) noexcept {
    const int w = fg.width(), h = fg.height();
    if (y == 0 || y == h - 1 || w <= 2) return foreground_count(fg, y);
    const float *r = fg.view().row(y), *up = fg.view().row(y - 1), *down = fg.view().row(y + 1);
    int n = int(r[0] > 0.5f) + int(r[w - 1] > 0.5f);
    for (int x = 1; x < w - 1; ++x) {
        const int enclosed = int(r[x - 1] > 0.5f) & int(r[x + 1] > 0.5f) & int(up[x] > 0.5f) & int(down[x] > 0.5f);
        n += int(r[x] > 0.5f) & (enclosed ^ 1);
    }
    return n;
}

/// The k-th pixel (row-major) for which `flagged(x, y)` holds, for k drawn uniformly below
/// their count, where `row_count(y)` counts them in row y; false when there is none. The
/// per-row counts make one vectorised pass over the image and leave only the chosen row to
/// search. No allocation once the per-thread counts have grown.
template <class RowCount, class Flagged>
bool pick_pixel(int w, int h, rng_stream& rng, RowCount&& row_count, Flagged&& flagged, int& px, int& py) {
    thread_local std::vector<std::int64_t> per_row;
    ias::detail::resize_grown(per_row, std::size_t(h));
    std::int64_t count = 0;
    for (int y = 0; y < h; ++y) count += per_row[std::size_t(y)] = row_count(y);
    if (count == 0) return false;
    std::int64_t k = rng.integer(0, count - 1);
    py = 0;
    while (k >= per_row[std::size_t(py)]) k -= per_row[std::size_t(py++)];
    for (px = 0; px < w; ++px)
        if (flagged(px, py) && k-- == 0) return true;
    return false;  // unreachable: the row holds per_row[py] > k flagged pixels
}

}  // namespace detail::placement

/// Draws where one defect of `spec` goes on a `width` × `height` image with the optional
/// `foreground` (empty: everywhere is the object). Locations (defect_location):
/// `anywhere` and `foreground` draw uniformly over the image or the foreground pixels;
/// `object_edge` over the foreground's boundary pixels, with the outward normal from the
/// foreground around the pixel (without a foreground: the image's border, pointing out);
/// `top`, `bottom`, `left`, `right` over that quarter of the image, `centre` over its central
/// half in each direction, `region` over `spec.region`. The point is uniform within its pixel.
/// Throws ias::error when the foreground is not one channel of the image's size.
inline defect_site place_defect(const defect_spec& spec, const image<float>& foreground, int width, int height, rng_stream& rng) {
    namespace dp = detail::placement;
    dp::expect_foreground("place_defect", foreground, width, height);
    const float random_direction = rng.uniform(-std::numbers::pi_v<float>, std::numbers::pi_v<float>);
    float x0 = 0, y0 = 0, x1 = float(width), y1 = float(height);  // a rectangle to draw from
    int px = 0, py = 0;
    switch (spec.location) {
        case defect_location::anywhere: break;
        case defect_location::foreground:
            if (!foreground.empty() &&
                dp::pick_pixel(
                    width, height, rng, [&](int y) { return dp::foreground_count(foreground, y); },
                    [&](int x, int y) { return dp::inside(foreground, x, y); }, px, py))
                return {float(px) + rng.uniform(), float(py) + rng.uniform(), random_direction};
            break;
        case defect_location::object_edge: {
            if (!foreground.empty() &&
                dp::pick_pixel(
                    width, height, rng, [&](int y) { return dp::boundary_count(foreground, y); },
                    [&](int x, int y) { return dp::on_boundary(foreground, x, y); }, px, py))
                return {float(px) + rng.uniform(), float(py) + rng.uniform(), dp::outward_at(foreground, px, py)};
            // No object: a point on the image's border, pointing out of the image.
            const std::int64_t perimeter = 2 * std::int64_t(width) + 2 * std::int64_t(height);
            std::int64_t k = rng.integer(0, perimeter - 1);
            const float along = rng.uniform();
            if (k < width) return {float(k) + along, 0.5f, -std::numbers::pi_v<float> / 2};
            k -= width;
            if (k < width) return {float(k) + along, float(height) - 0.5f, std::numbers::pi_v<float> / 2};
            k -= width;
            if (k < height) return {0.5f, float(k) + along, std::numbers::pi_v<float>};
            return {float(width) - 0.5f, float(k - height) + along, 0.0f};
        }
        case defect_location::top: y1 = float(height) / 4; break;
        case defect_location::bottom: y0 = float(height) * 3 / 4; break;
        case defect_location::left: x1 = float(width) / 4; break;
        case defect_location::right: x0 = float(width) * 3 / 4; break;
        case defect_location::centre:
            x0 = float(width) / 4, x1 = float(width) * 3 / 4, y0 = float(height) / 4, y1 = float(height) * 3 / 4;
            break;
        case defect_location::region:
            x0 = spec.region[0] * float(width), y0 = spec.region[1] * float(height);
            x1 = spec.region[2] * float(width), y1 = spec.region[3] * float(height);
            break;
    }
    return {rng.uniform(x0, x1), rng.uniform(y0, y1), random_direction};
}

}  // namespace ias
