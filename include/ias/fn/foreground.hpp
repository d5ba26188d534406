// SPDX-License-Identifier: MIT
// Foreground estimation: where the object is, so that anomalies land on it and not on the background.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../core/describe.hpp"
#include "../core/image.hpp"
#include "../core/luma.hpp"
#include "filters.hpp"
#include "labelling.hpp"
#include "morphology.hpp"

namespace ias::fn {

/// How a colour image becomes one grey level per pixel.
enum class grey_conversion {
    luminance,  ///< 0.299 R + 0.587 G + 0.114 B (ITU-R 601, PIL's "L"); grey images as they are
    mean,       ///< mean of the colour channels (NSA's mean_RGB)
    channel,    ///< one channel, `foreground_settings::channel` (RealNet's VisA pcb rules use blue)
};

/// How the foreground is separated from the background.
enum class foreground_method {
    whole_image,          ///< everything is foreground (textures)
    threshold,            ///< grey level against a fixed threshold (MemSeg, BGAD)
    otsu,                 ///< Otsu's threshold (Otsu 1979), as OpenCV's THRESH_OTSU
    triangle,             ///< the triangle threshold (Zack et al. 1977), as OpenCV's THRESH_TRIANGLE
    background_distance,  ///< |grey - background level| > threshold (NSA, FractalAD)
    plane_fit,            ///< |value - least-squares plane| > threshold (depth maps)
};

/// Everything `estimate_foreground` needs. Grey levels are on the 0..255 scale whatever the
/// pixel type: uint8 values as they are, float values times 255.
struct foreground_settings {
    foreground_method method = foreground_method::whole_image;
    grey_conversion grey = grey_conversion::luminance;
    int channel = 0;               ///< with grey_conversion::channel
    float threshold = 128.0f;      ///< threshold, background_distance and plane_fit: grey levels
    bool foreground_above = true;  ///< threshold, otsu, triangle: foreground is grey > t (else grey <= t)
    float background = -1.0f;      ///< background_distance: the background grey level; < 0 samples the corners
    int corner_size = 20;          ///< background_distance: side of the four corner squares sampled
    int median_size = 0;           ///< odd median filter after thresholding (NSA 7, FractalAD 5); 0 = none
    int closing_size = 0;          ///< square closing after the median (RealNet 6); 0 = none
    int opening_size = 0;          ///< square opening after the closing (RealNet 6); 0 = none
    bool largest_component_only = false;  ///< keep only the largest 8-connected region (FractalAD)

