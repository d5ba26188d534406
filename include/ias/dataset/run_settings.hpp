// SPDX-License-Identifier: MIT
// The run description of a dataset generation run: its recipe, parameters, seed, epoch, count, size, foreground, inputs and textures.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../io/texture_bank.hpp"
#include "../recipes/catalogue.hpp"
#include "../recipes/spec.hpp"
#include "../version.hpp"
#include "prepared_inputs.hpp"
#include "run.hpp"

namespace ias::dataset {

/// The settings of a generation run that its samples depend on (the thread count and the
/// shard do not).
struct run_settings {
    recipes::recipe_spec recipe{};          ///< the recipe (or mixture) and its parameter overrides
    std::uint64_t seed = 0;
    std::uint32_t epoch = 0;
    std::uint64_t count = 0;
    std::optional<std::pair<int, int>> size{};  ///< what every input is resized to; none keeps each size
    std::string foreground = "none";          ///< none, auto (estimated) or folder (masks from a folder)
};


namespace detail {
/// The fields of `spec`, each name after `prefix`: "recipe", "parameter NAME" for every
/// parameter (its value as the recipe reads it, default or not), "weight" of a member,
/// "member K ..." for a mixture's members and "estimate_foreground NAME" for the foreground
/// settings of a spec that estimates them.
inline void describe_spec(run_description& run, const recipes::recipe_spec& spec, const std::string& prefix, bool member) {
    run.add_text(prefix + "recipe", spec.recipe);
    if (member) run.add(prefix + "weight", ias::detail::describe::number(spec.weight));
    if (spec.recipe == recipes::mixture) {
        for (std::size_t k = 0; k < spec.members.size(); ++k) describe_spec(run, spec.members[k], prefix + "member " + std::to_string(k) + " ", true);
    } else {
        const auto& parameters = recipes::describe(spec.recipe).parameters;
        const auto values = recipes::values(spec.recipe, spec.parameters);
        for (std::size_t i = 0; i < parameters.size(); ++i)
            run.add(prefix + "parameter " + parameters[i].name, recipes::json_value(parameters[i], values[i]));
    }
    if (spec.estimate_foreground) {
        const auto& d = fn::foreground_settings::describe();
        const auto fields = d.fields();
        const auto values = d.texts(recipes::foreground_settings_with(*spec.estimate_foreground));
        for (std::size_t i = 0; i < fields.size(); ++i)
            run.add(prefix + "estimate_foreground " + fields[i].name, recipes::json_value(fields[i], values[i]));
    }
}
}  // namespace detail

/// The run description (see run.hpp) of generating `settings.count` samples from `inputs`,
/// with anomaly textures from `textures` (null for none) loaded from `textures_folder`. One
/// field each: "ias" (the version), the recipe's fields (`detail::describe_spec`), "seed",
/// "epoch", "count", "size", "foreground", "input PATH" for every input (its size and
/// SHA-256, and its foreground mask's) and "texture PATH" for every texture. Reads each
/// texture file again to fingerprint it; throws ias::error naming one that cannot be read,
/// and std::invalid_argument for an unknown recipe.
inline run_description describe_run(const run_settings& settings, const prepared_inputs& inputs, const texture_bank* textures,
                                    const std::filesystem::path& textures_folder) {
    run_description run;
    run.add_text("ias", version);
    detail::describe_spec(run, settings.recipe, "", false);
    run.add_number("seed", settings.seed);
    run.add_number("epoch", settings.epoch);
    run.add_number("count", settings.count);
    run.add_text("size", settings.size ? std::to_string(settings.size->first) + "x" + std::to_string(settings.size->second) : "as read");
    run.add_text("foreground", settings.foreground);
    for (std::size_t k = 0; k < inputs.inputs.size(); ++k) {
        const prepared_input& in = inputs.inputs[k];
        std::string value = in.file ? in.file->json() : "\"unreadable\"";
        if (in.foreground_file) value.insert(value.size() - 1, ",\"foreground_mask\":" + in.foreground_file->json());
        run.add("input " + inputs.files.relative[k].generic_string(), std::move(value));
    }
    if (textures)
        for (std::size_t i = 0; i < textures->size(); ++i)
            run.add("texture " + textures->path(i).lexically_relative(textures_folder).generic_string(),
                    fingerprint_file(textures->path(i)).json());
    return run;
}

}  // namespace ias::dataset
