// SPDX-License-Identifier: MIT
// generate(): many samples on std::threads, the same bytes whatever the thread count.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "core.hpp"
#include "core/parallel_for.hpp"

namespace ias {

/// The dataset-wide settings of `generate`.
struct generate_settings {
    std::uint64_t seed = 0;   ///< the dataset seed, the Philox key
    std::uint32_t epoch = 0;  ///< part of every sample's stream: a new epoch gives new samples
    bool trace = false;       ///< record every sampled parameter in `sample::trace`
};

namespace detail {

/// The worker pool of both `generate` forms: sample k of `count` has index `index_of(k)`.
/// Each worker reuses one sample, so nothing is allocated per sample once buffers have grown.
template <transform T, class Source, class IndexOf, class Sink>
void generate_each(const T& transform, Source& source, std::uint64_t count, IndexOf index_of, unsigned threads, Sink& sink,
                   const generate_settings& options) {
    parallel_for(count, threads, [&] {
        sample s;
        if (options.trace) s.trace.emplace();
        return [&, s = std::move(s)](std::uint64_t k) mutable {
            const std::uint64_t index = index_of(k);
            s.clear_annotations();
            source(index, s);
            s.validate();
            s.ensure_mask();
            rng_stream rng(options.seed, index, options.epoch);
            ias::run(transform, s, rng);
            sink(index, static_cast<const sample&>(s));
        };
    });
}

}  // namespace detail

/// Produces samples `first_index` .. `first_index + count - 1` on `threads` std::threads
/// (0 = the hardware's count) and hands each to `sink`.
///
/// For each index i: the sample's annotations are cleared, `source(i, sample&)` fills in
/// the image (and may set a mask or a foreground), the sample is validated, its mask is
/// sized to the image, then `transform` runs with `rng_stream(seed, i, epoch)` and
/// `sink(i, const sample&)` receives the result. Each worker reuses one sample, so nothing
/// is allocated per sample once buffers have grown.
///
/// The output for index i depends only on (transform, source's data for i, seed, epoch, i):
/// identical bytes for any thread count and any scheduling. `source` and `sink` are called
/// concurrently from the workers, for different indices and in no particular order (in
/// index order when threads == 1), so they must be safe to call that way. The first
/// exception thrown by a source, transform or sink stops the run and is rethrown here,
/// after all workers have finished; indices in flight at that moment may or may not have
/// reached the sink.
template <transform T, class Source, class Sink>
    requires std::invocable<Source&, std::uint64_t, sample&> &&
             std::invocable<Sink&, std::uint64_t, const sample&>
void generate(const T& transform, Source&& source, std::uint64_t first_index, std::uint64_t count,
              unsigned threads, Sink&& sink, const generate_settings& options = {}) {
    if (count == 0) return;
    if (first_index > 0xFFFFFFFFull || count - 1 > 0xFFFFFFFFull - first_index)
        throw std::out_of_range("ias::generate: indices " + std::to_string(first_index) + " + " +
                                std::to_string(count) + " exceed the 32-bit sample index range");
    detail::generate_each(transform, source, count, [&](std::uint64_t k) { return first_index + k; }, threads, sink, options);
}

/// `generate` for the listed indices, in any order and with gaps: what a shard of a dataset
/// or a resumed run produces. Index `indices[k]` gives the same bytes as it does in the
/// contiguous form. Throws std::out_of_range when an index exceeds the 32-bit range.
template <transform T, class Source, class Sink>
    requires std::invocable<Source&, std::uint64_t, sample&> &&
             std::invocable<Sink&, std::uint64_t, const sample&>
void generate(const T& transform, Source&& source, std::span<const std::uint64_t> indices, unsigned threads, Sink&& sink,
              const generate_settings& options = {}) {
    for (const std::uint64_t i : indices)
        if (i > 0xFFFFFFFFull)
            throw std::out_of_range("ias::generate: index " + std::to_string(i) + " exceeds the 32-bit sample index range");
    detail::generate_each(transform, source, indices.size(), [&](std::uint64_t k) { return indices[k]; }, threads, sink, options);
}

}  // namespace ias