    static const description<foreground_settings>& describe() {
        static const auto d = [] {
            using m = foreground_method;
            using g = grey_conversion;
            const std::vector<std::pair<std::string, bool>> no_yes{{"false", false}, {"true", true}};
            return description<foreground_settings>()
                .field("method", &foreground_settings::method,
                       {{"whole_image", m::whole_image}, {"threshold", m::threshold}, {"otsu", m::otsu}, {"triangle", m::triangle},
                        {"background_distance", m::background_distance}, {"plane_fit", m::plane_fit}},
                       "how the object is told from the background")
                .field("grey", &foreground_settings::grey, {{"luminance", g::luminance}, {"mean", g::mean}, {"channel", g::channel}},
                       "how a colour image becomes grey: ITU-R 601 luma, the channels' mean, or one channel")
                .field("channel", &foreground_settings::channel, 0, 3, "the channel read with grey = channel")
                .field("threshold", &foreground_settings::threshold, -1e6, 1e6,
                       "threshold, background_distance and plane_fit: the grey-level threshold (0-255 scale)")
                .field("foreground_above", &foreground_settings::foreground_above, no_yes,
                       "threshold, otsu, triangle: the object is brighter than the threshold (false: darker)")
                .field("background", &foreground_settings::background, -1, 255,
                       "background_distance: the background grey level; -1 samples the four corners")
                .field("corner_size", &foreground_settings::corner_size, 1, 4096, "background_distance: side of the corner squares, pixels")
                .field("median_size", &foreground_settings::median_size, 0, 255, "odd side of a median filter after thresholding; 0 = none")
                .field("closing_size", &foreground_settings::closing_size, 0, 255, "side of a square closing after the median; 0 = none")
                .field("opening_size", &foreground_settings::opening_size, 0, 255, "side of a square opening after the closing; 0 = none")
                .field("largest_component_only", &foreground_settings::largest_component_only, no_yes,
                       "keep only the largest 8-connected region");
        }();
        return d;
    }
};

/// Throws std::invalid_argument naming the field unless `s` is usable: every field within
/// its description, and an odd median.
inline void validate(const foreground_settings& s) {
    ias::validate(s, "ias::foreground_settings");
    if (s.median_size % 2 == 0 && s.median_size > 0)
        throw std::invalid_argument("ias::foreground_settings::median_size must be 0 or odd, got " + std::to_string(s.median_size));
}

/// Grey levels (0..255 scale) of `image` into the one-channel `out`.
template <class T>
void grey_levels(image_view<const T> image, image_view<float> out, grey_conversion conversion, int channel = 0) {
    if (!same_extent(image, out) || out.channels() != 1)
        throw std::invalid_argument("ias::fn::grey_levels: the output must be one channel of the image's size");
    const int colours = std::min(image.channels(), 3);  // alpha never counts
    // A grey image is its own red, green and blue: any colour channel of it is channel 0.
    const int picked = image.channels() == 1 && channel < 3 ? 0 : channel;
    if (conversion == grey_conversion::channel && (picked < 0 || picked >= image.channels()))
        throw std::invalid_argument("ias::fn::grey_levels: channel " + std::to_string(channel) + " of an image with " +
                                    std::to_string(image.channels()) + " channels");
    const float scale = std::is_same_v<T, float> ? 255.0f : 1.0f;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            float g;
            if (conversion == grey_conversion::channel || colours == 1) {
                g = float(image(x, y, conversion == grey_conversion::channel ? picked : 0));
            } else if (conversion == grey_conversion::mean) {
                g = (float(image(x, y, 0)) + float(image(x, y, 1)) + float(image(x, y, 2))) / 3.0f;
            } else {
                g = luma(float(image(x, y, 0)), float(image(x, y, 1)), float(image(x, y, 2)));
            }
            out(x, y) = g * scale;
        }
}

/// The 256-bin histogram of grey levels (0..255 scale, rounded, clamped).
inline std::array<std::uint64_t, 256> grey_histogram(image_view<const float> grey) {
    std::array<std::uint64_t, 256> h{};
    for (int y = 0; y < grey.height(); ++y)
        for (int x = 0; x < grey.width(); ++x) {
            const float g = grey(x, y);
            ++h[std::size_t(g > 0.0f ? (g < 255.0f ? int(g + 0.5f) : 255) : 0)];
        }
    return h;
}

/// Otsu's threshold (IEEE Trans. SMC 9(1), 1979): the level t maximising the between-class
/// variance of {<= t} and {> t}; the first such t, as OpenCV's THRESH_OTSU returns.
inline int otsu_threshold(const std::array<std::uint64_t, 256>& h) {
    double total = 0, weighted = 0;
    for (int i = 0; i < 256; ++i) {
        total += double(h[std::size_t(i)]);
        weighted += double(i) * double(h[std::size_t(i)]);
    }
    double below = 0, below_weighted = 0, best = -1;
    int threshold = 0;
    for (int t = 0; t < 256; ++t) {
        below += double(h[std::size_t(t)]);
        below_weighted += double(t) * double(h[std::size_t(t)]);
        const double above = total - below;
        if (below == 0 || above == 0) continue;
        const double m0 = below_weighted / below, m1 = (weighted - below_weighted) / above;
        const double between = below * above * (m0 - m1) * (m0 - m1);
        if (between > best) {
            best = between;
            threshold = t;
        }
    }
    return threshold;
}

