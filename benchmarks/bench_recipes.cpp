// SPDX-License-Identifier: MIT
// Recipes end to end, one training sample per iteration, single thread, and the texture
// operations they draw from. benchmarks/compare/draem_augment.py times the numpy/OpenCV
// reference of DRAEM's augmentation against BM_recipe_draem/256 in the same run.
#include <benchmark/benchmark.h>

#include <ias/io/texture_bank.hpp>
#include <ias/recipes.hpp>

#include "recipe_harness.hpp"

namespace {

// A bank of 8 in-memory 320×320 8-bit textures (resized per sample, as DRAEM resizes the DTD
// images it reads as 8-bit): procedural patterns, so that the benchmark
// needs no dataset.
std::shared_ptr<const ias::texture_bank> bench_bank() {
    static const auto bank = [] {
        std::vector<ias::image<std::uint8_t>> images;
        const ias::procedural_texture_source procedural;
        for (std::uint32_t i = 0; i < 8; ++i) {
            ias::image<float> texture(320, 320, 3);
            ias::rng_stream rng(99, i);
            procedural.fill(rng, texture.view());
            ias::convert_pixels(std::as_const(texture).view(), images.emplace_back(320, 320, 3).view());
        }
        return ias::texture_bank::from_images(images);
    }();
    return bank;
}

using ias_bench::run_recipe;


void BM_recipe_draem(benchmark::State& state) { run_recipe(state, ias::recipes::draem({.textures = bench_bank()})); }
BENCHMARK(BM_recipe_draem)->Arg(256)->ArgName("size");

// The same with the bank resized once to the image size (texture_bank::resized): the same
// samples, a copy per sample instead of a resize.
void BM_recipe_draem_fitted_bank(benchmark::State& state) {
    const int size = int(state.range(0));
    run_recipe(state, ias::recipes::draem({.textures = bench_bank()->resized(size, size)}));
}
BENCHMARK(BM_recipe_draem_fitted_bank)->Arg(256)->ArgName("size");

void BM_recipe_memseg(benchmark::State& state) { run_recipe(state, ias::recipes::memseg({.textures = bench_bank()})); }
BENCHMARK(BM_recipe_memseg)->Arg(256)->ArgName("size");

void BM_recipe_glass_las(benchmark::State& state) { run_recipe(state, ias::recipes::glass_las({.textures = bench_bank()})); }
BENCHMARK(BM_recipe_glass_las)->Arg(288)->ArgName("size");

// One texture operation on a 256×256 RGB float texture.
template <class Op>
void BM_texture_op(benchmark::State& state, Op op) {
    const auto normal = ias_bench::procedural_image(256);
    ias::sample s(normal);
    std::uint32_t index = 0;
    for (auto _ : state) {
        s.image.assign(normal.view());
        ias::rng_stream rng(7, index++);
        ias::run(op, s, rng);
        benchmark::DoNotOptimize(s.image.get<float>().data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_texture_op, copy_only, [](ias::sample&, ias::rng_stream&) {});
BENCHMARK_CAPTURE(BM_texture_op, gamma_contrast, ias::gamma_contrast{});
BENCHMARK_CAPTURE(BM_texture_op, multiply_add_brightness, ias::multiply_add_brightness{});
BENCHMARK_CAPTURE(BM_texture_op, sharpness, ias::sharpness{});
BENCHMARK_CAPTURE(BM_texture_op, hue_saturation, ias::hue_saturation{});
BENCHMARK_CAPTURE(BM_texture_op, solarize, ias::solarize({.probability = 1.0f}));
BENCHMARK_CAPTURE(BM_texture_op, posterize, ias::posterize{});
BENCHMARK_CAPTURE(BM_texture_op, invert, ias::invert{});
BENCHMARK_CAPTURE(BM_texture_op, autocontrast, ias::autocontrast{});
BENCHMARK_CAPTURE(BM_texture_op, equalize, ias::equalize{});
BENCHMARK_CAPTURE(BM_texture_op, rotate, ias::rotate{});
BENCHMARK_CAPTURE(BM_texture_op, contrast, ias::contrast{});
BENCHMARK_CAPTURE(BM_texture_op, saturation_hue, ias::saturation_hue{});
BENCHMARK_CAPTURE(BM_texture_op, flip_horizontal, ias::flip_horizontal{});

}  // namespace
