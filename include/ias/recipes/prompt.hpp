// SPDX-License-Identifier: MIT
// recipes::prompt: procedural defects asked for in words ("two long thin dark scratches and a pore").
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "../core/describe.hpp"
#include "../core/error.hpp"
#include "../transforms/procedural_defects.hpp"

namespace ias::recipes {

/// The prompt recipe's settings: the words, and how the mask is written.
struct prompt_settings {
    std::string text = "a scratch";
    std::string mask = "soft";  ///< soft (each renderer's coverage) or binary (coverage >= mask_threshold)
    float mask_threshold = 0.5f;

    static const description<prompt_settings>& describe() {
        static const auto d =
            description<prompt_settings>()
                .field("text", &prompt_settings::text, {},
                       "the defects in words: counts, sizes, shades, kinds and places (\"two long dark scratches near the top and a pore\")")
                .field("mask", &prompt_settings::mask, {"soft", "binary"},
                       "soft: each defect's coverage in [0, 1]; binary: 1 where the coverage reaches mask_threshold")
                .field("mask_threshold", &prompt_settings::mask_threshold, 0.001, 1, "with mask = binary: the coverage that counts as anomalous");
        return d;
    }
};

/// Procedural physical defects from a prompt (see `ias::procedural_defects` and
/// `ias::parse_defect_prompt` for the words). Runs the stage itself, not a pipeline of it, so
/// a prompt gives the same bytes as `procedural_defects::from_prompt` with the same stream.
/// Throws std::invalid_argument naming the word it does not know and listing the vocabulary.
inline procedural_defects prompt(const prompt_settings& s = {}) {
    validate(s, "ias::recipes::prompt");
    std::vector<defect_spec> specs;
    try {
        specs = parse_defect_prompt(s.text);
    } catch (const error& e) {
        throw std::invalid_argument(std::string("parameter 'text': ") + e.what());
    }
    return procedural_defects({.specs = std::move(specs), .binary_mask = s.mask == "binary", .mask_threshold = s.mask_threshold});
}

}  // namespace ias::recipes
