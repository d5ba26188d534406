// procedural_defects: every kind through the pipeline stage: masks where the pixels changed, the
// foreground honoured, binary masks, prompts, labels and kinds, determinism and replay, errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <ias/core/pipeline.hpp>
#include <ias/transforms/procedural_defects.hpp>

#include "defect_checks.hpp"
#include "test_transforms.hpp"

using ias_test::pixel_changed;
using ias_test::random_image;

namespace {

/// A gently varying float surface, so that no renderer's change is lost to a flat clamp.
ias::image<float> surface(int width, int height, int channels) {
    ias::image<float> im(width, height, channels);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < channels; ++c) im(x, y, c) = 0.45f + 0.1f * std::sin(0.07f * float(x) + 0.05f * float(y) + float(c));
    return im;
}

ias::procedural_defects stage_of(ias::defect_type kind, int count_min, int count_max) {
    ias::defect_spec spec = ias::defect_spec::of(kind);
    spec.count = {count_min, count_max};
    return ias::procedural_defects({.specs = {spec}});
}

}  // namespace

TEST_CASE("procedural defects of every kind mask exactly the pixels they change", "[defects][procedural]") {
    for (const ias::defect_type kind : ias::all_defect_types)
        for (const int channels : {1, 3}) {
            const auto stage = stage_of(kind, 1, 3);
            const ias::image<float> input = surface(96, 80, channels);
            int labelled = 0;
            for (std::uint64_t i = 0; i < 12; ++i) {
                ias::sample s{ias::image<float>(input)};
                ias::rng_stream rng(3, i);
                ias::run(stage, s, rng);
                const auto& out = s.image.get<float>();
                INFO(ias::to_string(kind) << " on " << channels << " channels, sample " << i);
                for (int y = 0; y < 80; ++y)
                    for (int x = 0; x < 96; ++x) REQUIRE((s.mask(x, y) > 0.0f) == pixel_changed(out, input, x, y));
                REQUIRE(s.label == (ias::any_positive(s.mask) ? 1 : 0));
                if (s.label == 1) {
                    ++labelled;
                    CHECK(s.defect_kind == ias::to_string(kind));
                    for (std::size_t k = 0; k < s.mask.size(); ++k) REQUIRE(s.mask.data()[k] <= 1.0f);
                } else {
                    CHECK(s.defect_kind.empty());
                }
            }
            CHECK(labelled >= 10);  // a defect can fall mostly off the image, but rarely entirely
        }
}

TEST_CASE("procedural defects on uint8 images mask every changed byte", "[defects][procedural]") {
    const ias::image<std::uint8_t> input = random_image<std::uint8_t>(64, 64, 3, 9);
    for (const ias::defect_type kind : ias::all_defect_types) {
        ias::sample s{ias::image<std::uint8_t>(input)};
        ias::rng_stream rng(4, std::uint64_t(kind));
        ias::run(stage_of(kind, 2, 2), s, rng);
        const auto& out = s.image.get<std::uint8_t>();
        int changed = 0;
        for (int y = 0; y < 64; ++y)
            for (int x = 0; x < 64; ++x)
                for (int c = 0; c < 3; ++c)
                    if (out(x, y, c) != input(x, y, c)) {
                        ++changed;
                        REQUIRE(s.mask(x, y) > 0.0f);
                    }
        INFO(ias::to_string(kind));
        CHECK(changed > 0);
        CHECK(s.label == 1);
    }
}

TEST_CASE("procedural defects damage only the object when the sample has a foreground", "[defects][procedural]") {
    const ias::image<float> input = surface(128, 128, 3), fg = ias_test::disk_foreground(128, 128, 40.0f);
    for (const ias::defect_type kind : ias::all_defect_types) {
        int on_object = 0;
        for (std::uint64_t i = 0; i < 10; ++i) {
            ias::sample s{ias::image<float>(input)};
            s.foreground = fg;
            ias::rng_stream rng(6, i);
            ias::run(stage_of(kind, 1, 2), s, rng);
            const auto& out = s.image.get<float>();
            INFO(ias::to_string(kind) << " sample " << i);
            for (int y = 0; y < 128; ++y)
                for (int x = 0; x < 128; ++x) {
                    if (fg(x, y) > 0.5f) continue;
                    REQUIRE(s.mask(x, y) == 0.0f);
                    REQUIRE(!pixel_changed(out, input, x, y));
                }
            on_object += s.label;
        }
        // `anywhere` becomes "anywhere on the object": every sample is damaged.
        CHECK(on_object == 10);
    }
}

TEST_CASE("procedural defects binary mask is the soft coverage thresholded", "[defects][procedural]") {
    const ias::image<float> input = surface(96, 96, 3);
    for (const ias::defect_type kind : ias::all_defect_types) {
        const auto soft_stage = stage_of(kind, 1, 2);
        const ias::procedural_defects binary_stage({.specs = soft_stage.settings().specs, .binary_mask = true, .mask_threshold = 0.4f});
        for (std::uint64_t i = 0; i < 6; ++i) {
            ias::sample soft{ias::image<float>(input)}, binary{ias::image<float>(input)};
            ias::rng_stream a(8, i), b(8, i);
            ias::run(soft_stage, soft, a);
            ias::run(binary_stage, binary, b);
            INFO(ias::to_string(kind) << " sample " << i);
            bool any = false;
            for (std::size_t k = 0; k < soft.mask.size(); ++k) {
                const float expected = soft.mask.data()[k] >= 0.4f ? 1.0f : 0.0f;
                REQUIRE(binary.mask.data()[k] == expected);
                any = any || expected > 0.0f;
            }
            CHECK(binary.label == (any ? 1 : 0));
            // Pixels are the same either way, unless nothing reached the threshold: then the
            // binary sample stays normal, bytes and all.
            if (any) CHECK(binary.image == soft.image);
            else CHECK(binary.image.get<float>() == input);
        }
    }
}

