// SPDX-License-Identifier: MIT
// The registry's recipes written out: a text listing, JSON, a configuration file and Markdown,
// all from the settings descriptions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "../core/describe.hpp"
#include "../core/json.hpp"
#include "registry.hpp"

namespace ias::recipes {

/// `value` (the canonical text of a field of `info`'s type) as a JSON value: a number, a
/// range as `[min, max]`, a text as a string.
inline std::string json_value(const field_info& info, std::string_view value) {
    if (info.type != field_type::text) return std::string(value);
    std::string json;
    append_json_string(json, value);
    return json;
}

/// Every recipe as a JSON array, one recipe per line: `{"name", "summary", "parameters":
/// [{"name", "type", "default", "min", "max", "choices", "help"}], "rules": [...]}`; `min`
/// and `max` are null for a text, `choices` empty for anything but a text with choices.
inline std::string to_json(const std::vector<recipe_info>& recipes) {
    const auto append_strings = [](std::string& out, const std::vector<std::string>& strings) {
        out += "[";
        for (const auto& s : strings) {
            if (&s != strings.data()) out += ", ";
            append_json_string(out, s);
        }
        out += "]";
    };
    std::string out = "[";
    for (const auto& r : recipes) {
        out += out.size() > 1 ? ",\n " : "";
        out += "{\"name\": ";
        append_json_string(out, r.name);
        out += ", \"summary\": ";
        append_json_string(out, r.summary);
        out += ", \"parameters\": [";
        for (const auto& p : r.parameters) {
            out += &p == r.parameters.data() ? "{" : ", {";
            out += "\"name\": ";
            append_json_string(out, p.name);
            out += ", \"type\": ";
            append_json_string(out, name_of(p.type));
            out += ", \"default\": " + json_value(p, p.default_value);
            const bool text = p.type == field_type::text;
            out += ", \"min\": ";
            text ? void(out += "null") : append_json_number(out, p.min);
            out += ", \"max\": ";
            text ? void(out += "null") : append_json_number(out, p.max);
            out += ", \"choices\": ";
            append_strings(out, p.choices);
            out += ", \"help\": ";
            append_json_string(out, p.help);
            out += "}";
        }
        out += "], \"rules\": ";
        append_strings(out, r.rules);
        out += "}";
    }
    return out + "]\n";
}

/// Recipe `info` with its defaults as a configuration file (what `--config` reads):
/// `{"recipe": NAME, "parameters": {NAME: VALUE, ...}}`, one parameter per line.
inline std::string to_config_json(const recipe_info& info) {
    std::string out = "{\n  \"recipe\": ";
    append_json_string(out, info.name);
    out += ",\n  \"parameters\": {";
    for (const auto& p : info.parameters) {
        out += &p == info.parameters.data() ? "\n    " : ",\n    ";
        append_json_string(out, p.name);
        out += ": " + json_value(p, p.default_value);
    }
    return out + (info.parameters.empty() ? "}\n}\n" : "\n  }\n}\n");
}

/// The values a field may take, in words: `[0, 1]`, `coin, log_uniform` or `any text`.
inline std::string allowed_values(const field_info& p) {
    if (p.type != field_type::text) return "[" + ias::detail::describe::bound(p.min) + ", " + ias::detail::describe::bound(p.max) + "]";
    return p.choices.empty() ? "any text" : ias::detail::describe::joined(p.choices);
}

/// Every recipe for reading in a terminal: its name and summary, then one line per parameter.
inline std::string to_text(const std::vector<recipe_info>& recipes) {
    const auto padded = [](std::string s, std::size_t width) { return s + std::string(s.size() < width ? width - s.size() : 1, ' '); };
    std::string out;
    for (const auto& r : recipes) {
        out += r.name + ": " + r.summary + "\n";
        for (const auto& p : r.parameters)
            out += "    " + padded(p.name, 26) + padded(std::string(name_of(p.type)), 14) + "default " +
                   padded(json_value(p, p.default_value), 16) + allowed_values(p) + "  " + p.help + "\n";
        for (const auto& rule : r.rules) out += "    rule: " + rule + "\n";
    }
    return out;
}

/// Every recipe as a Markdown page (docs/recipes.md): a section per recipe, a table of its parameters.
inline std::string to_markdown(const std::vector<recipe_info>& recipes) {
    const auto cell = [](std::string s) {  // a table cell: a '|' would end it
        for (std::size_t at = s.find('|'); at != std::string::npos; at = s.find('|', at + 2)) s.replace(at, 1, "\\|");
        return s;
    };
    std::string out =
        "# Recipes\n\n"
        "Every recipe of the registry with its parameters, as `ias recipes --markdown` prints them (this file is\n"
        "generated: a test fails when it differs). A range is written `[min, max]`; in a configuration file\n"
        "(`ias recipe NAME --json`) it is a JSON array of two numbers.\n";
    for (const auto& r : recipes) {
        out += "\n## " + r.name + "\n\n" + r.summary + "\n\n";
        if (r.parameters.empty()) {
            out += "No parameters.\n";
            continue;
        }
        out += "| parameter | type | default | allowed | meaning |\n|---|---|---|---|---|\n";
        for (const auto& p : r.parameters)
            out += "| `" + p.name + "` | " + std::string(name_of(p.type)) + " | `" + cell(json_value(p, p.default_value)) + "` | " +
                   cell(allowed_values(p)) + " | " + cell(p.help) + " |\n";
        for (const auto& rule : r.rules) out += "\nRule: " + rule + ".\n";
    }
    return out;
}

}  // namespace ias::recipes
