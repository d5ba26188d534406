// SPDX-License-Identifier: MIT
// A dataset's run description (run.json): everything its bytes depend on, so --resume can refuse to mix two datasets.
//
// A dataset's samples are a pure function of the recipe and its parameters, the seed, the
// epoch, the count, the size the inputs are resized to, the foreground, the input files and
// the texture files (and the ias version that computes them). `run.json` holds each of these
// as one named field; a run that continues a dataset must describe the same run, field for
// field, and a mismatch names the field and both values. The thread count and the shard
// layout are not fields: they never change a byte.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../io/files.hpp"
#include "../io/sha256.hpp"
#include "../core/json.hpp"

namespace ias::dataset {

/// The size and SHA-256 of a file's bytes: how a dataset names the files it read and wrote.
struct file_fingerprint {
    std::uint64_t bytes = 0;
    std::string sha256;  ///< 64 lower-case hex digits

    [[nodiscard]] static file_fingerprint of(std::span<const std::uint8_t> content) {
        return {content.size(), sha256_hex(content)};
    }
    /// `{"bytes":N,"sha256":"..."}`
    [[nodiscard]] std::string json() const { return "{\"bytes\":" + std::to_string(bytes) + ",\"sha256\":\"" + sha256 + "\"}"; }
    friend bool operator==(const file_fingerprint&, const file_fingerprint&) = default;
};

/// The fingerprint of the file at `path`. Throws ias::error naming the path when it cannot be
/// read or has more than `max_bytes`.
inline file_fingerprint fingerprint_file(const std::filesystem::path& path, std::uint64_t max_bytes = std::uint64_t{1} << 30) {
    const auto bytes = ias::detail::read_whole_file(path, max_bytes, "a file", [&](const std::string& why) {
        throw error("ias::dataset::fingerprint_file: '" + path.string() + "': " + why);
    });
    return file_fingerprint::of(bytes);
}

/// What a dataset is made of: an ordered list of named fields, each a one-line JSON value.
///
/// `text()` writes it as one JSON object with a field per line, in the order the fields were
/// set; `parse` reads back exactly that form. Field names and values are compared as the JSON
/// text ias writes for them, so equal settings always compare equal.
class run_description {
public:
    /// Adds field `name` with the JSON text `json_value` (one line, no newline). Each name is
    /// added once.
    void add(std::string_view name, std::string json_value) {
        std::string key;
        append_json_string(key, name);
        fields_.emplace_back(std::move(key), std::move(json_value));
    }
    /// Adds field `name` with the JSON string `value`.
    void add_text(std::string_view name, std::string_view value) {
        std::string json;
        append_json_string(json, value);
        add(name, std::move(json));
    }
    /// Adds field `name` with the whole number `value`.
    void add_number(std::string_view name, std::uint64_t value) { add(name, std::to_string(value)); }

    /// The fields as (name as a JSON string, value as JSON text), in order.
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& fields() const noexcept { return fields_; }

    /// The description as a JSON object, one field per line, ending with a newline.
    [[nodiscard]] std::string text() const {
        std::string out = "{\n";
        for (std::size_t i = 0; i < fields_.size(); ++i)
            out += "  " + fields_[i].first + ": " + fields_[i].second + (i + 1 < fields_.size() ? ",\n" : "\n");
        return out + "}\n";
    }

    /// Reads the form `text()` writes. Throws ias::error naming `file` and the line when
    /// `text` is not in that form (a damaged or hand-edited file).
    [[nodiscard]] static run_description parse(std::string_view text, const std::filesystem::path& file) {
        std::vector<std::string_view> lines;
        for (std::size_t at = 0; at < text.size();) {
            const std::size_t end = std::min(text.find('\n', at), text.size());
            lines.push_back(text.substr(at, end - at));
            at = end + 1;
        }
        const auto fail = [&](std::size_t line) {
            throw error("ias::dataset::run_description: '" + file.string() + "' line " + std::to_string(line + 1) +
                        " is not as ias writes a run description; the file is damaged or was edited. Move it away and pass "
                        "--force to start the dataset over");
        };
        if (lines.size() < 2 || lines.front() != "{" || lines.back() != "}") fail(lines.empty() ? 0 : lines.size() - 1);
        run_description run;
        for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
            std::string_view line = lines[i];
            const bool last = i + 2 == lines.size();
            if (!line.starts_with("  \"") || line.ends_with(',') == last) fail(i);
            if (!last) line.remove_suffix(1);
            std::size_t close = 3;  // the key's closing quote: the first one not escaped
            while (close < line.size() && line[close] != '"') close += line[close] == '\\' ? 2 : 1;
            if (close >= line.size() || line.substr(close + 1, 2) != ": " || close + 3 >= line.size()) fail(i);
            run.fields_.emplace_back(std::string(line.substr(2, close - 1)), std::string(line.substr(close + 3)));
        }
        std::vector<std::string_view> names;
        for (const auto& field : run.fields_) names.push_back(field.first);
        std::sort(names.begin(), names.end());
        if (const auto twice = std::adjacent_find(names.begin(), names.end()); twice != names.end())
            throw error("ias::dataset::run_description: '" + file.string() + "' names the field " + std::string(*twice) +
                        " twice; the file is damaged or was edited. Move it away and pass --force to start the dataset over");
        return run;
    }

    /// How this run differs from `dataset`'s description, naming the first field that differs
    /// (in the dataset's order, then this run's new fields) and both values, and how many more
    /// do; empty when they are the same.
    [[nodiscard]] std::string difference_from(const run_description& dataset) const {
        std::string first;
        std::size_t count = 0;
        const auto note = [&](std::string what) {
            if (count++ == 0) first = std::move(what);
        };
        const auto index = [](const run_description& d) {
            std::map<std::string_view, std::string_view> values;
            for (const auto& [k, v] : d.fields_) values.emplace(k, v);
            return values;
        };
        const auto here = index(*this), there = index(dataset);
        for (const auto& [key, value] : dataset.fields_) {
            const auto it = here.find(key);
            if (it == here.end()) note(key + " is " + value + " in the dataset and absent in this run");
            else if (it->second != value) note(key + " is " + value + " in the dataset and " + std::string(it->second) + " in this run");
        }
        for (const auto& [key, value] : fields_)
            if (!there.count(key)) note(key + " is " + value + " in this run and absent in the dataset");
        if (count > 1) first += " (and " + std::to_string(count - 1) + (count == 2 ? " more difference)" : " more differences)");
        return first;
    }

    friend bool operator==(const run_description&, const run_description&) = default;

private:
    std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace ias::dataset
