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
#include "../version.hpp"
#include "prepared_inputs.hpp"
#include "run.hpp"

namespace ias::dataset {

/// The settings of a generation run that its samples depend on (the thread count and the
/// shard do not).
struct run_settings {
    std::string recipe{};                   ///< a registered recipe's name; empty when `prompt` is given
    recipes::overrides parameters{};        ///< the recipe's parameter overrides (the rest keep their defaults)
    std::string prompt{};                   ///< the procedural-defect prompt, in canonical form (`to_prompt`)
    std::uint64_t seed = 0;
    std::uint32_t epoch = 0;
    std::uint64_t count = 0;
    std::optional<std::pair<int, int>> size{};  ///< what every input is resized to; none keeps each size
    std::string foreground = "none";          ///< none, auto (estimated) or folder (masks from a folder)
};


/// The run description (see run.hpp) of generating `settings.count` samples from `inputs`,
/// with anomaly textures from `textures` (null for none) loaded from `textures_folder`. One
/// field each: "ias" (the version), "recipe", "parameter NAME" for every parameter of the
/// recipe (its value as the recipe reads it, default or not) or "prompt", "seed", "epoch",
/// "count", "size", "foreground", "input PATH" for every input (its size and SHA-256, and its
/// foreground mask's) and "texture PATH" for every texture. Reads each texture file again to
/// fingerprint it; throws ias::error naming one that cannot be read, and std::invalid_argument
/// for an unknown recipe.
inline run_description describe_run(const run_settings& settings, const prepared_inputs& inputs, const texture_bank* textures,
                                    const std::filesystem::path& textures_folder) {
    run_description run;
    run.add_text("ias", version);
    if (settings.recipe.empty()) {
        run.add_text("recipe", "procedural_defects");
        run.add_text("prompt", settings.prompt);
    } else {
        run.add_text("recipe", settings.recipe);
        const auto& parameters = recipes::describe(settings.recipe).parameters;
        const auto values = recipes::values(settings.recipe, settings.parameters);
        for (std::size_t i = 0; i < parameters.size(); ++i) {
            run.add("parameter " + parameters[i].name, recipes::json_value(parameters[i], values[i]));
        }
    }
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
