// Procedural physical defects, asked for in words or as a spec: model-free, controllable,
// with soft or binary masks, labels and kinds.
#include <cmath>
#include <cstdio>

#include <ias/ias.hpp>

int main() {
    // A prompt becomes defect specs, and the specs print back as a prompt.
    const auto defects = ias::procedural_defects::from_prompt("two long thin dark scratches near the top edge and a small pore");
    std::printf("specs: %s\n", ias::to_prompt(defects.settings().specs).c_str());

    // A brushed grey surface.
    ias::image<float> surface(128, 128, 3);
    for (int y = 0; y < 128; ++y)
        for (int x = 0; x < 128; ++x)
            for (int c = 0; c < 3; ++c) surface(x, y, c) = 0.5f + 0.03f * std::sin(0.9f * float(y) + 0.1f * float(x));

    for (std::uint64_t i = 0; i < 3; ++i) {
        ias::sample s{ias::image<float>(surface)};
        ias::rng_stream rng(7, i);  // (seed, index): the same bytes on any thread
        ias::run(defects, s, rng);
        int masked = 0;
        for (std::size_t k = 0; k < s.mask.size(); ++k) masked += s.mask.data()[k] > 0.0f;
        std::printf("sample %llu: label %d, kind %s, %d pixels masked\n", static_cast<unsigned long long>(i), s.label,
                    s.defect_kind.c_str(), masked);
    }

    // A spec by hand: one or two chips out of a round part's rim, with a binary mask.
    ias::defect_spec chip = ias::defect_spec::of(ias::defect_type::chip);
    chip.count.max = 2;
    chip.size = {0.1f, 0.15f};
    const ias::procedural_defects chips({.specs = {chip}, .binary_mask = true});
    ias::image<float> part(128, 128, 3, 0.1f), disk(128, 128, 1, 0.0f);
    for (int y = 0; y < 128; ++y)
        for (int x = 0; x < 128; ++x)
            if (std::hypot(float(x) - 63.5f, float(y) - 63.5f) < 50.0f) {
                disk(x, y) = 1.0f;
                for (int c = 0; c < 3; ++c) part(x, y, c) = 0.6f;
            }
    ias::sample s{ias::image<float>(part)};
    s.foreground = disk;  // defects damage the object only; chips reveal the table behind it
    ias::rng_stream rng(7, 3);
    ias::run(chips, s, rng);
    int masked = 0;
    for (std::size_t k = 0; k < s.mask.size(); ++k) masked += s.mask.data()[k] == 1.0f;
    std::printf("sample 3: label %d, kind %s, %d pixels masked\n", s.label, s.defect_kind.c_str(), masked);
}
