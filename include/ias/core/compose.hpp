// SPDX-License-Identifier: MIT
// Combinators: sometimes(p, t), alternate(t), one_of(weights, t...) and dynamic_one_of, some_of(n, t...), repeat(lo, hi, t).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "any_transform.hpp"
#include "concepts.hpp"
#include "run_on_region.hpp"

namespace ias {

namespace detail {
[[noreturn]] inline void bad_config(const char* where, const std::string& what) {
    throw std::invalid_argument(std::string("ias::") + where + ": " + what);
}

/// What one_of and dynamic_one_of trace: the member chosen.
struct one_of_choice {
    std::size_t choice = 0;
    template <class F>
    void visit_fields(F&& f) const { f("choice", choice); }
};

/// Throws std::invalid_argument unless there is one weight per member (`members`), each finite
/// and >= 0, with a positive sum.
inline void check_weights(std::span<const float> weights, std::size_t members) {
    if (weights.size() != members)
        bad_config("one_of", "got " + std::to_string(weights.size()) + " weights for " + std::to_string(members) + " transforms");
    double total = 0.0;
    for (std::size_t k = 0; k < weights.size(); ++k) {
        if (!(weights[k] >= 0.0f) || !std::isfinite(weights[k]))
            bad_config("one_of", "weight " + std::to_string(k) + " is " + std::to_string(weights[k]) + "; weights must be finite and >= 0");
        total += weights[k];
    }
    if (!(total > 0.0)) bad_config("one_of", "the weights sum to 0; at least one must be positive");
}
}  // namespace detail

/// Applies `t` with probability `probability` (imgaug's Sometimes). The coin is drawn from
/// the stage's stream; `t` runs with `rng.fork(0)`, so its draws do not depend on the coin.
template <class T>
class sometimes {
    static_assert(transform<T>, "ias::sometimes needs an ias::transform");

public:
    static constexpr std::string_view name = "sometimes";
    struct params_type {
        bool applied = false;
        template <class F>
        void visit_fields(F&& f) const { f("applied", applied); }
    };

    /// Throws std::invalid_argument unless 0 <= probability <= 1.
    sometimes(double probability, T t) : probability_(probability), t_(std::move(t)) {
        if (!(probability >= 0.0 && probability <= 1.0))
            detail::bad_config("sometimes", "probability must lie in [0, 1], got " + std::to_string(probability));
    }

    void operator()(sample& s, rng_stream& rng) const {
        const bool applied = rng.bernoulli(probability_);
        if (s.trace) s.trace->record(name, params_type{applied});
        if (applied) detail::run_child(t_, s, rng, 0);
    }
    void run_on_region(sample& s, rng_stream& rng, const pixel_region& where, region_input input) const {
        if (!rng.bernoulli(probability_)) return input(where);
        rng_stream child = rng.fork(0);
        ias::run_on_region(t_, s, child, where, input);
    }
    void replay(sample& s, trace_reader& reader) const {
        if (reader.next(name).params_as<params_type>().applied) ias::replay(t_, s, reader);
    }
    [[nodiscard]] double probability() const noexcept { return probability_; }

private:
    double probability_;
    T t_;
};

/// Applies `t` to the samples with an odd index and leaves the others as they are: exactly
/// half of a dataset is changed, as by MemSeg's toggling flag (METHODS §2.3), rather than a
/// random half as by `sometimes(0.5, t)`. The index is the sample's, carried by its stream;
/// `t` runs with `rng.fork(0)`.
template <class T>
class alternate {
    static_assert(transform<T>, "ias::alternate needs an ias::transform");

public:
    static constexpr std::string_view name = "alternate";
    using params_type = typename sometimes<T>::params_type;

    explicit alternate(T t) : t_(std::move(t)) {}

    void operator()(sample& s, rng_stream& rng) const {
        const bool applied = rng.index() % 2 == 1;
        if (s.trace) s.trace->record(name, params_type{applied});
        if (applied) detail::run_child(t_, s, rng, 0);
    }
    void replay(sample& s, trace_reader& reader) const {
        if (reader.next(name).params_as<params_type>().applied) ias::replay(t_, s, reader);
    }

private:
    T t_;
};

/// Applies exactly one of its transforms, the k-th with probability weights[k] / sum
/// (imgaug's OneOf, with weights). The k-th runs with `rng.fork(k)`.
template <class... Ts>
class one_of {
    static_assert(sizeof...(Ts) >= 1 && (transform<Ts> && ...), "ias::one_of needs one or more ias::transforms");

public:
    static constexpr std::string_view name = "one_of";
    using params_type = detail::one_of_choice;

