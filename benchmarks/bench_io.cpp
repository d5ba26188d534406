// SPDX-License-Identifier: MIT
// Image IO through stb: decode and encode a 256x256 RGB PNG held in memory.
#include <benchmark/benchmark.h>

#include <ias/io/stb.hpp>

namespace {

ias::image<std::uint8_t> test_image() {
    ias::image<std::uint8_t> im(256, 256, 3);
    for (int y = 0; y < 256; ++y)
        for (int x = 0; x < 256; ++x)
            for (int c = 0; c < 3; ++c) im(x, y, c) = std::uint8_t((x * (c + 1) + y * 3) ^ (x * y >> 6));
    return im;
}

void BM_decode_png_256(benchmark::State& state) {
    const auto bytes = ias::encode_image(test_image().view(), ias::image_format::png);
    for (auto _ : state) {
        auto im = ias::decode_image(bytes, "bench.png");
        benchmark::DoNotOptimize(im);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * std::int64_t(bytes.size()));
}
BENCHMARK(BM_decode_png_256);

void BM_encode_png_256(benchmark::State& state) {
    const auto im = test_image();
    for (auto _ : state) {
        auto bytes = ias::encode_image(im.view(), ias::image_format::png);
        benchmark::DoNotOptimize(bytes.data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_encode_png_256);

}  // namespace
