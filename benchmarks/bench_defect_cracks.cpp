// SPDX-License-Identifier: MIT
// Procedural cracks and dents: one defect per iteration on a 256 × 256 RGB float image,
// placement and parameter sampling included.
#include <benchmark/benchmark.h>

#include <ias/defects/crack.hpp>
#include <ias/defects/dent.hpp>
#include <ias/defects/placement.hpp>

static void BM_defect_crack(benchmark::State& state) {
    const int side = int(state.range(0));
    ias::image<float> pixels(side, side, 3, 0.5f), mask(side, side, 1, 0.0f);
    const ias::image<float> no_foreground;
    const auto spec = ias::defect_spec::of(ias::defect_type::crack);
    std::uint32_t index = 0;
    for (auto _ : state) {
        ias::rng_stream rng(1, index++);
        const ias::defect_site site = ias::place_defect(spec, no_foreground, side, side, rng);
        ias::render_crack(pixels, mask, ias::sample_crack(spec, site, side, side, rng));
        benchmark::DoNotOptimize(pixels.data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_defect_crack)->Arg(256)->Unit(benchmark::kMicrosecond);

static void BM_defect_dent(benchmark::State& state) {
    const int side = int(state.range(0));
    ias::image<float> pixels(side, side, 3, 0.5f), mask(side, side, 1, 0.0f);
    const ias::image<float> no_foreground;
    const auto spec = ias::defect_spec::of(ias::defect_type::dent);
    std::uint32_t index = 0;
    for (auto _ : state) {
        ias::rng_stream rng(1, index++);
        const ias::defect_site site = ias::place_defect(spec, no_foreground, side, side, rng);
        ias::render_dent(pixels, mask, ias::sample_dent(spec, site, side, side, rng));
        benchmark::DoNotOptimize(pixels.data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_defect_dent)->Arg(256)->Unit(benchmark::kMicrosecond);
