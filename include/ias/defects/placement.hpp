// SPDX-License-Identifier: MIT
// Where a procedural defect goes: a point drawn for a defect_spec's location, with the outward
// normal of the object there.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>
#include <string>

#include "../core/error.hpp"
#include "../core/image.hpp"
#include "../core/rng.hpp"
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

/// The k-th pixel (row-major) satisfying `pred`, for k drawn uniformly below their count;
/// false when none does.
template <class Pred>
bool pick_pixel(int w, int h, rng_stream& rng, Pred&& pred, int& px, int& py) {
    std::int64_t count = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) count += pred(x, y);
    if (count == 0) return false;
    std::int64_t k = rng.integer(0, count - 1);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            if (pred(x, y) && k-- == 0) {
                px = x, py = y;
                return true;
            }
    return false;
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
    if (!foreground.empty() && (foreground.width() != width || foreground.height() != height || foreground.channels() != 1))
        throw error("ias::place_defect: the foreground is " + std::to_string(foreground.width()) + "x" +
                    std::to_string(foreground.height()) + "x" + std::to_string(foreground.channels()) +
                    "; it must be one channel of the image's size " + std::to_string(width) + "x" + std::to_string(height));
    const float random_direction = rng.uniform(-std::numbers::pi_v<float>, std::numbers::pi_v<float>);
    float x0 = 0, y0 = 0, x1 = float(width), y1 = float(height);  // a rectangle to draw from
    int px = 0, py = 0;
    switch (spec.location) {
        case defect_location::anywhere: break;
        case defect_location::foreground:
            if (!foreground.empty() &&
                dp::pick_pixel(width, height, rng, [&](int x, int y) { return dp::inside(foreground, x, y); }, px, py))
                return {float(px) + rng.uniform(), float(py) + rng.uniform(), random_direction};
            break;
        case defect_location::object_edge: {
            if (!foreground.empty() &&
                dp::pick_pixel(width, height, rng, [&](int x, int y) { return dp::on_boundary(foreground, x, y); }, px, py))
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
