// SPDX-License-Identifier: MIT
// nsa: Natural Synthetic Anomalies, patches of another normal image shifted, resized and Poisson-blended in.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../core/image.hpp"
#include "../fn/change_label.hpp"
#include "../fn/poisson.hpp"
#include "../fn/resize.hpp"
#include "../fn/shapes.hpp"
#include "../textures/image_pool.hpp"

namespace ias {

/// How NSA puts a patch into the image (METHODS §2.5 step 7).
enum class nsa_blend {
    normal_clone,  ///< Poisson, source gradients (OpenCV NORMAL_CLONE; the paper's "Shift")
    mixed_clone,   ///< Poisson, the larger gradient (MIXED_CLONE; "Shift-M")
    mix,           ///< a coin per patch between normal_clone and mixed_clone
    swap,          ///< hard paste
    uniform,       ///< I ← I + f·(P − I), f ~ U[uniform.min, uniform.max] per patch (FPI style)
};

/// NSA's object rule for one image (METHODS §2.5 step 1): the object is where the mean of the
/// channels differs from the background level by more than the threshold (0–255 scale),
/// cleaned by a 7×7 median.
struct nsa_object_rule {
    float background = 0.0f;
    float threshold = 0.0f;
};

/// The settings of `nsa`.
struct nsa_settings {
    static constexpr int max_patches = 8;

    std::shared_ptr<const image_pool> pool{};  ///< foreign images; null: the sample itself
    int patch_count_max = 4;
    float extra_patch_probability = 0.5f;
    bool gamma_widths = true;
    range<float> height{0.03f, 0.4f};  ///< half-height bounds, fraction of the image height
    range<float> width{0.03f, 0.4f};   ///< half-width bounds, fraction of the image width
    bool resize = true;
    range<float> scale{0.5f, 2.0f};
    bool shift = true;
    int ellipses = 0;  ///< 0: rectangles; NSA's option: 5
    nsa_blend blend = nsa_blend::normal_clone;
    range<float> uniform{0.05f, 0.95f};
    bool object_aware = false;
    nsa_object_rule object_rule{};
    float min_object_fraction = 0.0f;
    float min_overlap_fraction = 0.25f;
    int max_attempts = 200;
    fn::change_label_mode label_mode = fn::change_label_mode::logistic_intensity;
    float label_k = 1.0f / 6.0f;  ///< logistic slope per grey level
    float label_x0 = 20.0f;       ///< logistic midpoint, grey levels
    float change_tolerance = 1.0f / 255.0f;
    fn::poisson_settings poisson{};

    /// NSA's settings for an MVTec AD category (METHODS §2.5: patch counts, width bounds,
    /// object rules and fractions, resize bounds, logistic k and x0); "" is the generic
    /// texture setting (the defaults). Throws std::invalid_argument for an unknown category.
    static nsa_settings for_category(std::string_view category);

