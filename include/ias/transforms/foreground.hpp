// SPDX-License-Identifier: MIT
// Foreground stages: estimate a sample's foreground, restrict its anomaly mask to it, and the published per-class presets.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "../core/concepts.hpp"
#include "../fn/foreground.hpp"

namespace ias {

/// Sets `sample.foreground` from the sample's own pixels by `settings` (no randomness).
/// Later stages that honour the foreground (perlin_mask, the shape masks, ...) then place
/// anomalies on the object only. A foreground the source already supplied is replaced; to
/// keep user-supplied masks, leave this stage out.
struct estimate_foreground {
    static constexpr std::string_view name = "estimate_foreground";
    fn::foreground_settings settings{};

    void operator()(sample& s, rng_stream&) const {
        s.foreground.resize(s.image.width(), s.image.height(), 1);
        s.image.visit([&](auto view) {
            fn::estimate_foreground(image_view<const typename decltype(view)::value_type>(view), s.foreground.view(),
                                    settings, scratch());
        });
    }

private:
    static ias::image<float>& scratch() {
        thread_local ias::image<float> buffer;
        return buffer;
    }
};

/// Estimates the foreground, then runs `then` with the same stream: what `ias generate
/// --foreground auto` (and a configuration's "estimate_foreground") puts before a recipe, so
/// that the recipe's draws are those it makes without the stage. Traced and replayed as its
/// two parts.
template <transform T>
struct with_estimated_foreground {
    static constexpr std::string_view name = "with_estimated_foreground";
    estimate_foreground estimate{};
    T then;

    void operator()(sample& s, rng_stream& rng) const {
        ias::run(estimate, s, rng);
        ias::run(then, s, rng);
    }
    void replay(sample& s, trace_reader& reader) const {
        ias::replay(estimate, s, reader);
        ias::replay(then, s, reader);
    }
};

/// Clips `sample.mask` to the foreground (pixels where foreground <= 0.5 become 0) and sets
/// the label to whether anything is left. Does nothing when the sample has no foreground.
struct restrict_to_foreground {
    static constexpr std::string_view name = "restrict_to_foreground";

    void operator()(sample& s, rng_stream&) const {
        if (!s.has_foreground()) return;
        s.ensure_mask();
        if (!clip_to_foreground(s.mask, s.foreground)) s.label = 0;
    }
};

/// The fifteen categories of MVTec AD, whose names the per-class presets take.
inline constexpr std::string_view mvtec_ad_categories[] = {"bottle", "cable", "capsule", "carpet", "grid",
                                                            "hazelnut", "leather", "metal_nut", "pill", "screw",
                                                            "tile", "toothbrush", "transistor", "wood", "zipper"};

namespace detail {
[[noreturn]] inline void unknown_category(const char* preset, std::string_view category, std::string_view known) {
    throw std::invalid_argument(std::string("ias::") + preset + ": unknown category '" + std::string(category) +
                                "'; known: " + std::string(known));
}
/// MVTec AD's categories separated by commas, for error messages.
inline std::string mvtec_categories() {
    std::string out;
    for (const auto c : mvtec_ad_categories) out += (out.empty() ? "" : ", ") + std::string(c);
    return out;
}
}  // namespace detail

/// The categories a recipe's `category` takes: "" (none) and MVTec AD's, then `extra`.
inline std::vector<std::string> category_choices(std::initializer_list<std::string_view> extra = {}) {
    std::vector<std::string> out{""};
    for (const auto c : mvtec_ad_categories) out.emplace_back(c);
    for (const auto c : extra) out.emplace_back(c);
    return out;
}

/// MemSeg's per-class foreground rule (METHODS §2.3; TooTouch/MemSeg `configs.yaml`): grey
/// (PIL "L") against a fixed threshold; foreground is <= t, or > t for the "reverse" classes.
/// Textures and cable use the whole image.
inline fn::foreground_settings memseg_foreground(std::string_view category) {
    struct rule {
        std::string_view category;
        float threshold;
        bool reverse;
    };
    constexpr rule rules[] = {{"bottle", 250, false}, {"capsule", 120, false}, {"screw", 110, false},
                              {"zipper", 100, false}, {"transistor", 90, false}, {"pill", 100, true},
                              {"hazelnut", 50, true},  {"metal_nut", 40, true}, {"toothbrush", 30, true}};
    for (const auto& r : rules)
        if (r.category == category)
            return {.method = fn::foreground_method::threshold, .threshold = r.threshold, .foreground_above = r.reverse};
    for (std::string_view whole : {"cable", "carpet", "grid", "leather", "tile", "wood"})
        if (whole == category) return {};
    detail::unknown_category("memseg_foreground", category, detail::mvtec_categories());
}

/// RealNet's per-class foreground rule for MVTec AD (METHODS §2.4; cnulab/RealNet): Otsu or
/// Triangle on the grey image, inverted for some classes, then a 6×6 closing and opening.
/// Textures, cable and transistor use the whole image. Of RealNet's VisA rules, those of
/// pcb1–pcb4 are included (METHODS §2.4 lists no others).
inline fn::foreground_settings realnet_foreground(std::string_view category) {
    auto rule = [](fn::foreground_method m, bool above) {
        return fn::foreground_settings{.method = m, .foreground_above = above, .closing_size = 6, .opening_size = 6};
    };
    if (category == "pill") return rule(fn::foreground_method::otsu, true);
    for (std::string_view c : {"hazelnut", "metal_nut", "toothbrush"})
        if (c == category) return rule(fn::foreground_method::triangle, true);
    for (std::string_view c : {"bottle", "capsule", "grid", "screw", "zipper"})
        if (c == category) return rule(fn::foreground_method::otsu, false);
    for (std::string_view c : {"carpet", "leather", "tile", "wood", "cable", "transistor"})
        if (c == category) return {};
    // VisA's printed circuit boards: Triangle on the blue channel, closing 8, opening 3.
    for (std::string_view c : {"pcb1", "pcb2", "pcb3", "pcb4"})
        if (c == category)
            return {.method = fn::foreground_method::triangle, .grey = fn::grey_conversion::channel, .channel = 2,
                    .closing_size = 8, .opening_size = 3};
    detail::unknown_category("realnet_foreground", category,
                             "the MVTec AD categories (" + detail::mvtec_categories() + ") and VisA's pcb1, pcb2, pcb3, pcb4");
}

/// NSA's object masks (METHODS §2.5; hmsch/natural-synthetic-anomalies): |mean RGB − b| > t
/// with a per-class background level b and threshold t, then a 7×7 median. Other classes use
/// the whole image.
inline fn::foreground_settings nsa_foreground(std::string_view category) {
    auto rule = [](float background, float threshold) {
        return fn::foreground_settings{.method = fn::foreground_method::background_distance,
                                       .grey = fn::grey_conversion::mean, .threshold = threshold,
                                       .background = background, .median_size = 7};
    };
    for (std::string_view c : {"bottle", "screw", "capsule", "zipper"})
        if (c == category) return rule(200, 60);
    for (std::string_view c : {"hazelnut", "pill", "toothbrush", "metal_nut"})
        if (c == category) return rule(20, 20);
    for (std::string_view c : {"cable", "carpet", "grid", "leather", "tile", "transistor", "wood"})
        if (c == category) return {};
    detail::unknown_category("nsa_foreground", category, detail::mvtec_categories());
}

}  // namespace ias
