// SPDX-License-Identifier: MIT
// The recipes by name: listing, parameters with their defaults and ranges, building from overrides.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "../core/any_transform.hpp"
#include "../transforms/settings.hpp"
#include "cutpaste.hpp"
#include "draem.hpp"
#include "fractal.hpp"
#include "glass_las.hpp"
#include "memseg.hpp"
#include "nsa.hpp"
#include "realnet.hpp"

namespace ias::recipes {

/// What a recipe parameter holds.
enum class parameter_kind { number, integer, text };

/// One parameter of a registered recipe: its name, kind, default (as text), allowed range
/// (numbers and integers) and meaning.
struct parameter {
    std::string name{};
    parameter_kind kind = parameter_kind::number;
    std::string default_value{};
    double min = 0.0, max = 0.0;
    std::string help{};
};

/// A registered recipe: its name, a one-line summary and its parameters.
struct recipe_info {
    std::string name{};
    std::string summary{};
    std::vector<parameter> parameters{};
};

/// Parameter overrides by name, as text ("0.3", "8", "bottle"): what a command line or a
/// config file gives.
using overrides = std::map<std::string, std::string, std::less<>>;

namespace detail::registry {

using ias::detail::settings::number;

/// A settings field a parameter writes: float, int or string, reached through a function.
template <class S>
struct binding {
    std::string_view name{};
    std::variant<float& (*)(S&), int& (*)(S&), std::string& (*)(S&)> field{};
    double min = 0.0, max = 0.0;
    std::string_view help{};
};

template <class S>
parameter describe(const binding<S>& b) {
    S defaults{};
    parameter p{.name = std::string(b.name), .min = b.min, .max = b.max, .help = std::string(b.help)};
    std::visit(
        [&](auto field) {
            const auto& value = field(defaults);
            using V = std::remove_cvref_t<decltype(value)>;
            if constexpr (std::is_same_v<V, std::string>) {
                p.kind = parameter_kind::text;
                p.default_value = value;
            } else {
                p.kind = std::is_same_v<V, int> ? parameter_kind::integer : parameter_kind::number;
                p.default_value = number(value);
            }
        },
        b.field);
    return p;
}

[[noreturn]] inline void fail(std::string_view recipe, const std::string& what) {
    throw std::invalid_argument("ias::recipes::make: recipe '" + std::string(recipe) + "': " + what);
}

/// Parses `text` into the field of `b` in `settings`, checking the kind and the range.
template <class S>
void assign(std::string_view recipe, const binding<S>& b, std::string_view text, S& settings) {
    std::visit(
        [&](auto field) {
            auto& value = field(settings);
            using V = std::remove_cvref_t<decltype(value)>;
            if constexpr (std::is_same_v<V, std::string>) {
                value = std::string(text);
            } else {
                V parsed{};
                const char* const last = text.data() + text.size();
                const auto [end, ec] = std::from_chars(text.data(), last, parsed);
                if (ec != std::errc{} || end != last || !std::isfinite(double(parsed)))
                    fail(recipe, "parameter '" + std::string(b.name) + "' is '" + std::string(text) + "', which is not " +
                                     (std::is_same_v<V, int> ? "an integer" : "a finite number"));
                if (!(double(parsed) >= b.min && double(parsed) <= b.max))
                    fail(recipe, "parameter '" + std::string(b.name) + "' is " + std::string(text) + "; it must lie in [" +
                                     number(b.min) + ", " + number(b.max) + "]");
                value = parsed;
            }
        },
        b.field);
}

/// The number a numeric parameter holds in `settings` (0 for text).
template <class S>
double value_of(const binding<S>& b, S& settings) {
    return std::visit(
        [&](auto field) -> double {
            const auto& value = field(settings);
            if constexpr (std::is_same_v<std::remove_cvref_t<decltype(value)>, std::string>) return 0.0;
            else return double(value);
        },
        b.field);
}

/// The parameters every Perlin-mask recipe shares, on `S::mask` and `S::texture_opacity`.
template <class S>
std::vector<binding<S>> perlin_blend_bindings() {
    return {
        {"scale_exponent_min", +[](S& s) -> int& { return s.mask.scale_exponent_min; }, 0, 12,
         "Perlin lattice: 2^e cells per axis, e uniform in [scale_exponent_min, scale_exponent_max]"},
        {"scale_exponent_max", +[](S& s) -> int& { return s.mask.scale_exponent_max; }, 0, 12, "see scale_exponent_min"},
        {"mask_threshold", +[](S& s) -> float& { return s.mask.threshold; }, -1, 1, "Perlin noise above it is anomalous"},
        {"mask_rotation_max", +[](S& s) -> float& { return s.mask.rotation_max; }, 0, 180,
         "the noise is rotated by U[-mask_rotation_max, mask_rotation_max] degrees"},
        {"texture_opacity_min", +[](S& s) -> float& { return s.texture_opacity.min; }, 0, 1,
         "the texture's weight in the blend I + o*M*(T - I) (DRAEM: 1 - beta)"},
        {"texture_opacity_max", +[](S& s) -> float& { return s.texture_opacity.max; }, 0, 1, "see texture_opacity_min"},
    };
}

/// A registered recipe, type-erased: its description and how to build it.
struct entry {
    recipe_info info;
    any_transform (*make)(std::string_view name, const overrides&, std::shared_ptr<const texture_source>,
                          std::shared_ptr<const image_pool>);
};

/// Builds recipe `build` from its default settings, the textures or pool (for the recipes
/// that take them) and the overrides.
template <class S, dynamic_pipeline (*build)(const S&), std::vector<binding<S>> (*bindings)()>
any_transform make(std::string_view recipe, const overrides& changes, std::shared_ptr<const texture_source> textures,
                   std::shared_ptr<const image_pool> pool) {
    const auto table = bindings();
    S settings{};
    if constexpr (requires { settings.textures; }) settings.textures = std::move(textures);
    if constexpr (requires { settings.pool; }) settings.pool = std::move(pool);
    for (const auto& [key, text] : changes) {
        const binding<S>* match = nullptr;
        for (const auto& b : table)
            if (b.name == key) match = &b;
        if (!match) {
            std::string known;
            for (const auto& b : table) known += (known.empty() ? "" : ", ") + std::string(b.name);
            fail(recipe, "unknown parameter '" + key + "'; known: " + known);
        }
        assign(recipe, *match, text, settings);
    }
    // A range given by two parameters must not be upside down: say so in the registry's names.
    for (const auto& low : table) {
        if (!low.name.ends_with("_min")) continue;
        const std::string high_name = std::string(low.name.substr(0, low.name.size() - 4)) + "_max";
        for (const auto& high : table)
            if (high.name == high_name && value_of(low, settings) > value_of(high, settings))
                fail(recipe, std::string(low.name) + " = " + number(float(value_of(low, settings))) + " is above " + high_name +
                                 " = " + number(float(value_of(high, settings))));
    }
    // The mask rotation stays symmetric, [-mask_rotation_max, mask_rotation_max].
    if constexpr (requires { settings.mask.rotation_min; }) settings.mask.rotation_min = -settings.mask.rotation_max;
    try {
        return build(settings);
    } catch (const std::invalid_argument& e) {
        fail(recipe, e.what());
    }
}

template <class S, dynamic_pipeline (*build)(const S&), std::vector<binding<S>> (*bindings)()>
entry make_entry(std::string_view name, std::string_view summary) {
    entry e{.info = {.name = std::string(name), .summary = std::string(summary), .parameters = {}}, .make = &make<S, build, bindings>};
    for (const auto& b : bindings()) e.info.parameters.push_back(describe(b));
    return e;
}

template <class S>
std::vector<binding<S>> draem_bindings() {
    auto table = perlin_blend_bindings<S>();
    table.push_back({"anomaly_probability", +[](S& s) -> float& { return s.anomaly_probability; }, 0, 1,
                     "share of samples that get an anomaly; the rest stay normal"});
    table.push_back({"rotation_probability", +[](S& s) -> float& { return s.rotation_probability; }, 0, 1,
                     "of rotating the whole normal image first"});
    table.push_back({"rotation_max", +[](S& s) -> float& { return s.rotation_max; }, 0, 180,
                     "the whole-image rotation is U[-rotation_max, rotation_max] degrees"});
    table.push_back({"texture_op_count", +[](S& s) -> int& { return s.texture_op_count; }, 0, 10,
                     "distinct operations of DRAEM's ten applied to the texture"});
    return table;
}
template <class S>
std::vector<binding<S>> memseg_bindings() {
    auto table = perlin_blend_bindings<S>();
    table.push_back({"category", +[](S& s) -> std::string& { return s.category; }, 0, 0,
                     "MVTec AD category whose foreground preset is used; empty: the sample's own foreground"});
    table.push_back({"structure_probability", +[](S& s) -> float& { return s.structure_probability; }, 0, 1,
                     "of the structure source (the image's shuffled tiles) rather than a texture"});
    table.push_back({"grid_size", +[](S& s) -> int& { return s.grid_size; }, 1, structure_blend::max_grid_size,
                     "structure tiles per side"});
    table.push_back({"structure_op_count", +[](S& s) -> int& { return s.structure_op_count; }, 0, 10,
                     "distinct operations of DRAEM's ten applied to the structure source"});
    return table;
}
template <class S>
std::vector<binding<S>> realnet_bindings() {
    auto table = perlin_blend_bindings<S>();
    table.push_back({"category", +[](S& s) -> std::string& { return s.category; }, 0, 0,
                     "MVTec AD or VisA pcb category whose foreground rule is used; empty: the sample's own foreground"});
    table.push_back({"anomaly_probability", +[](S& s) -> float& { return s.anomaly_probability; }, 0, 1,
                     "share of samples that get an anomaly; the rest stay normal"});
    table.push_back({"texture_op_count", +[](S& s) -> int& { return s.texture_op_count; }, 0, 10,
                     "distinct operations of DRAEM's ten applied to the texture"});
    return table;
}
template <class S>
std::vector<binding<S>> glass_bindings() {
    auto table = perlin_blend_bindings<S>();
    table.push_back({"texture_opacity_mean", +[](S& s) -> float& { return s.texture_opacity.mean; }, 0, 1,
                     "the opacity is N(mean, stddev^2) clipped to [texture_opacity_min, texture_opacity_max]"});
    table.push_back({"texture_opacity_stddev", +[](S& s) -> float& { return s.texture_opacity.stddev; }, 0, 1,
                     "see texture_opacity_mean"});
    table.push_back({"texture_op_count", +[](S& s) -> int& { return s.texture_op_count; }, 0, 9,
                     "distinct operations of GLASS's nine applied to the texture"});
    table.push_back({"feature_stride", +[](S& s) -> int& { return s.feature_stride; }, 1, 64,
                     "pixels per cell of the feature-grid mask"});
    return table;
}

template <class S>
std::vector<binding<S>> nsa_bindings() {
    return {
        {"category", +[](S& s) -> std::string& { return s.category; }, 0, 0,
         "MVTec AD category whose NSA preset is used (object masks, widths, logistic k and x0); empty: textures"},
        {"blend", +[](S& s) -> std::string& { return s.blend; }, 0, 0, "normal_clone, mixed_clone, mix, swap or uniform"},
        {"label", +[](S& s) -> std::string& { return s.label; }, 0, 0, "binary, continuous, intensity or logistic_intensity"},
        {"patch_count_max", +[](S& s) -> int& { return s.patch_count_max; }, 0, ias::nsa::max_patches,
         "most patches per sample; 0: the category's (4 for textures)"},
    };
}
template <class S>
std::vector<binding<S>> foreign_square_bindings() {
    return {
        {"core_fraction", +[](S& s) -> float& { return s.square.core_fraction; }, 0, 1, "the square's centre lies in this central share of each axis"},
        {"half_min", +[](S& s) -> float& { return s.square.half_min; }, 0, 1, "half-width of the square, fraction of the image height"},
        {"half_max", +[](S& s) -> float& { return s.square.half_max; }, 0, 1, "see half_min"},
        {"alpha_min", +[](S& s) -> float& { return s.square.alpha_min; }, 0, 1, "interpolation factor alpha ~ U(alpha_min, alpha_max)"},
        {"alpha_max", +[](S& s) -> float& { return s.square.alpha_max; }, 0, 1, "see alpha_min"},
    };
}
template <class S>
std::vector<binding<S>> cutpaste_bindings() {
    return {
        {"area_min", +[](S& s) -> float& { return s.area_min; }, 0, 1, "box area, fraction of the image"},
        {"area_max", +[](S& s) -> float& { return s.area_max; }, 0, 1, "see area_min"},
        {"aspect_min", +[](S& s) -> float& { return s.aspect_min; }, 0.001, 1, "box width / height"},
        {"aspect_max", +[](S& s) -> float& { return s.aspect_max; }, 1, 1000, "see aspect_min"},
        {"aspect_sampling", +[](S& s) -> std::string& { return s.aspect_sampling; }, 0, 0,
         "coin (the paper: U(aspect_min, 1) or U(1, aspect_max)) or log_uniform (pytorch-cutpaste)"},
        {"jitter", +[](S& s) -> float& { return s.jitter; }, 0, 1, "ColorJitter strength of brightness, contrast, saturation and hue"},
        {"scar_width_min", +[](S& s) -> float& { return s.scar_width_min; }, 0, 1e6, "scar width, pixels at 256x256"},
        {"scar_width_max", +[](S& s) -> float& { return s.scar_width_max; }, 0, 1e6, "see scar_width_min"},
        {"scar_length_min", +[](S& s) -> float& { return s.scar_length_min; }, 0, 1e6, "scar length, pixels at 256x256"},
        {"scar_length_max", +[](S& s) -> float& { return s.scar_length_max; }, 0, 1e6, "see scar_length_min"},
        {"scar_angle_max", +[](S& s) -> float& { return s.scar_angle_max; }, 0, 180, "the scar turns by U[-scar_angle_max, scar_angle_max] degrees"},
        {"view", +[](S& s) -> int& { return s.view; }, -1, 2, "cutpaste_3way: -1 random, else the class 0, 1 or 2"},
    };
}
template <class S>
std::vector<binding<S>> erasing_bindings() {
    return {
        {"anomaly_probability", +[](S& s) -> float& { return s.anomaly_probability; }, 0, 1, "share of samples that get a hole"},
        {"fill", +[](S& s) -> std::string& { return s.fill; }, 0, 0, "constant, noise or mean"},
        {"value", +[](S& s) -> float& { return s.value; }, 0, 1, "the constant fill"},
        {"side_min", +[](S& s) -> float& { return s.side_min; }, 0, 1e6, "cutout: square side, pixels at 256x256"},
        {"side_max", +[](S& s) -> float& { return s.side_max; }, 0, 1e6, "see side_min"},
        {"area_min", +[](S& s) -> float& { return s.area_min; }, 0, 1, "random_erasing: box area, fraction of the image"},
        {"area_max", +[](S& s) -> float& { return s.area_max; }, 0, 1, "see area_min"},
        {"aspect_min", +[](S& s) -> float& { return s.aspect_min; }, 0.001, 1000, "random_erasing: width / height, log-uniform"},
        {"aspect_max", +[](S& s) -> float& { return s.aspect_max; }, 0.001, 1000, "see aspect_min"},
    };
}

template <class S>
std::vector<binding<S>> fractal_bindings() {
    return {
        {"iterations", +[](S& s) -> int& { return s.iterations; }, 0, 10000000, "chaos-game points of the fractal (FractalAD: 100000)"},
        {"noise_probability", +[](S& s) -> float& { return s.noise_probability; }, 0, 1, "of adding Gaussian noise (10 grey levels) inside the mask"},
        {"global_jitter", +[](S& s) -> float& { return s.global_jitter; }, 0, 0.5, "whole-image ColorJitter strength; 0 = off"},
    };
}
template <class S>
std::vector<binding<S>> local_ops_bindings() {
    return {
        {"area_min", +[](S& s) -> float& { return s.area_min; }, 0, 1, "the local box's area, fraction of the image"},
        {"area_max", +[](S& s) -> float& { return s.area_max; }, 0, 1, "see area_min"},
    };
}
template <class S>
std::vector<binding<S>> defect_maker_bindings() {
    return {{"view", +[](S& s) -> int& { return s.view; }, -1, 6, "-1: one of the 7 views uniformly; 0 (original) .. 6: that view"}};
}

inline const std::vector<entry>& entries() {
    static const std::vector<entry> all = [] {
        std::vector<entry> v{
        make_entry<cutpaste_settings, &cutpaste, &cutpaste_bindings<cutpaste_settings>>(
            "cutpaste", "CutPaste: a colour-jittered box of the image pasted elsewhere in it; mask the footprint"),
        make_entry<cutpaste_settings, &cutpaste_3way, &cutpaste_bindings<cutpaste_settings>>(
            "cutpaste_3way", "CutPaste 3-way: original, CutPaste or scar as classes 0, 1 and 2 (the sample's label)"),
        make_entry<cutpaste_settings, &cutpaste_scar, &cutpaste_bindings<cutpaste_settings>>(
            "cutpaste_scar", "CutPaste-scar: a thin jittered box rotated by up to 45 degrees, pasted through its alpha"),
        make_entry<cutpaste_settings, &cutpaste_union, &cutpaste_bindings<cutpaste_settings>>(
            "cutpaste_union", "CutPaste or CutPaste-scar with equal chance"),
        make_entry<erasing_settings, &cutout, &erasing_bindings<erasing_settings>>(
            "cutout", "CutOut (ASBench): half the samples get a 20-50 px square hole set to 0"),
        make_entry<destseg_settings, &destseg, &perlin_blend_bindings<destseg_settings>>(
            "destseg", "DeSTSeg: DRAEM's Perlin blend with raw textures, every sample anomalous"),
        make_entry<draem_settings, &draem, &draem_bindings<draem_settings>>(
            "draem", "DRAEM: 3 of 10 texture operations, blended through a Perlin mask; half the samples stay normal"),
        make_entry<glass_las_settings, &glass_las, &glass_bindings<glass_las_settings>>(
            "glass_las", "GLASS LAS: two Perlin masks combined, 3 of 9 texture operations, pixel and feature-grid masks"),
        make_entry<memseg_settings, &memseg, &memseg_bindings<memseg_settings>>(
            "memseg", "MemSeg: Perlin mask in the foreground, raw texture or shuffled 8x8 tiles of the image itself"),
        make_entry<foreign_square_settings, &fpi, &foreign_square_bindings<foreign_square_settings>>(
            "fpi", "FPI: a square of another normal image interpolated in; label 1 - alpha where they differ"),
        make_entry<fractal_settings, &fractal, &fractal_bindings<fractal_settings>>(
            "fractal", "FractalAD: a jittered, rotated square of the image pasted through a random IFS fractal"),
        make_entry<local_ops_settings, &local_ops, &local_ops_bindings<local_ops_settings>>(
            "local_ops", "Dynamic local augmentation: blur, noise, colour, rotation or elastic change inside a CutPaste box"),
        make_entry<nsa_settings, &nsa, &nsa_bindings<nsa_settings>>(
            "nsa", "NSA: 1-4 patches of another normal image, resized and Poisson-blended; label from the changed pixels"),
        make_entry<foreign_square_settings, &pii, &foreign_square_bindings<foreign_square_settings>>(
            "pii", "PII: FPI's square solved with alpha-weighted mixed gradients (Poisson); label alpha where changed"),
        make_entry<erasing_settings, &random_erasing, &erasing_bindings<erasing_settings>>(
            "random_erasing", "Random erasing (torchvision): half the samples get a 2-33% box filled with a constant"),
        make_entry<realnet_dtd_settings, &realnet_dtd, &realnet_bindings<realnet_dtd_settings>>(
            "realnet_dtd", "RealNet with DTD textures: Perlin mask in the foreground, 3 of 10 texture operations"),
        make_entry<defect_maker_settings, &reb_defectmaker, &defect_maker_bindings<defect_maker_settings>>(
            "reb_defectmaker", "REB DefectMaker (dm_com6): the original or one of six Bezier defects, as classes 0-6"),
        };
        std::sort(v.begin(), v.end(), [](const entry& a, const entry& b) { return a.info.name < b.info.name; });
        return v;
    }();
    return all;
}

/// The entry called `name`; throws std::invalid_argument naming the known recipes when there is none.
inline const entry& find(std::string_view name) {
    for (const auto& e : entries())
        if (e.info.name == name) return e;
    std::string known;
    for (const auto& e : entries()) known += (known.empty() ? "" : ", ") + e.info.name;
    throw std::invalid_argument("ias::recipes: unknown recipe '" + std::string(name) + "'; known: " + known);
}

}  // namespace detail::registry

/// Every registered recipe, sorted by name.
inline const std::vector<recipe_info>& list() {
    static const std::vector<recipe_info> infos = [] {
        std::vector<recipe_info> out;
        for (const auto& e : detail::registry::entries()) out.push_back(e.info);
        return out;
    }();
    return infos;
}

/// The recipe called `name`. Throws std::invalid_argument naming the known recipes when
/// there is none.
inline const recipe_info& describe(std::string_view name) { return detail::registry::find(name).info; }

/// Builds recipe `name` with its reference defaults changed by `changes` (text values,
/// parsed by the parameter's kind), anomaly textures from `textures` (null: procedural) and,
/// for the two-image recipes (nsa, fpi, pii), foreign normal images from `pool` (null: the
/// sample itself; set `sample.source_index` so that a sample never pastes from itself).
/// Throws std::invalid_argument naming the recipe and an unknown recipe or parameter, a value
/// that does not parse or lies outside its range, or settings that do not fit together (such
/// as texture_opacity_min > texture_opacity_max, or an unknown category).
inline any_transform make(std::string_view name, const overrides& changes = {},
                          std::shared_ptr<const texture_source> textures = {}, std::shared_ptr<const image_pool> pool = {}) {
    return detail::registry::find(name).make(name, changes, std::move(textures), std::move(pool));
}

}  // namespace ias::recipes