    static const description<nsa_settings>& describe() {
        using S = nsa_settings;
        using fn::change_label_mode;
        static const auto d =
            description<S>()
                .field("patch_count_max", &S::patch_count_max, 1, max_patches, "most patches per sample (the first always, each further one by chance)")
                .field("extra_patch_probability", &S::extra_patch_probability, 0, 1, "chance of each patch after the first")
                .field("gamma_widths", &S::gamma_widths, {{"true", true}, {"false", false}},
                       "half-widths (0.03 + Gamma(2, 0.05)) times the side (NSA), or uniform within the bounds")
                .field("height", &S::height, 0, 0.5, "half-height bounds, fraction of the image height")
                .field("width", &S::width, 0, 0.5, "half-width bounds, fraction of the image width")
                .field("resize", &S::resize, {{"true", true}, {"false", false}}, "resize each patch by N(1, 0.5^2) clipped to scale")
                .field("scale", &S::scale, 0.01, 100, "bounds of the resize factor")
                .field("shift", &S::shift, {{"true", true}, {"false", false}}, "a uniform destination, or the source position")
                .field("ellipses", &S::ellipses, 0, 64, "the clone mask is the union of this many ellipses; 0: the rectangle")
                .field("blend", &S::blend,
                       {{"normal_clone", nsa_blend::normal_clone},
                        {"mixed_clone", nsa_blend::mixed_clone},
                        {"mix", nsa_blend::mix},
                        {"swap", nsa_blend::swap},
                        {"uniform", nsa_blend::uniform}},
                       "how a patch is blended in")
                .field("uniform", &S::uniform, 0, 1, "with the uniform blend: the factor is uniform in this range")
                .field("object_aware", &S::object_aware, {{"true", true}, {"false", false}},
                       "redraw boxes until they lie on the object of object_rule")
                .field("min_object_fraction", &S::min_object_fraction, 0, 1, "object-aware: the source box's object share must exceed this")
                .field("min_overlap_fraction", &S::min_overlap_fraction, 0, 1, "object-aware: the destination's object overlap must exceed this")
                .field("max_attempts", &S::max_attempts, 1, 100000, "object-aware: box draws per patch before it is skipped")
                .field("label_mode", &S::label_mode,
                       {{"binary", change_label_mode::binary},
                        {"continuous", change_label_mode::continuous},
                        {"intensity", change_label_mode::intensity},
                        {"logistic_intensity", change_label_mode::logistic_intensity}},
                       "how the changed pixels give the label")
                .field("label_k", &S::label_k, 0, 1000, "logistic slope per grey level")
                .field("label_x0", &S::label_x0, -1000, 1000, "logistic midpoint, grey levels")
                .field("change_tolerance", &S::change_tolerance, 0, 1, "a pixel changed when it moved by more than this")
                .rule("with object_aware, object_rule's background and threshold must lie in [0, 255]", [](const S& s) {
                    const auto within = [](float v) { return v >= 0.0f && v <= 255.0f; };
                    return !s.object_aware || (within(s.object_rule.background) && within(s.object_rule.threshold));
                });
        return d;
    }
};

/// Natural Synthetic Anomalies (Schlüter, Tan, Holland, Kainz; ECCV 2022; METHODS §2.5):
/// one to `patch_count_max` rectangular patches (the first always, each further one with
/// probability `extra_patch_probability`) are cut from a foreign normal image, resized, and
/// blended in at a new place by Poisson image editing; the label comes from the pixels that
/// actually changed, so a paste that changes nothing leaves the sample normal.
///
/// - Foreign image: drawn from `pool` (never the sample's own, `sample.source_index`, unless
///   the pool has one image); with no pool, the sample's own image (a self-paste).
/// - Half-widths per axis: (0.03 + Gamma(2, 0.05))·size clipped to [min, max]·size (uniform
///   in [min, max] with `gamma_widths = false`); height bounds first, as NSA's tables.
///   Source centre uniform in [min, size − min), the box clipped to the image.
/// - Resize: s = N(1, 0.5²) clipped to [scale.min, scale.max] (NSA: 0.5–2 for textures,
///   0.7–1.3 for objects); the new height is clipped to the width bounds, the new width
///   follows the aspect ratio and is clipped, the height is recomputed from it.
/// - Destination: uniform where the patch fits with a 1-pixel margin (`shift = false`: the
///   source position, as NSA's FPI settings).
/// - `object_rule`: when set (NSA's per-class object masks), boxes are redrawn (up to
///   `max_attempts`) until the source box's object fraction exceeds `min_object_fraction` and
///   the destination's object overlap exceeds `min_overlap_fraction`; the clone mask is
///   limited to source or destination object (NSA's extension of the mask into the common
///   background is left out). When no box is found the patch is skipped.
/// - The clone mask is the patch rectangle (or the union of `ellipses` random ellipses in
///   it) with its border rows and columns zeroed; a mask of fewer than 50 pixels is skipped.
/// - Label: `label_mode` from the change (`fn::change_label`: changed pixels with a 5×5
///   median; NSA's best is the logistic intensity with per-class k and x0).
///
/// `sample.mask` is the label and `sample.label` is 1 when any pixel changed. uint8 and float
/// images, 1, 3 or 4 channels (the object rule reads the colour channels). Pixels outside
/// the clone masks keep their exact bytes. Use `nsa::for_category` (or
/// `nsa_settings::for_category`, to change more) for NSA's MVTec AD presets.
struct nsa : configured<nsa, nsa_settings> {
    static constexpr std::string_view name = "nsa";
    using configured::configured;
    using nsa_settings::max_patches;