/// The triangle threshold (Zack, Rogers and Latt 1977) as OpenCV's THRESH_TRIANGLE computes it:
/// a line from the histogram's peak to the far end of its longer tail; the level furthest
/// below that line, minus one, is the threshold (foreground is > t).
inline int triangle_threshold(std::array<std::uint64_t, 256> h) {
    int left = 0, right = 255, peak = 0;
    while (left < 256 && h[std::size_t(left)] == 0) ++left;
    while (right >= 0 && h[std::size_t(right)] == 0) --right;
    if (left > right) return 0;  // empty histogram
    if (left > 0) --left;
    if (right < 255) ++right;
    for (int i = 0; i < 256; ++i)
        if (h[std::size_t(i)] > h[std::size_t(peak)]) peak = i;
    const bool flipped = peak - left < right - peak;  // make the long tail lie to the left
    if (flipped) {
        std::reverse(h.begin(), h.end());
        left = 255 - right;
        peak = 255 - peak;
    }
    int threshold = left;
    const double a = double(h[std::size_t(peak)]), b = double(left - peak);
    double distance = 0;
    for (int i = left + 1; i <= peak; ++i) {
        const double d = a * i + b * double(h[std::size_t(i)]);
        if (d > distance) {
            distance = d;
            threshold = i;
        }
    }
    --threshold;
    return flipped ? 255 - threshold : threshold;
}

/// Mean grey level of the four corner squares of side `size` (clipped to the image).
inline float corner_level(image_view<const float> grey, int size) {
    const int sw = std::min(size, grey.width()), sh = std::min(size, grey.height());
    double sum = 0;
    std::size_t n = 0;
    for (const int y0 : {0, grey.height() - sh})
        for (const int x0 : {0, grey.width() - sw})
            for (int y = y0; y < y0 + sh; ++y)
                for (int x = x0; x < x0 + sw; ++x, ++n) sum += grey(x, y);
    return float(sum / double(n));
}

/// Residual |value - plane| of a least-squares plane z = a·x + b·y + c, fitted twice: on all
/// pixels, then on those within 2.5 standard deviations of the first fit, so that an object
/// standing on a flat background does not tilt the plane much.
inline void plane_residual(image_view<const float> grey, image_view<float> out) {
    auto fit = [&](double limit, const std::array<double, 3>& previous) {
        double sxx = 0, sxy = 0, sx = 0, syy = 0, sy = 0, n = 0, sxz = 0, syz = 0, sz = 0;
        for (int y = 0; y < grey.height(); ++y)
            for (int x = 0; x < grey.width(); ++x) {
                const double z = grey(x, y);
                if (std::abs(z - (previous[0] * x + previous[1] * y + previous[2])) > limit) continue;
                sxx += double(x) * x, sxy += double(x) * y, sx += x, syy += double(y) * y, sy += y, n += 1;
                sxz += x * z, syz += y * z, sz += z;
            }
        // Solve the 3x3 normal equations by Cramer's rule (they are tiny and well scaled).
        const double m[3][3] = {{sxx, sxy, sx}, {sxy, syy, sy}, {sx, sy, n}};
        const double r[3] = {sxz, syz, sz};
        auto det = [](const double k[3][3]) {
            return k[0][0] * (k[1][1] * k[2][2] - k[1][2] * k[2][1]) - k[0][1] * (k[1][0] * k[2][2] - k[1][2] * k[2][0]) +
                   k[0][2] * (k[1][0] * k[2][1] - k[1][1] * k[2][0]);
        };
        const double d = det(m);
        std::array<double, 3> plane{0, 0, n > 0 ? sz / n : 0};
        if (std::abs(d) > 1e-9 * (1 + std::abs(sxx * syy * n))) {
            for (int k = 0; k < 3; ++k) {
                double mk[3][3];
                for (int i = 0; i < 3; ++i)
                    for (int j = 0; j < 3; ++j) mk[i][j] = j == k ? r[i] : m[i][j];
                plane[std::size_t(k)] = det(mk) / d;
            }
        }
        return plane;
    };
    const auto first = fit(1e300, {0, 0, 0});
    double sq = 0;
    for (int y = 0; y < grey.height(); ++y)
        for (int x = 0; x < grey.width(); ++x) {
            const double e = grey(x, y) - (first[0] * x + first[1] * y + first[2]);
            sq += e * e;
        }
    const double sigma = std::sqrt(sq / double(std::max<std::size_t>(1, std::size_t(grey.width()) * std::size_t(grey.height()))));
    const auto plane = fit(2.5 * sigma + 1e-12, first);
    for (int y = 0; y < grey.height(); ++y)
        for (int x = 0; x < grey.width(); ++x)
            out(x, y) = float(std::abs(grey(x, y) - (plane[0] * x + plane[1] * y + plane[2])));
}

