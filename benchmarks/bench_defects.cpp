// Procedural physical defects: one defect per iteration on a 256 × 256 RGB float image,
// placement and parameter sampling included.
#include <benchmark/benchmark.h>

#include <ias/defects/placement.hpp>
#include <ias/defects/scratch.hpp>

static void BM_defect_scratch(benchmark::State& state) {
    const int side = int(state.range(0));
    ias::image<float> pixels(side, side, 3, 0.5f), mask(side, side, 1, 0.0f);
    const ias::image<float> no_foreground;
    const auto spec = ias::defect_spec::of(ias::defect_type::scratch);
    std::uint32_t index = 0;
    for (auto _ : state) {
        ias::rng_stream rng(1, index++);
        const ias::defect_site site = ias::place_defect(spec, no_foreground, side, side, rng);
        ias::render_scratch(pixels, mask, ias::sample_scratch(spec, site, side, side, rng));
        benchmark::DoNotOptimize(pixels.data());
    }
}
BENCHMARK(BM_defect_scratch)->Arg(256)->Unit(benchmark::kMicrosecond);
