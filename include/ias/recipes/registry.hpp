// SPDX-License-Identifier: MIT
// The recipes by name: each a name, a summary, a settings type and its builder; listing and
// building from overrides are derived from the settings descriptions.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "../core/any_transform.hpp"
#include "../core/describe.hpp"
#include "cutpaste.hpp"
#include "draem.hpp"
#include "fractal.hpp"
#include "glass_las.hpp"
#include "memseg.hpp"
#include "nsa.hpp"
#include "prompt.hpp"
#include "realnet.hpp"

namespace ias::recipes {

/// A registered recipe: its name, a one-line summary and its parameters (the fields of its
/// settings description, with their defaults).
struct recipe_info {
    std::string name{};
    std::string summary{};
    std::vector<field_info> parameters{};
    std::vector<std::string> rules{};  ///< rules between parameters, in words
};

/// Parameter overrides by name, as text ("0.3", "8", "[0.2, 1]", "bottle"): what a command
/// line or a config file gives.
using overrides = std::map<std::string, std::string, std::less<>>;

namespace detail::registry {

/// A registered recipe, type-erased: its description, how to build it, and its parameters'
/// values after overrides.
struct entry {
    recipe_info info;
    any_transform (*make)(const overrides&, std::shared_ptr<const texture_source>, std::shared_ptr<const image_pool>);
    std::vector<std::string> (*values)(const overrides&);
};

/// The settings of S with `changes` applied, each parsed and checked by its description
/// (the rules between fields are the builder's to check, with the rest of the settings).
template <described S>
S settings_with(const overrides& changes) {
    S settings{};
    for (const auto& [name, text] : changes) S::describe().assign(settings, name, text);
    return settings;
}

/// Builds recipe `build` from its default settings, the textures or pool (for the recipes
/// that take them) and the overrides, each parsed and checked by the settings description.
template <described S, auto build>
any_transform make(const overrides& changes, std::shared_ptr<const texture_source> textures, std::shared_ptr<const image_pool> pool) {
    S settings = settings_with<S>(changes);
    if constexpr (requires { settings.textures; }) settings.textures = std::move(textures);
    if constexpr (requires { settings.pool; }) settings.pool = std::move(pool);
    return any_transform(build(settings));
}

template <described S>
std::vector<std::string> values(const overrides& changes) {
    const S settings = settings_with<S>(changes);
    S::describe().validate(settings);
    return S::describe().texts(settings);
}

template <described S, auto build>
entry recipe(std::string_view name, std::string_view summary) {
    return {.info = {.name = std::string(name), .summary = std::string(summary), .parameters = S::describe().fields(), .rules = S::describe().rules()},
            .make = &make<S, build>,
            .values = &values<S>};
}

inline const std::vector<entry>& entries() {
    static const std::vector<entry> all = [] {
        std::vector<entry> v{
            recipe<cutpaste_settings, &cutpaste>("cutpaste", "CutPaste: a colour-jittered box of the image pasted elsewhere in it; mask the footprint"),
            recipe<cutpaste_3way_settings, &cutpaste_3way>(
                "cutpaste_3way", "CutPaste 3-way: original, CutPaste or scar as classes 0, 1 and 2 (the sample's label)"),
            recipe<cutpaste_scar_settings, &cutpaste_scar>(
                "cutpaste_scar", "CutPaste-scar: a thin jittered box rotated by up to 45 degrees, pasted through its alpha"),
            recipe<cutpaste_union_settings, &cutpaste_union>("cutpaste_union", "CutPaste or CutPaste-scar with equal chance"),
            recipe<cutout_settings, &cutout>("cutout", "CutOut (ASBench): half the samples get a 20-50 px square hole set to 0"),
            recipe<destseg_settings, &destseg>("destseg", "DeSTSeg: DRAEM's Perlin blend with raw textures, every sample anomalous"),
            recipe<draem_settings, &draem>(
                "draem", "DRAEM: 3 of 10 texture operations, blended through a Perlin mask; half the samples stay normal"),
            recipe<glass_las_settings, &glass_las>(
                "glass_las", "GLASS LAS: two Perlin masks combined, 3 of 9 texture operations, pixel and feature-grid masks"),
            recipe<memseg_settings, &memseg>(
                "memseg", "MemSeg: Perlin mask in the foreground, raw texture or shuffled 8x8 tiles of the image itself"),
            recipe<foreign_square_settings, &fpi>("fpi", "FPI: a square of another normal image interpolated in; label 1 - alpha where they differ"),
            recipe<fractal_settings, &fractal>("fractal", "FractalAD: a jittered, rotated square of the image pasted through a random IFS fractal"),
            recipe<local_ops_settings, &local_ops>(
                "local_ops", "Dynamic local augmentation: blur, noise, colour, rotation or elastic change inside a CutPaste box"),
            recipe<nsa_settings, &nsa>("nsa", "NSA: 1-4 patches of another normal image, resized and Poisson-blended; label from the changed pixels"),
            recipe<foreign_square_settings, &pii>("pii", "PII: FPI's square solved with alpha-weighted mixed gradients (Poisson); label alpha where changed"),
            recipe<prompt_settings, &prompt>(
                "prompt", "Procedural defects in words: scratches, cracks, pores, stains, dents, chips, particles and frays"),
            recipe<random_erasing_settings, &random_erasing>(
                "random_erasing", "Random erasing (torchvision): half the samples get a 2-33% box filled with a constant"),
            recipe<realnet_dtd_settings, &realnet_dtd>("realnet_dtd", "RealNet with DTD textures: Perlin mask in the foreground, 3 of 10 texture operations"),
            recipe<defect_maker_settings, &reb_defectmaker>(
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

/// `use(entry)` for the entry called `name`, its std::invalid_argument prefixed with the recipe.
template <class F>
auto with_entry(std::string_view name, F&& use) {
    const entry& e = find(name);
    try {
        return use(e);
    } catch (const std::invalid_argument& error) {
        throw std::invalid_argument("ias::recipes::make: recipe '" + e.info.name + "': " + error.what());
    }
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

/// The value of every parameter of recipe `name` (in the order of its `parameters`) after
/// `changes`, in canonical text: what the recipe reads ("0.30" and "0.3" are one value).
/// Throws std::invalid_argument as `make` does for an unknown recipe, parameter or value.
inline std::vector<std::string> values(std::string_view name, const overrides& changes = {}) {
    return detail::registry::with_entry(name, [&](const detail::registry::entry& e) { return e.values(changes); });
}

/// Builds recipe `name` with its reference defaults changed by `changes` (text values,
/// parsed by the parameter's kind), anomaly textures from `textures` (null: procedural) and,
/// for the two-image recipes (nsa, fpi, pii), foreign normal images from `pool` (null: the
/// sample itself; set `sample.source_index` so that a sample never pastes from itself).
/// Throws std::invalid_argument naming the recipe and an unknown recipe or parameter, a value
/// that does not parse or lies outside its range, or settings that do not fit together (such
/// as texture_opacity = [0.9, 0.3], or an unknown category).
inline any_transform make(std::string_view name, const overrides& changes = {},
                          std::shared_ptr<const texture_source> textures = {}, std::shared_ptr<const image_pool> pool = {}) {
    return detail::registry::with_entry(name, [&](const detail::registry::entry& e) { return e.make(changes, std::move(textures), std::move(pool)); });
}

}  // namespace ias::recipes
