// Procedural physical defects: one defect per iteration on a 256 × 256 RGB float image,
// placement and parameter sampling included (the goal: under 200 µs each).
#include <benchmark/benchmark.h>

#include <ias/defects/crack.hpp>
#include <ias/defects/dent.hpp>
#include <ias/defects/particle.hpp>
#include <ias/defects/placement.hpp>
#include <ias/defects/pore.hpp>
#include <ias/defects/scratch.hpp>
#include <ias/defects/stain.hpp>

namespace {

/// Places, samples and renders one defect of `kind` per iteration with `draw(spec, site, rng,
/// pixels, mask)`; the image keeps its defects, which changes nothing of the cost.
template <class Draw>
void run_defect(benchmark::State& state, ias::defect_type kind, Draw draw) {
    const int side = int(state.range(0));
    ias::image<float> pixels(side, side, 3, 0.5f), mask(side, side, 1, 0.0f);
    const ias::image<float> no_foreground;
    const auto spec = ias::defect_spec::of(kind);
    std::uint32_t index = 0;
    for (auto _ : state) {
        ias::rng_stream rng(1, index++);
        const ias::defect_site site = ias::place_defect(spec, no_foreground, side, side, rng);
        draw(spec, site, rng, pixels, mask);
        benchmark::DoNotOptimize(pixels.data());
    }
    state.SetItemsProcessed(state.iterations());
}

}  // namespace

#define IAS_DEFECT_BENCHMARK(kind)                                                                                    \
    static void BM_defect_##kind(benchmark::State& state) {                                                           \
        run_defect(state, ias::defect_type::kind,                                                                     \
                   [](const ias::defect_spec& spec, const ias::defect_site& site, ias::rng_stream& rng,               \
                      ias::image<float>& pixels, ias::image<float>& mask) {                                           \
                       ias::render_##kind(pixels, mask, ias::sample_##kind(spec, site, pixels.width(), pixels.height(), rng)); \
                   });                                                                                                \
    }                                                                                                                 \
    BENCHMARK(BM_defect_##kind)->Arg(256)->Unit(benchmark::kMicrosecond)

IAS_DEFECT_BENCHMARK(scratch);
IAS_DEFECT_BENCHMARK(crack);
IAS_DEFECT_BENCHMARK(pore);
IAS_DEFECT_BENCHMARK(stain);
IAS_DEFECT_BENCHMARK(dent);
IAS_DEFECT_BENCHMARK(particle);
