// SPDX-License-Identifier: MIT
// recipe_spec: what to synthesise, as a configuration file says it: a registered recipe with
// changed parameters, or a weighted mixture of them, each optionally after estimating the foreground.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../core/compose.hpp"
#include "../transforms/foreground.hpp"
#include "registry.hpp"

namespace ias::recipes {

/// The name of the mixture: a recipe_spec with this recipe chooses one of its members per sample.
inline constexpr std::string_view mixture = "one_of";

/// What to synthesise: recipe `recipe` (registered) with `parameters` changed, or, when
/// `recipe` is "one_of", one of `members` per sample, member k with probability weight_k / sum
/// (as `ias::one_of`: the choice from the stage's stream, member k with its fork k). Either way,
/// with `estimate_foreground` set, `sample.foreground` is estimated first by
/// `fn::foreground_settings` with those changes (`ias generate --foreground auto` sets none),
/// and the recipe runs with the stream it would have had without it.
struct recipe_spec {
    std::string recipe{};
    overrides parameters{};
    std::vector<recipe_spec> members{};  ///< one_of only
    float weight = 1.0f;                 ///< as a member of one_of
    std::optional<overrides> estimate_foreground{};
};

/// The foreground settings of `changes`, each parsed and checked by their description.
inline fn::foreground_settings foreground_settings_with(const overrides& changes) {
    try {
        fn::foreground_settings f = detail::registry::settings_with<fn::foreground_settings>(changes);
        fn::validate(f);
        return f;
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("estimate_foreground: ") + e.what());
    }
}

/// Builds `spec`, with anomaly textures and the image pool as `make(name, ...)` takes them.
/// Throws std::invalid_argument naming the recipe (and the member, "one_of member 2: ...")
/// for anything `make` refuses, a mixture without members or with a bad weight, parameters
/// given to a mixture, members given to a recipe, or foreground settings out of range.
inline any_transform make(const recipe_spec& spec, std::shared_ptr<const texture_source> textures = {},
                          std::shared_ptr<const image_pool> pool = {}) {
    any_transform t = [&]() -> any_transform {
        if (spec.recipe != mixture) {
            if (!spec.members.empty())
                throw std::invalid_argument("ias::recipes::make: recipe '" + spec.recipe + "' has members; only one_of takes members");
            return make(spec.recipe, spec.parameters, textures, pool);
        }
        if (!spec.parameters.empty())
            throw std::invalid_argument("ias::recipes::make: one_of takes members, not parameters ('" + spec.parameters.begin()->first + "')");
        std::vector<float> weights;
        std::vector<any_transform> members;
        for (std::size_t k = 0; k < spec.members.size(); ++k) {
            try {
                members.push_back(make(spec.members[k], textures, pool));
            } catch (const std::invalid_argument& e) {
                throw std::invalid_argument("one_of member " + std::to_string(k) + ": " + e.what());
            }
            weights.push_back(spec.members[k].weight);
        }
        return dynamic_one_of(std::move(weights), std::move(members));
    }();
    if (!spec.estimate_foreground) return t;
    return with_estimated_foreground<any_transform>{{foreground_settings_with(*spec.estimate_foreground)}, std::move(t)};
}

}  // namespace ias::recipes
