// SPDX-License-Identifier: MIT
// conditioning: the opaque bundle a host network receives with every call (prompt, embeddings, class ids, control residuals).
#pragma once

#include <any>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/error.hpp"

namespace ias::diffusion {

/// What a host network is conditioned on, passed through ias untouched: a list of named values
/// of any type (a prompt string, token embeddings, class ids, an IP-Adapter's extra key/value
/// tokens, ControlNet residuals, a mask encoder's output; METHODS §3.4, §8.10's
/// ConditioningBundle). ias never looks inside; the host's denoiser, generator or scorer reads
/// the entries it knows. Copies share the values, which are immutable once set, so a bundle is
/// cheap to copy into many samples and safe to read from many threads.
class conditioning {
public:
    /// Sets entry `name` to `value` (replacing an entry of that name); returns *this for chaining:
    /// `conditioning{}.set("prompt", std::string("a photo of a tile with a crack")).set("class", 3)`.
    template <class T>
    conditioning& set(std::string name, T value) {
        auto held = std::make_shared<const std::any>(std::move(value));
        for (auto& [key, v] : entries_)
            if (key == name) {
                v = std::move(held);
                return *this;
            }
        entries_.emplace_back(std::move(name), std::move(held));
        return *this;
    }
    [[nodiscard]] bool has(std::string_view name) const noexcept { return lookup(name) != nullptr; }
    /// Entry `name` as a `T`, or nullptr when it is absent or of another type.
    template <class T>
    [[nodiscard]] const T* find(std::string_view name) const noexcept {
        const std::any* v = lookup(name);
        return v ? std::any_cast<T>(v) : nullptr;
    }
    /// Entry `name` as a `T`; throws ias::error naming the entry when it is absent (listing the
    /// entries there are) or holds another type.
    template <class T>
    [[nodiscard]] const T& get(std::string_view name) const {
        const std::any* v = lookup(name);
        if (!v) {
            std::string known;
            for (const auto& [key, value] : entries_) known += (known.empty() ? "" : ", ") + key;
            throw error("ias::diffusion::conditioning: no entry '" + std::string(name) + "' (the bundle has: " +
                        (known.empty() ? std::string("nothing") : known) + ")");
        }
        if (const T* p = std::any_cast<T>(v)) return *p;
        throw error("ias::diffusion::conditioning: entry '" + std::string(name) + "' holds another type than the one asked for");
    }
    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
    [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
    /// The entry names, in the order they were first set.
    [[nodiscard]] std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& entry : entries_) out.push_back(entry.first);
        return out;
    }

private:
    [[nodiscard]] const std::any* lookup(std::string_view name) const noexcept {
        for (const auto& [key, v] : entries_)
            if (key == name) return v.get();
        return nullptr;
    }

    std::vector<std::pair<std::string, std::shared_ptr<const std::any>>> entries_;
};

}  // namespace ias::diffusion
