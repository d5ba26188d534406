// SPDX-License-Identifier: MIT
// A recipe configuration file, as `ias recipe NAME --json` prints it: {"recipe": NAME,
// "parameters": {...}}. Read by the ias tool (--config) and by ias_downstream (--recipe FILE.json);
// nlohmann-json is a dependency of these programs only, never of the library's headers.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include <nlohmann/json.hpp>

#include <ias/recipes.hpp>

/// The recipe name and parameter overrides of a configuration file.
struct recipe_config {
    std::string name;
    ias::recipes::overrides overrides;
};

/// A JSON number as the text a recipe parameter reads: 5.0 is the integer 5.
inline std::string number_text(const nlohmann::json& v) {
    if (v.is_number_float() && v.get<double>() == std::floor(v.get<double>()) && std::abs(v.get<double>()) < 1e15)
        return std::to_string(std::int64_t(v.get<double>()));
    return v.dump();
}

inline recipe_config read_config(const std::filesystem::path& file) {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec))
        throw std::invalid_argument("the configuration '" + file.string() + "' is a folder; pass a JSON file as `ias recipe NAME --json` prints it");
    std::ifstream in(file);
    if (!in) throw std::invalid_argument("cannot read the configuration '" + file.string() + "'");
    nlohmann::json j;
    try {
        in >> j;
    } catch (const std::exception& e) {  // nlohmann's parse errors, and the stream's own
        throw std::invalid_argument("the configuration '" + file.string() + "' is not valid JSON: " + e.what());
    }
    if (!j.is_object()) throw std::invalid_argument("the configuration '" + file.string() + "' must be a JSON object");
    recipe_config config;
    for (const auto& [key, value] : j.items()) {
        if (key == "recipe") {
            if (!value.is_string()) throw std::invalid_argument(file.string() + ": \"recipe\" must be a string");
            config.name = value.get<std::string>();
        } else if (key == "parameters") {
            if (!value.is_object()) throw std::invalid_argument(file.string() + ": \"parameters\" must be an object");
            for (const auto& [name, v] : value.items()) {
                if (v.is_string()) config.overrides[name] = v.get<std::string>();
                else if (v.is_number()) config.overrides[name] = number_text(v);
                else if (v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number())
                    config.overrides[name] = "[" + number_text(v[0]) + ", " + number_text(v[1]) + "]";
                else
                    throw std::invalid_argument(file.string() + ": parameter \"" + name + "\" is " + v.dump() +
                                                "; it must be a number, a string or a range [min, max] of two numbers");
            }
        } else {
            throw std::invalid_argument(file.string() + ": unknown key \"" + key + "\"; a configuration has \"recipe\" and \"parameters\"");
        }
    }
    if (config.name.empty()) throw std::invalid_argument(file.string() + ": the key \"recipe\" is missing");
    return config;
}
