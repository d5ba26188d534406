// Procedural blob defects (pore, stain, particle): one defect per iteration on a 256 × 256 RGB
// float image, placement and parameter sampling included.
#include <benchmark/benchmark.h>

#include <ias/defects/particle.hpp>
#include <ias/defects/placement.hpp>
#include <ias/defects/pore.hpp>
#include <ias/defects/stain.hpp>

namespace {

/// One defect of `kind` per iteration: place, sample, render (the image accumulates defects,
/// as a sample with several of them would).
template <class Sample, class Render>
void run_defect(benchmark::State& state, ias::defect_type kind, Sample&& sample, Render&& render) {
    const int side = int(state.range(0));
    ias::image<float> pixels(side, side, 3, 0.5f), mask(side, side, 1, 0.0f);
    const ias::image<float> no_foreground;
    const auto spec = ias::defect_spec::of(kind);
    std::uint32_t index = 0;
    for (auto _ : state) {
        ias::rng_stream rng(1, index++);
        const ias::defect_site site = ias::place_defect(spec, no_foreground, side, side, rng);
        render(pixels, mask, sample(spec, site, side, side, rng));
        benchmark::DoNotOptimize(pixels.data());
        benchmark::DoNotOptimize(mask.data());
    }
    state.SetItemsProcessed(state.iterations());
}

}  // namespace

static void BM_defect_pore(benchmark::State& state) {
    run_defect(state, ias::defect_type::pore, ias::sample_pore, ias::render_pore);
}
BENCHMARK(BM_defect_pore)->Arg(256)->Unit(benchmark::kMicrosecond);

static void BM_defect_stain(benchmark::State& state) {
    run_defect(state, ias::defect_type::stain, ias::sample_stain, ias::render_stain);
}
BENCHMARK(BM_defect_stain)->Arg(256)->Unit(benchmark::kMicrosecond);

static void BM_defect_particle(benchmark::State& state) {
    run_defect(state, ias::defect_type::particle, ias::sample_particle, ias::render_particle);
}
BENCHMARK(BM_defect_particle)->Arg(256)->Unit(benchmark::kMicrosecond);
