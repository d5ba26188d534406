// SPDX-License-Identifier: MIT
// Mask primitives: perlin_mask with DRAEM's defaults, one full mask per iteration.
// benchmarks/compare/perlin_draem.py times the numpy reference in the same run.
#include <benchmark/benchmark.h>

#include <ias/transforms/perlin_mask.hpp>

namespace {

// Noise, rotation and threshold at size x size, single thread; every iteration is a new
// sample index, so scales, angle and gradients vary as they do in training.
void BM_perlin_mask(benchmark::State& state) {
    const int size = int(state.range(0));
    ias::sample s(ias::image<float>(size, size, 1));
    const ias::perlin_mask draem{};
    std::uint32_t index = 0;
    for (auto _ : state) {
        ias::rng_stream rng(7, index++);
        draem(s, rng);
        benchmark::DoNotOptimize(s.mask.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * std::int64_t(size) * size * std::int64_t(sizeof(float)));
}
BENCHMARK(BM_perlin_mask)->Arg(256)->Arg(512)->Arg(1024)->ArgName("size");

}  // namespace
