// SPDX-License-Identifier: MIT
// The ias tool's command-line parser: `--name value` pairs and `--flag`s, and the usage error
// (exit code 2) for a command line that is wrong.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace ias_cli {

/// A command line that is wrong: exit code 2, the message and a pointer to --help.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The options of one command: `--name value` pairs and `--flag`s, in any order.
class arguments {
public:
    arguments(int argc, char** argv, int first, std::vector<std::string_view> flags) {
        for (int i = first; i < argc; ++i) {
            std::string_view a = argv[i];
            if (a == "-n") a = "--n";
            if (a.rfind("--", 0) != 0) {
                positional_.emplace_back(a);
                continue;
            }
            std::string key(a.substr(2));
            if (std::find(flags.begin(), flags.end(), key) != flags.end()) {
                values_[key] = "";
                continue;
            }
            if (i + 1 >= argc) throw usage_error("option --" + key + " needs a value");
            if (values_.count(key)) throw usage_error("option --" + key + " is given twice");
            values_[key] = argv[++i];
        }
    }
    bool has(const std::string& key) const { return values_.count(key) != 0; }
    std::optional<std::string> get(const std::string& key) const {
        const auto it = values_.find(key);
        return it == values_.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    std::string required(const std::string& key) const {
        if (auto v = get(key)) return *v;
        throw usage_error("option --" + key + " is required");
    }
    std::uint64_t number(const std::string& key, std::uint64_t fallback) const {
        const auto v = get(key);
        if (!v) return fallback;
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
        if (ec != std::errc() || end != v->data() + v->size())
            throw usage_error("option --" + key + " is '" + *v + "'; it must be a whole number >= 0");
        return n;
    }
    /// `number(key, fallback)`, which must lie in [`low`, `high`].
    std::uint64_t number(const std::string& key, std::uint64_t fallback, std::uint64_t low, std::uint64_t high) const {
        const std::uint64_t n = number(key, fallback);
        if (n < low || n > high)
            throw usage_error("--" + key + " is " + std::to_string(n) + "; it must lie in [" + std::to_string(low) + ", " + std::to_string(high) + "]");
        return n;
    }
    /// Throws unless every option given is one of `known`.
    void only(std::initializer_list<std::string_view> known) const {
        for (const auto& [key, value] : values_)
            if (std::find(known.begin(), known.end(), key) == known.end()) throw usage_error("unknown option --" + key);
        if (!positional_.empty()) throw usage_error("unexpected argument '" + positional_.front() + "'");
    }
    const std::vector<std::string>& positional() const { return positional_; }
    void drop_positional() { positional_.clear(); }

private:
    std::map<std::string, std::string> values_;
    std::vector<std::string> positional_;
};

}  // namespace ias_cli
