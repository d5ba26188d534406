// Two-image synthesis: NSA pastes patches of other normal images, Poisson-blended, and labels the pixels that changed.
#include <cstdio>
#include <vector>

#include <ias/ias.hpp>
#include <ias/io/texture_bank.hpp>

int main() {
    // The normal training images: ias::texture_bank::load("train/good") reads a folder; here,
    // four procedural surfaces.
    std::vector<ias::image<float>> normals;
    for (std::uint32_t i = 0; i < 4; ++i) {
        ias::rng_stream rng(11, i);
        ias::procedural_texture_source().fill(rng, normals.emplace_back(128, 128, 3).view());
    }
    const auto pool = ias::texture_bank::from_images(normals);

    // NSA with its texture preset; the pool is where the foreign patches come from.
    const auto nsa = ias::recipes::make("nsa", {{"category", "carpet"}}, {}, pool);
    for (std::uint64_t index = 0; index < 4; ++index) {
        ias::sample s(normals[index]);
        s.source_index = std::int64_t(index);  // the pool image it is: never pasted into itself
        ias::rng_stream rng(2024, index);
        nsa(s, rng);
        double labelled = 0.0, peak = 0.0;
        for (std::size_t k = 0; k < s.mask.size(); ++k) {
            labelled += s.mask.data()[k] > 0.5f;
            peak = std::max(peak, double(s.mask.data()[k]));
        }
        std::printf("sample %llu: label %d, %.1f%% of the pixels above 0.5, strongest %.2f\n", static_cast<unsigned long long>(index),
                    s.label, 100.0 * labelled / double(s.mask.size()), peak);
    }

    // The solver on its own: seamless cloning of a square from one image into another.
    ias::image<float> target = normals[0];
    const ias::image<float> mask(128, 128, 1, 1.0f);  // the ring of the view stays the boundary
    ias::fn::poisson_scratch scratch;
    ias::fn::poisson_blend(target.view(), normals[1].view(), mask.view(), ias::fn::poisson_guidance::source, scratch);
    std::printf("seamless clone: corner kept %s\n", target(0, 0, 0) == normals[0](0, 0, 0) ? "exactly" : "NOT");
}
