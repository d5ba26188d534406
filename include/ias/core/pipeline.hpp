// SPDX-License-Identifier: MIT
// pipeline(a, b, c) and a | b: stages applied in order, each with its own random stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "concepts.hpp"
#include "run_on_region.hpp"

namespace ias {

/// Applies its stages in order; stage i draws from `rng.fork(i)`. A pipeline stores its
/// stages by value, is itself a transform, and costs no more than the same calls written
/// by hand with the same streams (`BM_pipeline_overhead_*`). Build it with `ias::pipeline(a, b, c)` or `a | b | c`, which
/// give the same pipeline.
///
/// A stage that is not a transform stops compilation with the reason, e.g. "'counter'
/// does not satisfy 'transform' because 't(s, rng)' would be invalid".
///
/// Note: `pipeline(p)` of a single pipeline `p` is a copy of `p` (class template argument
/// deduction prefers the copy), not a pipeline nested in another.
template <class... Stages>
class pipeline {
    static_assert((transform<Stages> && ...), "every stage of an ias::pipeline must satisfy ias::transform");

public:
    static constexpr std::string_view name = "pipeline";

    constexpr explicit pipeline(Stages... stages) : stages_(std::move(stages)...) {}

    void operator()(sample& s, rng_stream& rng) const {
        std::apply(
            [&](const Stages&... stage) {
                std::uint32_t i = 0;
                (detail::run_child(stage, s, rng, i++), ...);
            },
            stages_);
    }
    void run_on_region(sample& s, rng_stream& rng, const pixel_region& where, region_input input) const {
        detail::run_chain_on_region(sizeof...(Stages), where, input, [&](std::size_t i, const pixel_region& r, region_input in) {
            detail::with_index<sizeof...(Stages)>(i, [&](auto k) {
                rng_stream child = rng.fork(std::uint32_t(k));
                ias::run_on_region(std::get<k>(stages_), s, child, r, in);
            });
        });
    }
    void replay(sample& s, trace_reader& reader) const {
        std::apply([&](const Stages&... stage) { (ias::replay(stage, s, reader), ...); }, stages_);
    }

    /// The stages, in order.
    [[nodiscard]] constexpr const std::tuple<Stages...>& stages() const noexcept { return stages_; }
    [[nodiscard]] static constexpr std::size_t size() noexcept { return sizeof...(Stages); }

private:
    std::tuple<Stages...> stages_;
};

namespace detail {
template <class T>
struct is_pipeline : std::false_type {};
template <class... S>
struct is_pipeline<pipeline<S...>> : std::true_type {};

/// The stages of `t` as a tuple: a pipeline's own stages, or `t` alone.
template <class T>
constexpr auto as_stage_tuple(T&& t) {
    if constexpr (is_pipeline<std::remove_cvref_t<T>>::value)
        return std::forward<T>(t).stages();
    else
        return std::tuple<std::remove_cvref_t<T>>(std::forward<T>(t));
}
}  // namespace detail

/// Chains two transforms into one flat pipeline: `a | b | c` is `pipeline(a, b, c)`, and a
/// pipeline on either side contributes its stages, not itself. Argument-dependent lookup
/// finds it when either side is an ias type; for two transforms of your own namespace, say
/// `using ias::operator|;`. For long chains prefer `pipeline(...)`, which compiles faster.
template <transform A, transform B>
constexpr auto operator|(const A& a, const B& b) {
    return std::apply([](const auto&... stages) { return ias::pipeline(stages...); },
                      std::tuple_cat(detail::as_stage_tuple(a), detail::as_stage_tuple(b)));
}

}  // namespace ias