    struct patch {
        int source_x = 0, source_y = 0, width = 0, height = 0;  ///< the source box
        int x = 0, y = 0, new_width = 0, new_height = 0;        ///< where it goes, at which size
        nsa_blend blend = nsa_blend::normal_clone;              ///< normal_clone, mixed_clone, swap or uniform
        float factor = 1.0f;                                    ///< with uniform
        std::uint64_t ellipse_seed = 0;
    };
    struct params_type {
        std::int64_t foreign = -1;  ///< pool index, −1: the sample itself
        std::array<patch, max_patches> patches{};
        int count = 0;
        template <class F>
        void visit_fields(F&& f) const {
            f("foreign", foreign);
            std::vector<std::array<float, 10>> flat;
            for (int i = 0; i < count; ++i) {
                const patch& p = patches[std::size_t(i)];
                flat.push_back({float(p.source_x), float(p.source_y), float(p.width), float(p.height), float(p.x), float(p.y),
                                float(p.new_width), float(p.new_height), float(int(p.blend)), p.factor});
            }
            f("patches", flat);
        }
    };

    /// `nsa_settings::for_category(category)`, built.
    static nsa for_category(std::string_view category) { return nsa(nsa_settings::for_category(category)); }

    params_type sample_params(rng_stream& rng, const sample& s) const;
    void apply(sample& s, const params_type& p) const;
};

namespace detail::nsa {

/// NSA's object mask of `pixels` (float, the sample's size): |mean of the colour channels −
/// background| > threshold on the 0–255 scale, then a 7×7 median (a majority of 49; pixels
/// outside the image do not count). Written as 0/1 bytes into `out`.
inline void object_mask(image_view<const float> pixels, const nsa_object_rule& rule, std::vector<std::uint8_t>& out,
                        std::vector<std::uint16_t>& counts) {
    const int w = pixels.width(), h = pixels.height(), c = std::min(pixels.channels(), 3);
    std::vector<std::uint8_t>& raw = out;
    raw.assign(std::size_t(w) * std::size_t(h), 0);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            float sum = 0.0f;
            for (int k = 0; k < c; ++k) sum += pixels(x, y, k);
            raw[std::size_t(y) * std::size_t(w) + std::size_t(x)] = std::abs(255.0f * sum / float(c) - rule.background) > rule.threshold;
        }
    counts.assign(raw.size(), 0);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            int sum = 0;
            for (int dx = -3; dx <= 3; ++dx)
                if (x + dx >= 0 && x + dx < w) sum += raw[std::size_t(y) * std::size_t(w) + std::size_t(x + dx)];
            counts[std::size_t(y) * std::size_t(w) + std::size_t(x)] = std::uint16_t(sum);
        }
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            int sum = 0;
            for (int dy = -3; dy <= 3; ++dy)
                if (y + dy >= 0 && y + dy < h) sum += counts[std::size_t(y + dy) * std::size_t(w) + std::size_t(x)];
            raw[std::size_t(y) * std::size_t(w) + std::size_t(x)] = sum >= 25 ? 1 : 0;
        }
}

/// The share of `object` (0/1 bytes, `w` wide) inside the box.
inline float object_fraction(const std::vector<std::uint8_t>& object, int w, int x, int y, int bw, int bh) noexcept {
    if (bw <= 0 || bh <= 0) return 0.0f;
    std::int64_t sum = 0;
    for (int j = y; j < y + bh; ++j)
        for (int i = x; i < x + bw; ++i) sum += object[std::size_t(j) * std::size_t(w) + std::size_t(i)];
    return float(sum) / float(std::int64_t(bw) * bh);
}

