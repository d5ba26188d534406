// SPDX-License-Identifier: MIT
// libFuzzer target for recipe configurations (what the CLI and the Python module pass to the
// registry): a configuration file's JSON text when it starts with '{', else a recipe name on
// the first line, then `parameter=value` lines. Any text must give a recipe or a
// std::invalid_argument; a recipe that builds must then run on small grey and RGB samples
// without a crash, undefined behaviour or a sample that breaks the data model.
#include <string>
#include <string_view>

#include <ias/recipes.hpp>
#include <ias/recipes/config.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::size_t first_line = text.find('\n');
    const std::string_view name = text.substr(0, first_line);
    ias::recipes::overrides changes;
    for (std::size_t start = first_line; start < text.size();) {
        const std::size_t end = std::min(text.find('\n', start + 1), text.size());
        const std::string_view line = text.substr(start + 1, end - start - 1);
        if (const std::size_t equals = line.find('='); equals != std::string_view::npos)
            changes[std::string(line.substr(0, equals))] = std::string(line.substr(equals + 1));
        start = end;
    }
    ias::any_transform recipe = ias::recipes::make("draem");
    bool classes = name == "cutpaste_3way" || name == "reb_defectmaker";
    try {
        if (text.starts_with('{')) {
            const ias::recipes::recipe_spec spec = ias::recipes::read_config(text);
            recipe = ias::recipes::make(spec);
            classes = spec.recipe == ias::recipes::mixture || spec.recipe == "cutpaste_3way" || spec.recipe == "reb_defectmaker";
        } else {
            recipe = ias::recipes::make(name, changes);
        }
    } catch (const std::invalid_argument&) {
        return 0;
    }
    for (const int channels : {1, 3}) {
        ias::sample s(ias::image<std::uint8_t>(19, 13, channels, 90));
        for (std::uint32_t index = 0; index < 4; ++index) {
            ias::rng_stream rng(size, index);
            recipe(s, rng);
            s.validate();
            // A binary recipe labels exactly the samples with a mask; a class recipe (CutPaste
            // 3-way, REB's views) gives class 0 no mask, and any mask a class of at least 1.
            const bool masked = ias::any_positive(s.mask);
            const bool consistent = classes ? s.label >= 0 && s.label <= 6 && (!masked || s.label >= 1) : s.label == (masked ? 1 : 0);
            if (!consistent) __builtin_trap();
        }
    }
    return 0;
}
