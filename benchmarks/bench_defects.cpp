// Procedural physical defects: one defect per iteration on a 256 × 256 RGB float image,
// placement and parameter sampling included (the goal: under 200 µs each).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include <ias/defects/chip.hpp>
#include <ias/defects/crack.hpp>
#include <ias/defects/dent.hpp>
#include <ias/defects/fray.hpp>
#include <ias/defects/particle.hpp>
#include <ias/defects/placement.hpp>
#include <ias/defects/pore.hpp>
#include <ias/defects/scratch.hpp>
#include <ias/defects/stain.hpp>
#include <ias/transforms/procedural_defects.hpp>

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
IAS_DEFECT_BENCHMARK(chip);
IAS_DEFECT_BENCHMARK(fray);
IAS_DEFECT_BENCHMARK(particle);

// The pipeline stage on a uint8 RGB sample of a round part (a disk foreground): one defect of
// every kind per sample, placed on the object (chips and fray on its edge), with the float
// round trip and the undoing of changes off the object.
static void BM_procedural_defects_on_object(benchmark::State& state) {
    const int side = int(state.range(0));
    ias::image<std::uint8_t> part(side, side, 3, 40);
    ias::image<float> disk(side, side, 1, 0.0f);
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x)
            if (std::hypot(float(x) + 0.5f - 0.5f * float(side), float(y) + 0.5f - 0.5f * float(side)) < 0.42f * float(side)) {
                disk(x, y) = 1.0f;
                for (int c = 0; c < 3; ++c) part(x, y, c) = std::uint8_t(120 + (x * 7 + y * 13 + c * 5) % 40);
            }
    std::vector<ias::defect_spec> every;
    for (const ias::defect_type kind : ias::all_defect_types) every.push_back(ias::defect_spec::of(kind));
    const ias::procedural_defects stage({.specs = every});
    ias::sample s{ias::any_image(part)};
    std::uint32_t index = 0;
    for (auto _ : state) {
        s.clear_annotations();
        s.image.assign(part.view());
        s.ensure_mask();
        s.foreground.assign(disk.view());
        ias::rng_stream rng(2, index++);
        ias::run(stage, s, rng);
        benchmark::DoNotOptimize(s.image.width());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_procedural_defects_on_object)->Arg(256)->Unit(benchmark::kMicrosecond);