/// The per-thread buffers of one NSA sample.
struct buffers {
    image<float> foreign, work, before, patch, mask, label, object_scratch;
    std::vector<std::uint8_t> source_object, target_object;
    std::vector<std::uint16_t> counts;
    fn::resize_scratch resize;
    fn::poisson_scratch poisson;
    fn::change_label_scratch change;
};
inline buffers& thread_buffers() {
    thread_local buffers b;
    return b;
}

}  // namespace detail::nsa

inline nsa::params_type nsa::sample_params(rng_stream& rng, const sample& s) const {
    params_type p;
    const int W = s.image.width(), H = s.image.height();
    if (W < 8 || H < 8) return p;
    if (pool) p.foreign = detail::draw_foreign_index(rng, *pool, s.source_index);
    // The object masks of the foreign (source) and the sample (destination) images.
    auto& b = detail::nsa::thread_buffers();
    if (object_aware) {
        detail::load_foreign(pool.get(), p.foreign, s, b.foreign, name);
        detail::nsa::object_mask(std::as_const(b.foreign).view(), object_rule, b.source_object, b.counts);
        assign_as_float(b.work, s.image);
        detail::nsa::object_mask(std::as_const(b.work).view(), object_rule, b.target_object, b.counts);
    }
    int wanted = 1;
    for (int i = 1; i < patch_count_max; ++i) wanted += rng.bernoulli(extra_patch_probability) ? 1 : 0;
    const int min_h = std::max(1, int(std::lround(height.min * float(H)))), max_h = std::max(min_h, int(std::lround(height.max * float(H))));
    const int min_w = std::max(1, int(std::lround(width.min * float(W)))), max_w = std::max(min_w, int(std::lround(width.max * float(W))));
    auto half = [&](int size, int lo, int hi) {
        const float drawn = gamma_widths ? (0.03f + rng.gamma(2.0f, 0.05f)) * float(size) : rng.uniform(float(lo), float(hi));
        return std::clamp(int(std::lround(drawn)), lo, hi);
    };
    for (int k = 0; k < wanted; ++k) {
        patch q;
        bool found = false;
        for (int attempt = 0; attempt < max_attempts && !found; ++attempt) {
            const int hh = half(H, min_h, max_h), hw = half(W, min_w, max_w);
            const int cy = int(rng.integer(min_h, std::max(min_h, H - min_h - 1))), cx = int(rng.integer(min_w, std::max(min_w, W - min_w - 1)));
            q.source_y = std::max(0, cy - hh);
            q.source_x = std::max(0, cx - hw);
            q.height = std::min(H, cy + hh) - q.source_y;
            q.width = std::min(W, cx + hw) - q.source_x;
            if (object_aware && !(detail::nsa::object_fraction(b.source_object, W, q.source_x, q.source_y, q.width, q.height) >
                                  min_object_fraction))
                continue;
            q.new_width = q.width;
            q.new_height = q.height;
            if (resize) {
                const float factor = std::clamp(rng.normal(1.0f, 0.5f), scale.min, scale.max);
                const int h_cap = std::min(2 * max_h, H - 2), w_cap = std::min(2 * max_w, W - 2);
                q.new_height = std::clamp(int(std::lround(factor * float(q.height))), std::min(2 * min_h, h_cap), h_cap);
                q.new_width = std::clamp(int(std::lround(float(q.new_height) / float(q.height) * float(q.width))), std::min(2 * min_w, w_cap), w_cap);
                q.new_height = std::clamp(int(std::lround(float(q.new_width) / float(q.width) * float(q.height))), 1, h_cap);
            }
            q.new_width = std::min(q.new_width, W - 2);
            q.new_height = std::min(q.new_height, H - 2);
            if (shift) {
                q.x = int(rng.integer(1, W - 1 - q.new_width));
                q.y = int(rng.integer(1, H - 1 - q.new_height));
            } else {
                q.x = std::clamp(q.source_x, 1, W - 1 - q.new_width);
                q.y = std::clamp(q.source_y, 1, H - 1 - q.new_height);
            }
            if (object_aware) {
                // |destination object ∧ source object ∧ patch| / |source object|, with the
                // source's object mask carried to the destination (nearest neighbour).
                std::int64_t source_count = 0, overlap = 0;
                for (int j = 0; j < q.new_height; ++j)
                    for (int i = 0; i < q.new_width; ++i) {
                        const int sx = q.source_x + i * q.width / q.new_width, sy = q.source_y + j * q.height / q.new_height;
                        const bool in_source = b.source_object[std::size_t(sy) * std::size_t(W) + std::size_t(sx)] != 0;
                        source_count += in_source;
                        overlap += in_source && b.target_object[std::size_t(q.y + j) * std::size_t(W) + std::size_t(q.x + i)] != 0;
                    }
                if (!(source_count > 0 && float(overlap) / float(source_count) > min_overlap_fraction)) continue;
            }
            found = true;
        }
        if (!found) continue;
        q.blend = blend == nsa_blend::mix ? (rng.bernoulli(0.5) ? nsa_blend::normal_clone : nsa_blend::mixed_clone) : blend;
        q.factor = blend == nsa_blend::uniform ? rng.uniform(uniform.min, uniform.max) : 1.0f;
        q.ellipse_seed = rng.next_u64();
        p.patches[std::size_t(p.count++)] = q;
    }
    return p;
}