    /// Equal weights.
    explicit one_of(Ts... ts) : transforms_(std::move(ts)...) { weights_.fill(1.0f); }
    /// One weight per transform, non-negative and finite with a positive sum; throws
    /// std::invalid_argument otherwise.
    one_of(std::initializer_list<float> weights, Ts... ts) : transforms_(std::move(ts)...) {
        detail::check_weights(std::span<const float>(weights.begin(), weights.size()), sizeof...(Ts));
        std::copy(weights.begin(), weights.end(), weights_.begin());
    }

    void operator()(sample& s, rng_stream& rng) const {
        const std::size_t k = rng.choice(weights_);
        if (s.trace) s.trace->record(name, params_type{k});
        detail::with_index<sizeof...(Ts)>(
            k, [&](auto i) { detail::run_child(std::get<i>(transforms_), s, rng, std::uint32_t(i)); });
    }
    void replay(sample& s, trace_reader& reader) const {
        const std::size_t k = reader.next(name).params_as<params_type>().choice;
        if (k >= sizeof...(Ts)) throw error("ias::one_of: the trace chose transform " + std::to_string(k) +
                                            " of " + std::to_string(sizeof...(Ts)));
        detail::with_index<sizeof...(Ts)>(k, [&](auto i) { ias::replay(std::get<i>(transforms_), s, reader); });
    }
    [[nodiscard]] const std::array<float, sizeof...(Ts)>& weights() const noexcept { return weights_; }

private:
    std::array<float, sizeof...(Ts)> weights_{};
    std::tuple<Ts...> transforms_;
};

/// `one_of` over transforms chosen at run time (a configuration file's mixture, Python): the
/// k-th with probability weights[k] / sum and `rng.fork(k)`, so `dynamic_one_of({2, 1}, {a, b})`
/// and `one_of({2, 1}, a, b)` give the same bytes.
class dynamic_one_of {
public:
    static constexpr std::string_view name = "one_of";
    using params_type = detail::one_of_choice;

    /// One weight per member, as `one_of` takes them; throws std::invalid_argument otherwise.
    dynamic_one_of(std::vector<float> weights, std::vector<any_transform> members)
        : weights_(std::move(weights)), members_(std::move(members)) {
        if (members_.empty()) detail::bad_config("one_of", "has no members; give at least one");
        detail::check_weights(weights_, members_.size());
    }

    void operator()(sample& s, rng_stream& rng) const {
        const std::size_t k = rng.choice(weights_);
        if (s.trace) s.trace->record(name, params_type{k});
        detail::run_child(members_[k], s, rng, std::uint32_t(k));
    }
    void replay(sample& s, trace_reader& reader) const {
        const std::size_t k = reader.next(name).params_as<params_type>().choice;
        if (k >= members_.size())
            throw error("ias::one_of: the trace chose transform " + std::to_string(k) + " of " + std::to_string(members_.size()));
        members_[k].replay(s, reader);
    }
    [[nodiscard]] const std::vector<float>& weights() const noexcept { return weights_; }

private:
    std::vector<float> weights_;
    std::vector<any_transform> members_;
};

/// Applies `count` distinct transforms out of its list, chosen uniformly and applied in a
/// random order, as DRAEM's `iaa.Sequential` over `np.random.choice(n, 3, replace=False)`
/// does. Transform k runs with `rng.fork(k)`.
template <class... Ts>
class some_of {
    static_assert(sizeof...(Ts) >= 1 && (transform<Ts> && ...), "ias::some_of needs one or more ias::transforms");

public:
    static constexpr std::string_view name = "some_of";
    struct params_type {
        std::array<std::size_t, sizeof...(Ts)> order{};  ///< first `count` entries are used
        std::size_t count = 0;
        template <class F>
        void visit_fields(F&& f) const {
            f("order", std::vector<std::size_t>(order.begin(), order.begin() + std::ptrdiff_t(count)));
        }
    };

