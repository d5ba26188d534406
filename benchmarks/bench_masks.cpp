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

#include <ias/fn/morphology.hpp>
#include <ias/transforms/foreground.hpp>
#include <ias/transforms/shape_masks.hpp>
#include <ias/transforms/superpixel_mask.hpp>

namespace {

/// A 512x512 binary mask of one Perlin field: realistic blobs for the morphology cases.
ias::image<float> blob_mask(int size) {
    ias::sample s(ias::image<float>(size, size, 1));
    ias::rng_stream rng(3, 1);
    ias::run(ias::perlin_mask({.scale_exponents = {3, 3}, .threshold = 0.2f}), s, rng);
    return s.mask;
}

void BM_dilate(benchmark::State& state) {
    const auto in = blob_mask(512);
    ias::image<float> out(512, 512, 1), scratch;
    const ias::fn::structuring_element se{state.range(1) == 0 ? ias::fn::kernel_shape::square : ias::fn::kernel_shape::disk,
                                          int(state.range(0))};
    for (auto _ : state) {
        ias::fn::dilate(in.view(), out.view(), se, scratch);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_dilate)->Args({5, 0})->Args({31, 0})->Args({5, 1})->Args({15, 1})->ArgNames({"size", "disk"});

void BM_median_5x5(benchmark::State& state) {
    const auto in = blob_mask(512);
    ias::image<float> out(512, 512, 1), scratch;
    for (auto _ : state) {
        ias::fn::median_filter(in.view(), out.view(), 5, scratch);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_median_5x5);

void BM_gaussian_feather(benchmark::State& state) {
    const auto in = blob_mask(512);
    ias::image<float> out(512, 512, 1), scratch;
    for (auto _ : state) {
        ias::fn::gaussian_feather(in.view(), out.view(), 4.0f, scratch);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_gaussian_feather);

void BM_connected_components(benchmark::State& state) {
    const auto in = blob_mask(512);
    std::vector<std::int32_t> labels(512 * 512);
    for (auto _ : state) benchmark::DoNotOptimize(ias::fn::connected_components(in.view(), labels));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_connected_components);

/// One transform per iteration on a 256x256 RGB sample, a new index each time.
template <class T>
void run_mask_transform(benchmark::State& state, const T& t) {
    ias::sample s(ias::image<std::uint8_t>(256, 256, 3, 128));
    std::uint32_t index = 0;
    for (auto _ : state) {
        ias::rng_stream rng(5, index++);
        ias::run(t, s, rng);
        benchmark::DoNotOptimize(s.mask.data());
    }
    state.SetItemsProcessed(state.iterations());
}
void BM_scar_mask(benchmark::State& state) { run_mask_transform(state, ias::scar_mask{}); }
BENCHMARK(BM_scar_mask);
void BM_bezier_blob_mask(benchmark::State& state) { run_mask_transform(state, ias::bezier_blob_mask{}); }
BENCHMARK(BM_bezier_blob_mask);
void BM_fractal_mask(benchmark::State& state) { run_mask_transform(state, ias::fractal_mask{}); }
BENCHMARK(BM_fractal_mask);
void BM_superpixel_mask(benchmark::State& state) { run_mask_transform(state, ias::superpixel_mask{}); }
BENCHMARK(BM_superpixel_mask);
void BM_estimate_foreground_realnet(benchmark::State& state) {
    run_mask_transform(state, ias::estimate_foreground{ias::realnet_foreground("screw")});
}
BENCHMARK(BM_estimate_foreground_realnet);

}  // namespace
