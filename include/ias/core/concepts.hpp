// SPDX-License-Identifier: MIT
// The transform concepts, and how a stage is run, traced and replayed.
#pragma once

#include <concepts>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <string_view>

#include "rng.hpp"
#include "sample.hpp"

namespace ias {

/// A transform that splits sampling from applying (albumentations' get_params/apply,
/// torchvision v2's make_params/transform): `params_type sample_params(rng_stream&, const
/// sample&) const` draws every random number, `void apply(sample&, const params_type&) const`
/// draws none. `ias::run` drives the two, records the parameters in the trace, and
/// `ias::replay` applies recorded ones again exactly. A transform computes its result on part
/// of the image through the same `apply`, with a third argument (`region_aware_transform`).
template <class T>
concept parametrised_transform =
    std::copy_constructible<T> && requires(const T& t, sample& s, const sample& cs, rng_stream& rng,
                                           const typename T::params_type& p) {
        { t.sample_params(rng, cs) } -> std::same_as<typename T::params_type>;
        t.apply(s, p);
    };

/// A transform is a small copyable value that changes a sample using only the given stream:
/// a parametrised transform, or one with `void operator()(sample&, rng_stream&) const`
/// (pipelines and combinators, and stages whose decisions are not worth recording). It keeps
/// no mutable state, so one transform can be called from many threads at once. Call it with
/// `ias::run(t, s, rng)`.
template <class T>
concept transform = parametrised_transform<T> || (std::copy_constructible<T> && requires(const T& t, sample& s, rng_stream& rng) {
                        { t(s, rng) } -> std::same_as<void>;
                    });

/// The parameters of a stage that draws none (invert, equalize): nothing to record or replay.
struct no_params {
    template <class F>
    void visit_fields(F&&) const {}
};

/// The base of a parametrised transform that draws no random number: it has only `apply`.
struct draws_nothing {
    using params_type = no_params;
    static no_params sample_params(rng_stream&, const sample&) noexcept { return {}; }
};

/// A transform that records and replays its own decisions and those of the stages it holds
/// (pipeline, sometimes, one_of, ...): it has `void replay(sample&, trace_reader&) const`.
template <class T>
concept self_tracing_transform =
    transform<T> && requires(const T& t, sample& s, trace_reader& reader) { t.replay(s, reader); };

namespace detail {
/// Calls `f(std::integral_constant<std::size_t, I>{})` for the I equal to the run-time `index`.
template <std::size_t N, class F>
constexpr void with_index(std::size_t index, F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        static_cast<void>(((index == I ? (f(std::integral_constant<std::size_t, I>{}), true) : false) || ...));
    }(std::make_index_sequence<N>{});
}

/// The name a stage has in a trace: `T::name` when it exists, else "transform".
template <class T>
constexpr std::string_view stage_name() noexcept {
    if constexpr (requires { std::string_view(T::name); })
        return T::name;
    else
        return "transform";
}
}  // namespace detail

namespace detail {
/// The traced path of `run`, kept out of line so that the untraced path inlines to a plain call.
template <class T>
void run_traced(const T& t, sample& s, rng_stream& rng) {
    if constexpr (parametrised_transform<T>) {
        const auto params = t.sample_params(rng, s);
        s.trace->record(stage_name<T>(), params);
        t.apply(s, params);
    } else {
        s.trace->record(stage_name<T>(), rng);
        t(s, rng);
    }
}

/// Runs `t` without recording: its own `operator()` when it has one (a faster path some
/// parametrised transforms keep, with the same bytes), else `apply(sample_params(...))`.
template <class T>
void run_untraced(const T& t, sample& s, rng_stream& rng) {
    if constexpr (requires { t(s, rng); })
        t(s, rng);
    else
        t.apply(s, t.sample_params(rng, s));
}
}  // namespace detail

/// Runs one stage, recording what it samples when `s.trace` is engaged: a parametrised
/// transform's parameters, or, for any other transform, the stream it was given (enough to
/// replay it exactly). Pipelines and combinators run their stages through this function.
template <transform T>
void run(const T& t, sample& s, rng_stream& rng) {
    if constexpr (!self_tracing_transform<T>) {
        if (s.trace) [[unlikely]] {
            detail::run_traced(t, s, rng);
            return;
        }
    }
    detail::run_untraced(t, s, rng);
}

namespace detail {
/// Runs `t` with child stream `k` of `rng`: how pipelines and combinators call a stage.
template <class T>
void run_child(const T& t, sample& s, const rng_stream& rng, std::uint32_t k) {
    rng_stream child = rng.fork(k);
    ias::run(t, s, child);
}
}  // namespace detail

/// Applies the next recorded parameters of `reader` to one stage.
template <transform T>
void replay(const T& t, sample& s, trace_reader& reader) {
    if constexpr (self_tracing_transform<T>) {
        t.replay(s, reader);
    } else if constexpr (parametrised_transform<T>) {
        t.apply(s, reader.next(detail::stage_name<T>()).template params_as<typename T::params_type>());
    } else {
        rng_stream rng = reader.next(detail::stage_name<T>()).template params_as<rng_stream>();
        t(s, rng);
    }
}

/// Applies the parameters recorded in `recorded` (from a run with `s.trace` engaged) to `s`
/// again, without drawing any random number: the same input gives the same bytes. The trace
/// may have been edited, e.g. to change a threshold. Throws ias::error when the trace does
/// not fit the transform. `s.trace` is left as it is.
template <transform T>
void replay(const T& t, sample& s, const trace& recorded) {
    trace_reader reader(recorded);
    replay(t, s, reader);
    if (!reader.done())
        throw error("ias::replay: the trace has " + std::to_string(recorded.size()) +
                    " entries, but the pipeline used only " + std::to_string(reader.position()));
}

}  // namespace ias