    /// Throws std::invalid_argument unless 0 <= count <= number of transforms.
    some_of(int count, Ts... ts) : count_(std::size_t(count)), transforms_(std::move(ts)...) {
        if (count < 0 || std::size_t(count) > sizeof...(Ts))
            detail::bad_config("some_of", "count must lie in [0, " + std::to_string(sizeof...(Ts)) + "], got " +
                                              std::to_string(count));
    }

    void operator()(sample& s, rng_stream& rng) const {
        const params_type p = draw_order(rng);
        if (s.trace) s.trace->record(name, p);
        for (std::size_t i = 0; i < count_; ++i)
            detail::with_index<sizeof...(Ts)>(p.order[i], [&](auto k) {
                detail::run_child(std::get<k>(transforms_), s, rng, std::uint32_t(k));
            });
    }
    void run_on_region(sample& s, rng_stream& rng, const pixel_region& where, region_input input) const {
        const params_type p = draw_order(rng);
        detail::run_chain_on_region(count_, where, input, [&](std::size_t i, const pixel_region& r, region_input in) {
            detail::with_index<sizeof...(Ts)>(p.order[i], [&](auto k) {
                rng_stream child = rng.fork(std::uint32_t(k));
                ias::run_on_region(std::get<k>(transforms_), s, child, r, in);
            });
        });
    }
    void replay(sample& s, trace_reader& reader) const {
        const auto& p = reader.next(name).params_as<params_type>();
        if (p.count > p.order.size())
            throw error("ias::some_of: the trace applies " + std::to_string(p.count) + " of " +
                        std::to_string(p.order.size()) + " transforms");
        for (std::size_t i = 0; i < p.count; ++i) {
            if (p.order[i] >= sizeof...(Ts))
                throw error("ias::some_of: the trace chose transform " + std::to_string(p.order[i]) + " of " +
                            std::to_string(sizeof...(Ts)));
            detail::with_index<sizeof...(Ts)>(p.order[i],
                                              [&](auto k) { ias::replay(std::get<k>(transforms_), s, reader); });
        }
    }
    [[nodiscard]] std::size_t count() const noexcept { return count_; }

private:
    params_type draw_order(rng_stream& rng) const {
        params_type p;
        p.count = count_;
        for (std::size_t k = 0; k < p.order.size(); ++k) p.order[k] = k;
        // Partial Fisher–Yates: position i receives a uniform pick of the ones not yet taken.
        for (std::size_t i = 0; i < count_; ++i) {
            const auto j = std::size_t(rng.integer(std::int64_t(i), std::int64_t(p.order.size() - 1)));
            std::swap(p.order[i], p.order[j]);
        }
        return p;
    }

    std::size_t count_;
    std::tuple<Ts...> transforms_;
};

/// Applies `t` n times, n uniform in [min_count, max_count]; repetition k runs with `rng.fork(k)`.
template <class T>
class repeat {
    static_assert(transform<T>, "ias::repeat needs an ias::transform");

public:
    static constexpr std::string_view name = "repeat";
    struct params_type {
        int count = 0;
        template <class F>
        void visit_fields(F&& f) const { f("count", count); }
    };

    /// Throws std::invalid_argument unless 0 <= min_count <= max_count.
    repeat(int min_count, int max_count, T t) : min_(min_count), max_(max_count), t_(std::move(t)) {
        if (min_count < 0 || max_count < min_count)
            detail::bad_config("repeat", "counts must satisfy 0 <= min_count <= max_count, got [" +
                                             std::to_string(min_count) + ", " + std::to_string(max_count) + "]");
    }

    void operator()(sample& s, rng_stream& rng) const {
        const int n = int(rng.integer(min_, max_));
        if (s.trace) s.trace->record(name, params_type{n});
        for (int k = 0; k < n; ++k) detail::run_child(t_, s, rng, std::uint32_t(k));
    }
    void replay(sample& s, trace_reader& reader) const {
        const int n = reader.next(name).params_as<params_type>().count;
        for (int k = 0; k < n; ++k) ias::replay(t_, s, reader);
    }

private:
    int min_;
    int max_;
    T t_;
};

}  // namespace ias
