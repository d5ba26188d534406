// SPDX-License-Identifier: MIT
// Self-contained and two-image recipes (NSA, CutPaste), one sample per iteration, single thread,
// and the Poisson solver they use. benchmarks/compare/nsa_seamlessclone.py times NSA with OpenCV's
// seamlessClone against BM_recipe_nsa/256 in the same run.
#include <benchmark/benchmark.h>

#include <ias/fn/poisson.hpp>
#include <ias/io/texture_bank.hpp>
#include <ias/recipes.hpp>

#include "recipe_harness.hpp"

namespace {

using ias_bench::procedural_image;
using ias_bench::run_recipe;

// NSA's pool: 8 normal 8-bit images of the sample's size (as NSA's training set), procedural,
// so that the benchmark needs no dataset.
std::shared_ptr<const ias::texture_bank> normal_pool(int size) {
    std::vector<ias::image<std::uint8_t>> images;
    for (std::uint32_t i = 0; i < 8; ++i) {
        const auto image = procedural_image(size, 100 + i);
        ias::convert_pixels(image.view(), images.emplace_back(size, size, 3).view());
    }
    return ias::texture_bank::from_images(images);
}


void BM_recipe_nsa(benchmark::State& state) {
    run_recipe(state, ias::recipes::make("nsa", {}, {}, normal_pool(int(state.range(0)))));
}
BENCHMARK(BM_recipe_nsa)->Arg(256)->ArgName("size");

void BM_recipe_cutpaste(benchmark::State& state) { run_recipe(state, ias::recipes::make("cutpaste")); }
BENCHMARK(BM_recipe_cutpaste)->Arg(256)->ArgName("size");

void BM_recipe_cutpaste_scar(benchmark::State& state) { run_recipe(state, ias::recipes::make("cutpaste_scar")); }
BENCHMARK(BM_recipe_cutpaste_scar)->Arg(256)->ArgName("size");

void BM_recipe_fpi(benchmark::State& state) { run_recipe(state, ias::recipes::make("fpi", {}, {}, normal_pool(int(state.range(0))))); }
BENCHMARK(BM_recipe_fpi)->Arg(256)->ArgName("size");

void BM_recipe_pii(benchmark::State& state) { run_recipe(state, ias::recipes::make("pii", {}, {}, normal_pool(int(state.range(0))))); }
BENCHMARK(BM_recipe_pii)->Arg(256)->ArgName("size");

// Seamless cloning of a square RGB patch of side n (its outer ring the boundary) from
// another image: the solve NSA does per patch.
void BM_poisson_blend(benchmark::State& state) {
    const int n = int(state.range(0));
    const auto target = procedural_image(n, 1), source = procedural_image(n, 2);
    const ias::image<float> mask(n, n, 1, 1.0f);
    ias::image<float> result = target;
    ias::fn::poisson_scratch scratch;
    int iterations = 0;
    for (auto _ : state) {
        result.assign(target.view());
        iterations = ias::fn::poisson_blend(result.view(), source.view(), mask.view(), ias::fn::poisson_guidance::source, scratch);
        benchmark::DoNotOptimize(result.data());
    }
    state.counters["iterations"] = iterations;
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_poisson_blend)->Arg(64)->Arg(128)->ArgName("size");

}  // namespace
