// SPDX-License-Identifier: MIT
// run_on_region: run a transform so that its image is right where it will be read, and no more.
#pragma once

#include <concepts>
#include <cstddef>
#include <type_traits>

#include "../detail/nested_scratch.hpp"
#include "concepts.hpp"
#include "pixel_region.hpp"

namespace ias {

/// How `run_on_region` obtains a stage's input: `input(region)` must leave the sample's image
/// right at least on `region` (fill it, or run the stages before). A non-owning reference to
/// a callable, valid during the call it is passed to.
class region_input {
public:
    template <class F>
        requires(!std::same_as<std::remove_cvref_t<F>, region_input> && std::invocable<F&, const pixel_region&>)
    region_input(F&& f) noexcept  // NOLINT(google-explicit-constructor): wrapping is the point
        : callable_(static_cast<const void*>(&f)),
          call_([](const void* c, const pixel_region& r) { (*static_cast<std::remove_reference_t<F>*>(const_cast<void*>(c)))(r); }) {}
    void operator()(const pixel_region& region) const { call_(callable_, region); }

private:
    const void* callable_;
    void (*call_)(const void*, const pixel_region&);
};

/// A transform that can compute its result on part of the image: a parametrised transform
/// with `apply(sample&, const params_type&, const pixel_region& where)` that leaves the image
/// right at least on `where` (other pixels may hold anything) when its input is right on the
/// pixels it reads. Those are `where` itself unless the transform says otherwise with
/// `input_region(const params_type&, pixel_region& region)`, which turns the pixels wanted
/// from its output into the pixels it reads (a 3×3 filter dilates them, a rotation turns
/// them back, a histogram needs the whole image). A stage that draws nothing has
/// `params_type = no_params`. This is the one region protocol; combinators that hold stages
/// have a `run_on_region` member instead.
template <class T>
concept region_aware_transform =
    parametrised_transform<T> && requires(const T& t, sample& s, const typename T::params_type& p, const pixel_region& r) {
        t.apply(s, p, r);
    };

namespace detail {
/// Calls `input` with the pixels `t` reads to produce `where` with parameters `p`.
template <class T, class P>
void prepare_input(const T& t, const pixel_region& where, region_input input, const P& p) {
    if constexpr (requires(pixel_region& r) { t.input_region(p, r); }) {
        nested_scratch<pixel_region> read;  // the input regions of nested calls each get their own
        read.get() = where;
        t.input_region(p, read.get());
        input(read.get());
    } else {
        input(where);
    }
}

/// Runs a chain of `n` stages on `where`: `run_stage(i, region, input)` runs stage i on
/// `region`, and its input comes from stages 0..i−1, run recursively on what stage i reads.
template <class RunStage>
void run_chain_on_region(std::size_t n, const pixel_region& where, region_input input, const RunStage& run_stage) {
    if (n == 0) return input(where);
    run_stage(n - 1, where, [&](const pixel_region& read) { run_chain_on_region(n - 1, read, input, run_stage); });
}
}  // namespace detail

/// Runs `t` on `s` with the randomness of `t(s, rng)`, but so that only the pixels of `where`
/// are sure to be right afterwards: `input(r)` is first asked for the pixels r of the image
/// that `t` reads, then `t` computes its result there. `texture_blend` uses it to fill and
/// change its texture only under the mask it is blended through.
///
/// Region-aware transforms (`region_aware_transform`) and the combinators that hold them
/// (pipelines, `dynamic_pipeline`, `any_transform`, `sometimes`, `some_of`) compute only what
/// is read; any other transform asks for the whole input and runs as usual, which is always
/// right. The sample's trace is not written: this is for intermediate images, such as a
/// texture, whose stream is recorded by the stage that owns them.
template <transform T>
void run_on_region(const T& t, sample& s, rng_stream& rng, const pixel_region& where, region_input input) {
    if constexpr (requires { t.run_on_region(s, rng, where, input); }) {
        t.run_on_region(s, rng, where, input);
    } else if constexpr (region_aware_transform<T>) {
        const auto params = t.sample_params(rng, s);
        detail::prepare_input(t, where, input, params);
        t.apply(s, params, where);
    } else {
        input(pixel_region{});
        detail::run_untraced(t, s, rng);
    }
}

}  // namespace ias
