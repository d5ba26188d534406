// SPDX-License-Identifier: MIT
// What the recipe benchmarks share: a procedural normal image, and one training sample per iteration.
#pragma once

#include <benchmark/benchmark.h>

#include <ias/core.hpp>
#include <ias/textures/texture_source.hpp>

namespace ias_bench {

/// A procedural 3-channel float image (`index` picks the pattern), so that benchmarks need no dataset.
inline ias::image<float> procedural_image(int size, std::uint32_t index = 0) {
    ias::image<float> image(size, size, 3);
    ias::rng_stream rng(5, index);
    ias::procedural_texture_source().fill(rng, image.view());
    return image;
}

/// Runs `recipe` once per iteration on the normal image of side state.range(0), copied into
/// the sample's reused buffers; each iteration is a new sample index, so every random choice
/// varies as in training.
template <class Recipe>
void run_recipe(benchmark::State& state, const Recipe& recipe) {
    const auto normal = procedural_image(int(state.range(0)));
    ias::sample s(normal);
    std::uint32_t index = 0;
    for (auto _ : state) {
        s.image.assign(normal.view());
        s.clear_annotations();
        ias::rng_stream rng(7, index++);
        recipe(s, rng);
        benchmark::DoNotOptimize(s.image.get<float>().data());
    }
    state.SetItemsProcessed(state.iterations());
}

}  // namespace ias_bench