TEST_CASE("procedural defects from a prompt draw its counts and name its kinds", "[defects][procedural]") {
    const auto stage = ias::procedural_defects::from_prompt("two long thin dark scratches near the top edge and a small pore");
    REQUIRE(stage.settings().specs.size() == 2);
    const ias::image<float> input = surface(128, 128, 3);
    ias::sample s{ias::image<float>(input)};
    s.trace.emplace();
    ias::rng_stream rng(1, 2);
    ias::run(stage, s, rng);
    CHECK(s.defect_kind == "scratch+pore");
    CHECK(s.label == 1);
    REQUIRE(s.trace->size() == 1);
    const auto& entry = s.trace->entries()[0];
    CHECK(entry.stage == "procedural_defects");
    REQUIRE(entry.fields.size() == 1);
    CHECK(entry.fields[0].name == "counts");
    CHECK(entry.fields[0].values == std::vector<double>{2.0, 1.0});
    // Replay gives the same bytes.
    ias::sample again{ias::image<float>(input)};
    ias::replay(stage, again, *s.trace);
    CHECK(again.image == s.image);
    CHECK(again.mask == s.mask);
    CHECK(again.defect_kind == s.defect_kind);

    // One kind twice is named once; a zero count names nothing and changes nothing.
    const auto repeated = ias::procedural_defects::from_prompt("a scratch and a crack and a scratch");
    ias::sample r{ias::image<float>(input)};
    ias::rng_stream rr(1, 3);
    ias::run(repeated, r, rr);
    CHECK(r.defect_kind == "scratch+crack");
    const auto none = stage_of(ias::defect_type::stain, 0, 0);
    ias::sample n{ias::image<float>(input)};
    n.mask.fill(0.0f);
    n.mask(3, 4) = 0.5f, n.label = 1, n.defect_kind = "earlier";
    ias::rng_stream rn(1, 4);
    ias::run(none, n, rn);
    CHECK(n.image.get<float>() == input);
    CHECK(n.mask(3, 4) == 0.5f);
    CHECK(n.defect_kind == "earlier");

    CHECK_THROWS_WITH(ias::procedural_defects::from_prompt("a purple scratch"), Catch::Contains("purple") && Catch::Contains("scratch"));
}

TEST_CASE("procedural defects keep an earlier mask and are deterministic on any thread", "[defects][procedural]") {
    const ias::image<float> input = surface(64, 64, 3);
    const ias::procedural_defects stage({.specs = {ias::defect_spec::of(ias::defect_type::crack), ias::defect_spec::of(ias::defect_type::stain),
                                                   ias::defect_spec::of(ias::defect_type::chip)}});
    auto result = [&](std::uint64_t index) {
        ias::sample s{ias::image<float>(input)};
        s.mask(0, 0) = 1.0f;  // an earlier stage's mask
        ias::rng_stream rng(5, index);
        ias::run(stage, s, rng);
        return s;
    };
    const ias::sample a = result(0);
    CHECK(a.mask(0, 0) == 1.0f);
    CHECK(a.defect_kind == "crack+stain+chip");
    CHECK(ias_test::hash(result(0)) == ias_test::hash(a));
    CHECK(ias_test::hash(result(1)) != ias_test::hash(a));
    CHECK(ias_test::same_on_two_threads(result, 12));
}

TEST_CASE("procedural defects reject bad settings and a mismatched foreground", "[defects][procedural]") {
    ias::sample s{surface(32, 32, 3)};
    ias::rng_stream rng(1, 1);
    CHECK_THROWS_WITH(ias::procedural_defects{}, Catch::Contains("specs must hold at least one defect_spec"));
    CHECK_THROWS_WITH(ias::procedural_defects({.specs = std::vector<ias::defect_spec>(17, ias::defect_spec::of(ias::defect_type::pore))}),
                      Catch::Contains("at most 16"));
    auto bad = ias::defect_spec::of(ias::defect_type::stain);
    bad.size = {0.5f, 0.2f};
    CHECK_THROWS_WITH(bad.validate(), Catch::Contains("size"));
    CHECK_THROWS_WITH(ias::procedural_defects({.specs = {ias::defect_spec::of(ias::defect_type::pore), bad}}),
                      Catch::Contains("ias::procedural_defects") && Catch::Contains("every spec must pass defect_spec::validate()"));
    CHECK_THROWS_WITH(ias::procedural_defects({.specs = stage_of(ias::defect_type::pore, 1, 1).settings().specs, .mask_threshold = 0.0f}),
                      Catch::Contains("mask_threshold must be above 0"));
    CHECK_THROWS_WITH(ias::procedural_defects({.specs = stage_of(ias::defect_type::pore, 1, 1).settings().specs, .mask_threshold = 1.5f}),
                      Catch::Contains("parameter 'mask_threshold' is 1.5"));
    s.foreground = ias::image<float>(16, 16, 1, 1.0f);
    CHECK_THROWS_AS(ias::run(stage_of(ias::defect_type::pore, 1, 1), s, rng), ias::error);
}