inline void nsa::apply(sample& s, const params_type& p) const {
    const int W = s.image.width(), H = s.image.height(), C = s.image.channels();
    s.ensure_mask();
    std::fill(s.mask.data(), s.mask.data() + s.mask.size(), 0.0f);
    s.label = 0;
    if (p.count == 0 || W < 8 || H < 8) return;
    auto& b = detail::nsa::thread_buffers();
    // Only the source boxes of the foreign image are read.
    thread_local pixel_region sources;
    sources.clear(W, H);
    for (int i = 0; i < p.count; ++i) {
        const patch& q = p.patches[std::size_t(i)];
        for (int y = q.source_y; y < q.source_y + q.height; ++y) sources.add_span(y, q.source_x, q.source_x + q.width);
    }
    detail::load_foreign(pool.get(), p.foreign, s, b.foreign, name, sources);
    // Patches whose boxes (plus the label's margin of 2) lie within 8 pixels of each other form
    // a group, edited and labelled in a float copy of the group's box; groups are independent.
    struct group {
        std::array<int, 4> box{};  // x0, y0, x1, y1 in the image
        unsigned members = 0;      // bit i: patch i
    };
    std::array<group, max_patches> groups{};
    int group_count = 0;
    for (int i = 0; i < p.count; ++i) {
        const patch& q = p.patches[std::size_t(i)];
        groups[std::size_t(group_count++)] = {{q.x - 2, q.y - 2, q.x + q.new_width + 2, q.y + q.new_height + 2}, 1u << i};
    }
    for (bool merged = true; merged;) {
        merged = false;
        for (int i = 0; i < group_count && !merged; ++i)
            for (int j = i + 1; j < group_count && !merged; ++j) {
                auto& a = groups[std::size_t(i)];
                const auto& c = groups[std::size_t(j)];
                if (a.box[0] - 8 < c.box[2] && c.box[0] - 8 < a.box[2] && a.box[1] - 8 < c.box[3] && c.box[1] - 8 < a.box[3]) {
                    a.box = {std::min(a.box[0], c.box[0]), std::min(a.box[1], c.box[1]), std::max(a.box[2], c.box[2]), std::max(a.box[3], c.box[3])};
                    a.members |= c.members;
                    groups[std::size_t(j)] = groups[std::size_t(--group_count)];
                    merged = true;
                }
            }
    }
    bool any = false;
    for (int g = 0; g < group_count; ++g) {
        const auto& box = groups[std::size_t(g)].box;
        const int bx0 = std::max(box[0] - 1, 0), by0 = std::max(box[1] - 1, 0);
        const int bx1 = std::min(box[2] + 1, W), by1 = std::min(box[3] + 1, H);
        const int bw = bx1 - bx0, bh = by1 - by0;
        b.work.ensure_size(bw, bh, C);
        s.image.visit([&](auto v) { convert_pixels(v.crop(bx0, by0, bw, bh), b.work.view()); });
        b.before.assign(std::as_const(b.work).view());
        for (int i = 0; i < p.count; ++i) {
            if (!(groups[std::size_t(g)].members >> i & 1u)) continue;
            const patch& q = p.patches[std::size_t(i)];
            // The patch at its new size, and its clone mask (border zeroed).
            b.patch.ensure_size(q.new_width, q.new_height, C);
            const auto from = std::as_const(b.foreign).view().crop(q.source_x, q.source_y, q.width, q.height);
            if (q.new_width == q.width && q.new_height == q.height)
                convert_pixels(from, b.patch.view());
            else
                fn::resize_bilinear(from, b.patch.view(), b.resize);
            b.mask.resize(q.new_width, q.new_height, 1, 0.0f);
            if (ellipses == 0) {
                fn::fill_rectangle(b.mask.view(), 1.0f, 1.0f, float(q.new_width - 1), float(q.new_height - 1));
            } else {
                rng_stream shapes(q.ellipse_seed, 0);
                for (int e = 0; e < ellipses; ++e) {
                    const float rx = shapes.uniform(0.1f, 0.5f) * float(q.new_width), ry = shapes.uniform(0.1f, 0.5f) * float(q.new_height);
                    const float cx = shapes.uniform(0.0f, float(q.new_width - 1)), cy = shapes.uniform(0.0f, float(q.new_height - 1));
                    fn::fill_ellipse(b.mask.view(), cx, cy, rx, ry, shapes.uniform(0.0f, 3.14159265f));
                }
                for (int y = 0; y < q.new_height; ++y)
                    for (int x = 0; x < q.new_width; ++x)
                        if (x == 0 || y == 0 || x == q.new_width - 1 || y == q.new_height - 1) b.mask(x, y) = 0.0f;
            }
            if (object_aware)  // limited to the source's or the destination's object
                for (int y = 0; y < q.new_height; ++y)
                    for (int x = 0; x < q.new_width; ++x) {
                        const int sx = q.source_x + x * q.width / q.new_width, sy = q.source_y + y * q.height / q.new_height;
                        const bool object = b.source_object[std::size_t(sy) * std::size_t(W) + std::size_t(sx)] != 0 ||
                                            b.target_object[std::size_t(q.y + y) * std::size_t(W) + std::size_t(q.x + x)] != 0;
                        if (!object) b.mask(x, y) = 0.0f;
                    }
            std::size_t positive = 0;
            for (std::size_t k = 0; k < b.mask.size(); ++k) positive += b.mask.data()[k] > 0.0f;
            if (positive < 50) continue;  // NSA skips tiny clones
            const auto target = b.work.view().crop(q.x - bx0, q.y - by0, q.new_width, q.new_height);
            const auto patch_view = std::as_const(b.patch).view();
            const auto mask_view = std::as_const(b.mask).view();
            switch (q.blend) {
                case nsa_blend::normal_clone:
                case nsa_blend::mix:
                    fn::poisson_blend(target, patch_view, mask_view, fn::poisson_guidance::source, b.poisson, poisson);
                    break;
                case nsa_blend::mixed_clone:
                    fn::poisson_blend(target, patch_view, mask_view, fn::poisson_guidance::mixed, b.poisson, poisson);
                    break;
                case nsa_blend::swap:
                case nsa_blend::uniform: {
                    const float f = q.blend == nsa_blend::swap ? 1.0f : q.factor;
                    for (int y = 0; y < q.new_height; ++y)
                        for (int x = 0; x < q.new_width; ++x)
                            if (mask_view(x, y) > 0.0f)
                                for (int c = 0; c < C; ++c) target(x, y, c) += f * (patch_view(x, y, c) - target(x, y, c));
                    break;
                }
            }
            // Poisson solutions may overshoot [0, 1], as OpenCV's saturate on 8 bits.
            for (int y = 0; y < q.new_height; ++y) {
                const float* __restrict m = mask_view.row(y);
                float* __restrict t = target.row(y);
                for (int x = 0; x < q.new_width; ++x)
                    for (int c = 0; c < C; ++c) {
                        float& v = t[x * C + c];
                        const float clamped = std::clamp(v, 0.0f, 1.0f);
                        v = m[x] > 0.0f ? clamped : v;
                    }
            }
        }
        // Back into the image: float pixels are copied (unchanged ones keep their bits), uint8 rounded.
        s.image.visit([&](auto v) { convert_pixels(std::as_const(b.work).view(), v.crop(bx0, by0, bw, bh)); });
        const float factor = blend == nsa_blend::uniform ? p.patches[0].factor : 1.0f;
        b.label.ensure_size(bw, bh, 1);
        fn::change_label(std::as_const(b.before).view(), std::as_const(b.work).view(), b.label.view(), label_mode, b.change, 0, 0, bw, bh,
                         change_tolerance, factor, label_k, label_x0);
        for (int y = 0; y < bh; ++y) std::copy_n(b.label.view().row(y), bw, s.mask.view().row(by0 + y) + bx0);
        any = any || any_positive(b.label);
    }
    s.label = any ? 1 : 0;
}

