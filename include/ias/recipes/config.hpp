// SPDX-License-Identifier: MIT
// Recipe configuration files, as `ias recipe NAME --json` prints them, read into a recipe_spec.
//
//   {"recipe": "draem", "parameters": {"texture_opacity": [0.5, 1]}}
//   {"recipe": "one_of", "members": [{"recipe": "draem", "weight": 2},
//                                    {"recipe": "prompt", "parameters": {"text": "a long scratch"}}],
//    "estimate_foreground": {"method": "otsu"}}
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "../core/describe.hpp"
#include "../core/json_reader.hpp"
#include "../io/files.hpp"
#include "spec.hpp"

namespace ias::recipes {

namespace detail::config {

/// A JSON number as the text a parameter reads: as written, except that a whole number
/// written as a float (5.0, 1e9) is the integer it equals, so that an integer parameter takes it.
inline std::string number_text(const json_node& v) {
    double value = 0;
    if (v.text.find_first_of(".eE") != std::string::npos && ias::detail::describe::parse_number(v.text, value) &&
        value == std::floor(value) && std::abs(value) < 1e15)
        return std::to_string(std::int64_t(value));
    return v.text;
}

/// A parameter's value as text: a number, a string, or a range [min, max] of two numbers.
inline std::string value_text(const std::string& where, const json_node& v) {
    if (v.type == json_node::kind::string) return v.text;
    if (v.type == json_node::kind::number) return number_text(v);
    if (v.type == json_node::kind::boolean) return v.boolean ? "true" : "false";
    if (v.type == json_node::kind::array && v.items.size() == 2 && v.items[0].type == json_node::kind::number &&
        v.items[1].type == json_node::kind::number)
        return "[" + number_text(v.items[0]) + ", " + number_text(v.items[1]) + "]";
    throw std::invalid_argument(where + " is " + std::string(v.kind_name()) +
                                (v.type == json_node::kind::array ? " of " + std::to_string(v.items.size()) + " values" : "") +
                                "; it must be a number, a string or a range [min, max] of two numbers");
}

inline overrides parameters(const std::string& where, const json_node& v) {
    if (v.type != json_node::kind::object) throw std::invalid_argument(where + " must be an object of parameters");
    overrides out;
    for (const auto& [name, value] : v.members) out[name] = value_text(where + ": parameter \"" + name + "\"", value);
    return out;
}

inline recipe_spec spec(const std::string& where, const json_node& v, int depth) {
    if (v.type != json_node::kind::object) throw std::invalid_argument(where + " must be a JSON object");
    recipe_spec s;
    bool named = false;
    const std::string in = where.empty() ? "" : where + ": ";
    for (const auto& [key, value] : v.members) {
        const std::string at = in + "\"" + key + "\"";
        if (key == "recipe") {
            if (value.type != json_node::kind::string) throw std::invalid_argument(at + " must be a string");
            s.recipe = value.text;
            named = true;
        } else if (key == "parameters") {
            s.parameters = parameters(at, value);
        } else if (key == "estimate_foreground") {
            s.estimate_foreground = parameters(at, value);
        } else if (key == "weight" && depth > 0) {
            float w = 0;
            if (value.type != json_node::kind::number || !ias::detail::describe::parse_number(value.text, w) || !(w >= 0))
                throw std::invalid_argument(at + " must be a number >= 0");
            s.weight = w;
        } else if (key == "members") {
            if (value.type != json_node::kind::array || value.items.empty())
                throw std::invalid_argument(at + " must be an array of one or more recipes");
            for (std::size_t k = 0; k < value.items.size(); ++k)
                s.members.push_back(spec(in + "member " + std::to_string(k), value.items[k], depth + 1));
        } else {
            throw std::invalid_argument("unknown key " + at + "; a configuration has \"recipe\", \"parameters\", \"members\" (one_of), " +
                                        (depth > 0 ? "\"weight\" (a member's) " : "") + "and \"estimate_foreground\"");
        }
    }
    if (!named) throw std::invalid_argument(in + "the key \"recipe\" is missing");
    return s;
}

}  // namespace detail::config

/// The recipe a configuration's JSON text describes: `"recipe"` (a registered name, or "one_of"
/// with `"members"`, each a configuration with an optional `"weight"`, default 1),
/// `"parameters"` (an object of numbers, strings and [min, max] ranges) and
/// `"estimate_foreground"` (an object of `fn::foreground_settings` fields). Throws
/// std::invalid_argument naming the key and value that are wrong (or where the JSON is not
/// valid); the values themselves are checked by `make`.
[[nodiscard]] inline recipe_spec read_config(std::string_view json_text) {
    return detail::config::spec("", parse_json(json_text), 0);
}

/// `read_config` of the file `file`; every message starts with "the configuration 'FILE': ".
[[nodiscard]] inline recipe_spec read_config_file(const std::filesystem::path& file) {
    const std::string name = "the configuration '" + file.string() + "'";
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec))
        throw std::invalid_argument(name + " is a folder; pass a JSON file as `ias recipe NAME --json` prints it");
    const auto bytes = ias::detail::read_whole_file(file, std::uint64_t{1} << 24, "a configuration",
                                                    [&](const std::string& why) { throw std::invalid_argument(name + ": " + why); });
    try {
        return read_config(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(name + ": " + e.what());
    }
}

}  // namespace ias::recipes