/// Writes the binary foreground (1 object, 0 background) of `image` into the one-channel
/// `out` (the image's size), by `settings` (see `foreground_method`), then applies the median,
/// closing, opening and largest-component steps that are switched on. `scratch` is reused
/// between calls, so a caller that keeps it does not allocate in steady state (except the
/// largest-component step). Throws std::invalid_argument for bad settings or shapes.
template <class T>
void estimate_foreground(image_view<const T> image, image_view<float> out, const foreground_settings& settings,
                         ias::image<float>& scratch) {
    validate(settings);
    if (!same_extent(image, out) || out.channels() != 1)
        throw std::invalid_argument("ias::fn::estimate_foreground: the output must be one channel of the image's size");
    if (settings.method == foreground_method::whole_image) {
        for (int y = 0; y < out.height(); ++y)
            for (int x = 0; x < out.width(); ++x) out(x, y) = 1.0f;
        return;
    }
    grey_levels(image, out, settings.grey, settings.channel);  // `out` holds the grey levels for now
    const image_view<const float> grey = out;
    float t = settings.threshold;
    bool above = settings.foreground_above;
    switch (settings.method) {
        case foreground_method::otsu: t = float(otsu_threshold(grey_histogram(grey))); break;
        case foreground_method::triangle: t = float(triangle_threshold(grey_histogram(grey))); break;
        case foreground_method::background_distance: {
            const float level = settings.background >= 0.0f ? settings.background : corner_level(grey, settings.corner_size);
            for (int y = 0; y < out.height(); ++y)
                for (int x = 0; x < out.width(); ++x) out(x, y) = std::abs(out(x, y) - level);
            above = true;
            break;
        }
        case foreground_method::plane_fit:
            scratch.resize(out.width(), out.height(), 1);
            plane_residual(grey, scratch.view());
            for (int y = 0; y < out.height(); ++y)
                for (int x = 0; x < out.width(); ++x) out(x, y) = scratch(x, y);
            above = true;
            break;
        default: break;
    }
    if (settings.method == foreground_method::otsu || settings.method == foreground_method::triangle) {
        // Otsu and Triangle levels are histogram bins: compare rounded grey levels, as OpenCV does.
        for (int y = 0; y < out.height(); ++y)
            for (int x = 0; x < out.width(); ++x) out(x, y) = std::round(out(x, y));
    }
    for (int y = 0; y < out.height(); ++y)
        for (int x = 0; x < out.width(); ++x) out(x, y) = (out(x, y) > t) == above ? 1.0f : 0.0f;

    if (settings.median_size > 1) median_filter(out, out, settings.median_size, scratch);
    if (settings.closing_size > 0) close(out, out, {kernel_shape::square, settings.closing_size}, scratch);
    if (settings.opening_size > 0) open(out, out, {kernel_shape::square, settings.opening_size}, scratch);
    if (settings.largest_component_only) {
        std::vector<std::int32_t> labels(std::size_t(out.width()) * std::size_t(out.height()));
        const int count = connected_components(out, labels, connectivity::eight);
        if (count > 1) {
            const auto areas = component_areas(labels, count);
            const auto largest = std::int32_t(std::max_element(areas.begin() + 1, areas.end()) - areas.begin());
            for (int y = 0; y < out.height(); ++y)
                for (int x = 0; x < out.width(); ++x)
                    if (labels[std::size_t(y) * std::size_t(out.width()) + std::size_t(x)] != largest) out(x, y) = 0.0f;
        }
    }
}

}  // namespace ias::fn