inline nsa_settings nsa_settings::for_category(std::string_view category) {
    nsa_settings n;
    auto is = [&](std::initializer_list<std::string_view> names) {
        return std::find(names.begin(), names.end(), category) != names.end();
    };
    const bool texture = category.empty() || is({"carpet", "grid", "leather", "tile", "wood"});
    if (!texture && !is({"bottle", "cable", "capsule", "hazelnut", "metal_nut", "pill", "screw", "toothbrush", "transistor", "zipper"}))
        throw std::invalid_argument("ias::nsa::for_category: unknown category '" + std::string(category) +
                                    "'; known: \"\", bottle, cable, capsule, carpet, grid, hazelnut, leather, metal_nut, pill, screw, "
                                    "tile, toothbrush, transistor, wood, zipper");
    n.patch_count_max = texture || is({"screw", "zipper"}) ? 4 : 3;
    if (!texture) n.scale = {0.7f, 1.3f};
    if (is({"capsule"})) n.height.max = 0.15f;
    if (is({"screw"})) n.height.max = n.width.max = 0.12f;
    if (is({"pill"})) n.height.max = 0.2f;
    if (is({"toothbrush", "zipper"})) n.width.max = 0.2f;
    if (is({"cable"})) n.height.min = n.width.min = 0.05f;
    if (is({"hazelnut"})) n.height.max = n.width.max = 0.35f;
    if (is({"bottle", "screw", "capsule", "zipper"})) n.object_aware = true, n.object_rule = {200.0f, 60.0f};
    if (is({"hazelnut", "pill", "toothbrush", "metal_nut"})) n.object_aware = true, n.object_rule = {20.0f, 20.0f};
    if (is({"bottle", "capsule", "hazelnut", "pill", "zipper"})) n.min_object_fraction = 0.7f;
    if (is({"metal_nut", "screw"})) n.min_object_fraction = 0.5f;
    if (is({"toothbrush"})) n.min_object_fraction = 0.25f;
    // The logistic label's (k, x0) per class.
    if (is({"bottle", "cable", "hazelnut"})) n.label_k = 1.0f / 12.0f, n.label_x0 = 24.0f;
    else if (is({"capsule"})) n.label_k = 1.0f / 2.0f, n.label_x0 = 4.0f;
    else if (is({"metal_nut", "pill", "carpet", "grid", "leather", "tile"})) n.label_k = 1.0f / 3.0f, n.label_x0 = 7.0f;
    else if (is({"screw"})) n.label_k = 1.0f, n.label_x0 = 3.0f;
    else if (is({"toothbrush", "transistor", "zipper", "wood"})) n.label_k = 1.0f / 6.0f, n.label_x0 = 15.0f;
    return n;
}

}  // namespace ias
