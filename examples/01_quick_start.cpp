// SPDX-License-Identifier: MIT
// Quick start: write a transform, compose a pipeline, make reproducible samples.
#include <cstdio>

#include <ias/ias.hpp>

// A transform is a small copyable value: it draws only from the stream it is given and
// changes the sample. This one darkens a random square and marks it in the mask.
struct dark_square {
    float depth = 0.5f;  // how much darker, as a fraction of the pixel value

    void operator()(ias::sample& s, ias::rng_stream& rng) const {
        const int size = int(rng.integer(4, 16));
        const int x0 = int(rng.integer(0, s.image.width() - size));
        const int y0 = int(rng.integer(0, s.image.height() - size));
        auto& pixels = s.image.get<float>();
        for (int y = y0; y < y0 + size; ++y)
            for (int x = x0; x < x0 + size; ++x) {
                for (int c = 0; c < pixels.channels(); ++c) pixels(x, y, c) *= 1.0f - depth;
                s.mask(x, y) = 1.0f;
            }
        s.label = 1;
    }
};

int main() {
    // Built once; called per sample, from as many threads as you like.
    const auto synthesise = ias::pipeline(ias::sometimes(0.8, dark_square{}),
                                          ias::repeat(0, 2, dark_square{.depth = 0.2f}));

    for (std::uint64_t index = 0; index < 4; ++index) {
        ias::sample s(ias::image<float>(64, 64, 3, 0.8f));  // your normal image here
        ias::rng_stream rng(/*seed=*/42, index);             // same (seed, index), same bytes
        ias::run(synthesise, s, rng);

        int area = 0;
        for (int y = 0; y < s.mask.height(); ++y)
            for (int x = 0; x < s.mask.width(); ++x) area += s.mask(x, y) > 0.5f;
        std::printf("sample %d: label %d, %d anomalous pixels\n", int(index), s.label, area);
    }
}
