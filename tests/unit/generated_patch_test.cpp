// SPDX-License-Identifier: MIT
// The GAN hook and the scorer hook (METHODS §8.9, §8.10 point 8): generated_patch's compositing,
// latent, checks and labels; rejection_filter's attempts, exhaustion policies, trace and replay.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <ias/core/pipeline.hpp>
#include <ias/transforms/generated_patch.hpp>
#include <ias/transforms/rejection_filter.hpp>
#include <ias/transforms/shape_masks.hpp>

#include "test_transforms.hpp"

namespace {

using ias_test::random_image;

/// Writes rng.uniform() into element (0, 0, 0) of a float image: its stream is visible in the pixels.
struct write_uniform {
    static constexpr std::string_view name = "write_uniform";
    void operator()(ias::sample& s, ias::rng_stream& rng) const { s.image.get<float>()(0, 0, 0) = rng.uniform(); }
};

static_assert(ias::transform<ias::generated_patch>);
static_assert(ias::parametrised_transform<ias::generated_patch>);
static_assert(ias::transform<ias::rejection_filter<write_uniform>>);
static_assert(ias::self_tracing_transform<ias::rejection_filter<write_uniform>>);
static_assert(ias::self_tracing_transform<ias::rejection_filter<ias::generated_patch>>);

std::shared_ptr<const ias::patch_generator> make_generator(ias::patch_generator g) {
    return std::make_shared<const ias::patch_generator>(std::move(g));
}

/// A generator that fills the patch with `value` and returns no alpha.
std::shared_ptr<const ias::patch_generator> constant(float value) {
    return make_generator([value](const ias::generator_input&, ias::generator_output& out) { out.patch.fill(value); });
}

/// Sets the mask to 1 on [x0, x1) × [y0, y1), 0 elsewhere, as a mask stage would.
void set_box(ias::sample& s, int x0, int y0, int x1, int y1) {
    s.mask.resize(s.image.width(), s.image.height(), 1, 0.0f);
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) s.mask(x, y) = 1.0f;
    s.label = 1;
}

bool in_box(int x, int y, int x0, int y0, int x1, int y1) { return x >= x0 && x < x1 && y >= y0 && y < y1; }

/// True when pixel (x, y) has the same bytes in both images.
template <class T>
bool same_pixel(const ias::image<T>& a, const ias::image<T>& b, int x, int y) {
    return std::memcmp(&a(x, y, 0), &b(x, y, 0), sizeof(T) * std::size_t(a.channels())) == 0;
}

float pixel0(const ias::sample& s) { return s.image.get<float>()(0, 0, 0); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// generated_patch

TEMPLATE_TEST_CASE("generated_patch: gan constant patch through a box mask changes exactly the box", "[gan]", std::uint8_t, float) {
    using T = TestType;
    const ias::image<T> input = random_image<T>(24, 20, 3, 5);
    ias::sample s{ias::image<T>(input)};
    set_box(s, 5, 4, 15, 12);
    const ias::image<float> mask_before = s.mask;
    const float value = std::is_same_v<T, float> ? 0.375f : 96.0f / 255.0f;
    const ias::generated_patch t({.generator = constant(value)});
    ias::rng_stream rng(1, 0);
    ias::run(t, s, rng);

    const auto& out = s.image.get<T>();
    for (int y = 0; y < 20; ++y)
        for (int x = 0; x < 24; ++x) {
            if (in_box(x, y, 5, 4, 15, 12)) {
                for (int c = 0; c < 3; ++c) REQUIRE(out(x, y, c) == (std::is_same_v<T, float> ? T(0.375f) : T(96)));
            } else {
                REQUIRE(same_pixel(out, input, x, y));
            }
        }
    CHECK(s.mask == mask_before);  // no generator alpha: the mask stage's mask stays
    CHECK(s.label == 1);
    CHECK(s.defect_kind == "generated");
}

TEST_CASE("generated_patch: gan opacity o gives I + o(P - I)", "[gan]") {
    SECTION("exact values") {
        ias::sample s{ias::image<float>(16, 16, 1, 0.25f)};
        set_box(s, 2, 2, 10, 10);
        const ias::generated_patch t({.generator = constant(0.75f), .opacity = {0.5f, 0.5f}});
        ias::rng_stream rng(3, 1);
        ias::run(t, s, rng);
        const auto& out = s.image.get<float>();
        CHECK(out(2, 2) == 0.5f);
        CHECK(out(9, 9) == 0.5f);
        CHECK(out(10, 10) == 0.25f);
        CHECK(out(1, 5) == 0.25f);
    }
    SECTION("a drawn opacity, recorded in the trace") {
        const ias::image<float> input = random_image<float>(16, 12, 3, 9);
        const ias::generated_patch t({.generator = constant(0.8f), .opacity = {0.2f, 0.7f}});
        for (std::uint64_t index = 0; index < 5; ++index) {
            ias::sample s{ias::image<float>(input)};
            set_box(s, 3, 3, 12, 9);
            s.trace.emplace();
            ias::rng_stream rng(4, index);
            ias::run(t, s, rng);
            REQUIRE(s.trace->size() == 1);
            const auto& entry = s.trace->entries()[0];
            CHECK(entry.stage == "generated_patch");
            REQUIRE(entry.fields.size() == 1);
            CHECK(entry.fields[0].name == "opacity");
            const float o = entry.params_as<ias::generated_patch::params_type>().opacity;
            CHECK(double(o) == entry.fields[0].values[0]);
            CHECK(o >= 0.2f);
            CHECK(o < 0.7f);
            const auto& out = s.image.get<float>();
            for (int y = 0; y < 12; ++y)
                for (int x = 0; x < 16; ++x)
                    for (int c = 0; c < 3; ++c) {
                        const float i = input(x, y, c);
                        if (in_box(x, y, 3, 3, 12, 9))
                            REQUIRE(out(x, y, c) == Approx(i + o * (0.8f - i)).margin(1e-6));
                        else
                            REQUIRE(out(x, y, c) == i);
                    }
            // Replay gives the same bytes.
            ias::sample again{ias::image<float>(input)};
            set_box(again, 3, 3, 12, 9);
            ias::replay(t, again, *s.trace);
            CHECK(again.image == s.image);
        }
    }
}

TEST_CASE("generated_patch: gan alpha replaces the mask and sets the label", "[gan]") {
    // A generator alpha of 0.8 on a square and a fringe of 0.25 around it.
    auto alpha_generator = make_generator([](const ias::generator_input& in, ias::generator_output& out) {
        out.patch.fill(1.0f);
        out.alpha.resize(in.image.width(), in.image.height(), 1, 0.0f);
        for (int y = 4; y < 14; ++y)
            for (int x = 4; x < 14; ++x) out.alpha(x, y) = in_box(x, y, 6, 6, 12, 12) ? 0.8f : 0.25f;
    });
    ias::sample s{ias::image<float>(20, 18, 1, 0.5f)};
    set_box(s, 0, 0, 3, 3);  // the previous mask, elsewhere: replaced
    s.defect_kind = "";
    const ias::generated_patch t({.generator = alpha_generator, .defect_kind = "dfmgan"});
    ias::rng_stream rng(2, 2);
    ias::run(t, s, rng);
    const auto& out = s.image.get<float>();
    for (int y = 0; y < 18; ++y)
        for (int x = 0; x < 20; ++x) {
            const bool core = in_box(x, y, 6, 6, 12, 12), fringe = !core && in_box(x, y, 4, 4, 14, 14);
            REQUIRE(s.mask(x, y) == (core ? 0.8f : 0.0f));  // the fringe is below label_threshold = 0.5
            const float expected = core ? 0.5f + 0.8f * 0.5f : fringe ? 0.5f + 0.25f * 0.5f : 0.5f;
            REQUIRE(out(x, y) == expected);
        }
    CHECK(s.label == 1);
    CHECK(s.defect_kind == "dfmgan");

    SECTION("label_threshold 0 keeps the whole alpha") {
        ias::sample z{ias::image<float>(20, 18, 1, 0.5f)};
        const ias::generated_patch all({.generator = alpha_generator, .label_threshold = 0.0f});
        ias::run(all, z, rng);
        CHECK(z.mask(4, 4) == 0.25f);
        CHECK(z.mask(7, 7) == 0.8f);
        CHECK(z.label == 1);
    }
    SECTION("an alpha wholly below the threshold leaves the sample labelled normal") {
        ias::sample z{ias::image<float>(20, 18, 1, 0.5f)};
        set_box(z, 0, 0, 3, 3);
        z.defect_kind = "earlier";
        const ias::generated_patch faint({.generator = alpha_generator, .label_threshold = 0.9f});
        ias::run(faint, z, rng);
        CHECK_FALSE(ias::any_positive(z.mask));
        CHECK(z.label == 0);
        CHECK(z.defect_kind.empty());
        CHECK(z.image.get<float>()(7, 7) == 0.9f);  // composited all the same
    }
    SECTION("the alpha is limited to the foreground") {
        ias::sample z{ias::image<float>(20, 18, 1, 0.5f)};
        z.foreground.resize(20, 18, 1, 0.0f);
        for (int y = 0; y < 18; ++y)
            for (int x = 0; x < 9; ++x) z.foreground(x, y) = 1.0f;
        ias::run(t, z, rng);
        CHECK(z.mask(7, 7) == 0.8f);
        CHECK(z.mask(10, 7) == 0.0f);
        CHECK(z.image.get<float>()(10, 7) == 0.5f);
        CHECK(z.image.get<float>()(7, 7) == 0.9f);
    }
}

TEST_CASE("generated_patch: gan latent z is standard normal and tied to seed and index", "[gan]") {
    std::vector<float> seen;
    auto record = make_generator([&seen](const ias::generator_input& in, ias::generator_output&) { seen.assign(in.z.begin(), in.z.end()); });
    const ias::generated_patch t({.generator = record, .latent_size = 4096});
    auto z_of = [&](std::uint64_t seed, std::uint64_t index) {
        ias::sample s{ias::image<float>(8, 8, 3, 0.5f)};
        ias::rng_stream rng(seed, index);
        ias::run(t, s, rng);
        return seen;
    };
    const std::vector<float> z = z_of(11, 3);
    REQUIRE(z.size() == 4096);
    double sum = 0.0, squares = 0.0;
    for (const float v : z) sum += v, squares += double(v) * double(v);
    const double mean = sum / 4096.0, variance = squares / 4096.0 - mean * mean;
    CHECK(std::abs(mean) < 5.0 / 64.0);                          // 5 standard errors
    CHECK(std::abs(variance - 1.0) < 5.0 * std::sqrt(2.0 / 4096.0));
    CHECK(z_of(11, 3) == z);
    CHECK(z_of(11, 4) != z);
    CHECK(z_of(12, 3) != z);
    // Known answer: z is the bulk normal sequence of the stage stream's child 0.
    std::vector<float> expected(4096);
    ias::fill_normal(ias::rng_stream(11, 3).fork(0), 0, expected);
    CHECK(z == expected);
}

TEST_CASE("generated_patch: gan generator sees the conditioning the image and the mask", "[gan]") {
    int calls = 0, seen_class = -1;
    std::string seen_prompt;
    bool image_ok = false, mask_ok = false;
    const ias::image<std::uint8_t> input = random_image<std::uint8_t>(12, 10, 3, 2);
    auto g = make_generator([&](const ias::generator_input& in, ias::generator_output& out) {
        ++calls;
        seen_class = in.conditioning.get<int>("defect_class");
        seen_prompt = in.conditioning.get<std::string>("prompt");
        image_ok = in.image.width() == 12 && in.image.height() == 10 && in.image.channels() == 3;
        for (int y = 0; y < 10 && image_ok; ++y)
            for (int x = 0; x < 12; ++x)
                for (int c = 0; c < 3; ++c) image_ok = image_ok && in.image(x, y, c) == float(input(x, y, c)) * (1.0f / 255.0f);
        mask_ok = in.mask.channels() == 1 && in.mask(3, 3) == 1.0f && in.mask(0, 0) == 0.0f;
        // The patch arrives as a copy of the image.
        image_ok = image_ok && out.patch.width() == 12 && out.patch(5, 5, 1) == in.image(5, 5, 1) && out.alpha.empty();
    });
    ias::diffusion::conditioning bundle;
    bundle.set("defect_class", 3).set("prompt", std::string("a scratch on a metal plate"));
    const ias::generated_patch t({.generator = g, .latent_size = 16, .conditioning = bundle});
    ias::sample s{ias::image<std::uint8_t>(input)};
    set_box(s, 2, 2, 6, 6);
    ias::rng_stream rng(1, 1);
    ias::run(t, s, rng);
    CHECK(calls == 1);
    CHECK(seen_class == 3);
    CHECK(seen_prompt == "a scratch on a metal plate");
    CHECK(image_ok);
    CHECK(mask_ok);
    // The patch was the image itself: an identity generator changes no byte.
    CHECK(s.image.get<std::uint8_t>() == input);
}

TEST_CASE("generated_patch: gan bad generator output throws naming the problem", "[gan]") {
    const ias::image<float> input = random_image<float>(16, 16, 3, 1);
    auto check_throws = [&](ias::patch_generator g, const std::string& what) {
        ias::sample s{ias::image<float>(input)};
        set_box(s, 2, 2, 8, 8);
        const ias::sample before = s;
        const ias::generated_patch t({.generator = make_generator(std::move(g))});
        ias::rng_stream rng(1, 0);
        CHECK_THROWS_AS(ias::run(t, s, rng), ias::error);
        CHECK_THROWS_WITH(ias::run(t, s, rng), Catch::Contains(what));
        CHECK(s.image == before.image);  // checked before anything changes
        CHECK(s.mask == before.mask);
        CHECK(s.label == before.label);
    };
    check_throws([](const ias::generator_input&, ias::generator_output& out) { out.patch.resize(8, 8, 3); },
                 "returned a patch of 8x8x3, but it must be 16x16x3");
    check_throws([](const ias::generator_input&, ias::generator_output& out) { out.patch.resize(16, 16, 1); }, "16x16x1");
    check_throws([](const ias::generator_input&, ias::generator_output& out) { out.patch.clear(); }, "patch of 0x0");
    check_throws([](const ias::generator_input&, ias::generator_output& out) { out.patch(3, 4, 2) = std::numeric_limits<float>::quiet_NaN(); },
                 "non-finite value (NaN or Inf) at element " + std::to_string((4 * 16 + 3) * 3 + 2));
    check_throws([](const ias::generator_input&, ias::generator_output& out) { out.patch(0, 0, 0) = std::numeric_limits<float>::infinity(); },
                 "non-finite");
    check_throws([](const ias::generator_input&, ias::generator_output& out) { out.alpha.resize(16, 16, 3, 0.5f); },
                 "returned an alpha of 16x16x3, but it must be empty or 16x16x1");
    check_throws([](const ias::generator_input&, ias::generator_output& out) { out.alpha.resize(15, 16, 1, 0.5f); }, "alpha of 15x16x1");
    check_throws(
        [](const ias::generator_input&, ias::generator_output& out) {
            out.alpha.resize(16, 16, 1, 0.5f);
            out.alpha(1, 0) = 1.5f;
        },
        "alpha has value 1.5");
    check_throws(
        [](const ias::generator_input&, ias::generator_output& out) {
            out.alpha.resize(16, 16, 1, 0.5f);
            out.alpha(2, 0) = std::numeric_limits<float>::quiet_NaN();
        },
        "at element 2");

    SECTION("patch values outside [0, 1] are clamped") {
        ias::sample s{ias::image<float>(input)};
        set_box(s, 2, 2, 8, 8);
        const ias::generated_patch t({.generator = constant(1.25f)});
        ias::rng_stream rng(1, 0);
        ias::run(t, s, rng);
        CHECK(s.image.get<float>()(3, 3, 0) == 1.0f);
    }
    SECTION("a mask of the wrong shape") {
        ias::sample s{ias::image<float>(input)};
        s.mask.resize(8, 8, 1, 1.0f);
        const ias::generated_patch t({.generator = constant(0.5f)});
        ias::rng_stream rng(1, 0);
        CHECK_THROWS_WITH(ias::run(t, s, rng), Catch::Contains("the sample's mask is 8x8x1"));
    }
}

TEST_CASE("generated_patch: gan construction names the field", "[gan]") {
    const auto g = constant(0.5f);
    auto fails_with = [](const ias::generated_patch_settings& settings, const std::string& what) {
        CHECK_THROWS_AS(ias::generated_patch(settings), std::invalid_argument);
        CHECK_THROWS_WITH(ias::generated_patch(settings), Catch::Contains("ias::generated_patch: ") && Catch::Contains(what));
    };
    fails_with({}, "generator must be a callable");
    fails_with({.generator = make_generator(ias::patch_generator{})}, "generator must be a callable");
    fails_with({.generator = g, .latent_size = 0}, "parameter 'latent_size' is 0");
    fails_with({.generator = g, .opacity = {-0.1f, 1.0f}}, "parameter 'opacity' is [-0.1, 1]");
    fails_with({.generator = g, .opacity = {1.0f, 1.5f}}, "parameter 'opacity' is [1, 1.5]");
    fails_with({.generator = g, .opacity = {0.8f, 0.4f}}, "it must be [min, max] with 0 <= min <= max <= 1");
    fails_with({.generator = g, .opacity = {std::numeric_limits<float>::quiet_NaN(), 1.0f}}, "parameter 'opacity'");
    fails_with({.generator = g, .label_threshold = 2.0f}, "parameter 'label_threshold' is 2");
    fails_with({.generator = g, .guidance = ias::fn::poisson_guidance::weighted_mixed}, "guidance");
    fails_with({.generator = g, .poisson = {.residual_tolerance = 0.0f}}, "poisson.residual_tolerance");
    fails_with({.generator = g, .poisson = {.max_iterations = 0}}, "poisson.max_iterations");
    CHECK_NOTHROW(ias::generated_patch({.generator = g}));
}

TEST_CASE("generated_patch: gan empty region leaves the sample unchanged", "[gan]") {
    int calls = 0;
    bool mask_all_zero = false;
    auto g = make_generator([&](const ias::generator_input& in, ias::generator_output& out) {
        ++calls;
        mask_all_zero = true;
        for (int y = 0; y < in.mask.height(); ++y)
            for (int x = 0; x < in.mask.width(); ++x) mask_all_zero = mask_all_zero && in.mask(x, y) == 0.0f;
        out.patch.fill(0.0f);
    });
    const ias::generated_patch t({.generator = g});
    ias::rng_stream rng(5, 5);
    SECTION("an all-zero mask") {
        ias::sample s{random_image<std::uint8_t>(10, 10, 3, 4)};
        const ias::sample before = s;
        ias::run(t, s, rng);
        CHECK(calls == 1);
        CHECK(mask_all_zero);
        CHECK(ias_test::hash(s) == ias_test::hash(before));
        CHECK(s.image == before.image);
        CHECK(s.mask == before.mask);
        CHECK(s.label == 0);
        CHECK(s.defect_kind.empty());
    }
    SECTION("no mask at all") {
        ias::sample s{random_image<float>(10, 10, 1, 4)};
        s.mask.clear();
        const ias::sample before = s;
        ias::run(t, s, rng);
        CHECK(mask_all_zero);
        CHECK(s.image == before.image);
        CHECK(s.mask.empty());
        CHECK(s.label == 0);
    }
}

TEMPLATE_TEST_CASE("generated_patch: gan poisson composite keeps pixels outside the mask exactly", "[gan]", std::uint8_t, float) {
    using T = TestType;
    const ias::image<T> input = random_image<T>(32, 28, 3, 8);
    auto g = make_generator([](const ias::generator_input& in, ias::generator_output& out) {
        for (int y = 0; y < in.image.height(); ++y)
            for (int x = 0; x < in.image.width(); ++x)
                for (int c = 0; c < 3; ++c) out.patch(x, y, c) = float((x * 5 + y * 3 + c * 7) % 16) / 15.0f;  // a texture
    });
    const auto guidance = GENERATE(ias::fn::poisson_guidance::source, ias::fn::poisson_guidance::mixed);
    const float opacity = GENERATE(1.0f, 0.6f);
    ias::sample s{ias::image<T>(input)};
    set_box(s, 6, 5, 22, 19);
    s.mask(6, 5) = 0.3f;  // a soft value: outside the Poisson region (A > 0.5)
    const ias::generated_patch t({
        .generator = g, .composite = ias::patch_composite::poisson, .guidance = guidance, .opacity = {opacity, opacity}});
    ias::rng_stream rng(7, 1);
    ias::run(t, s, rng);
    const auto& out = s.image.get<T>();
    int changed = 0;
    for (int y = 0; y < 28; ++y)
        for (int x = 0; x < 32; ++x) {
            if (in_box(x, y, 6, 5, 22, 19) && !(x == 6 && y == 5))
                changed += !same_pixel(out, input, x, y);
            else
                REQUIRE(same_pixel(out, input, x, y));
        }
    CHECK(changed > 100);
    if constexpr (std::is_same_v<T, float>)
        for (std::size_t i = 0; i < out.size(); ++i) REQUIRE((out.data()[i] >= 0.0f && out.data()[i] <= 1.0f));
    CHECK(s.label == 1);
    CHECK(s.defect_kind == "generated");

    SECTION("a region touching the image's border keeps the border fixed") {
        ias::sample b{ias::image<T>(input)};
        set_box(b, 0, 0, 12, 12);
        ias::run(t, b, rng);
        for (int i = 0; i < 12; ++i) {
            REQUIRE(same_pixel(b.image.get<T>(), input, i, 0));
            REQUIRE(same_pixel(b.image.get<T>(), input, 0, i));
        }
        CHECK_FALSE(same_pixel(b.image.get<T>(), input, 5, 5));
    }
}

// ---------------------------------------------------------------------------------------------
// rejection_filter

namespace {

/// Element (0, 0, 0) after write_uniform with stream `rng.fork(k)`: attempt k's value.
float attempt_value(const ias::rng_stream& rng, std::uint32_t k) {
    ias::rng_stream child = rng.fork(k);
    return child.uniform();
}

ias::sample blank() { return ias::sample(ias::image<float>(4, 4, 1, 0.0f)); }

}  // namespace

TEST_CASE("rejection_filter: filter accepts the third attempt and replays it without scoring", "[filter]") {
    const ias::rng_stream rng(21, 6);
    const float v0 = attempt_value(rng, 0), v1 = attempt_value(rng, 1), v2 = attempt_value(rng, 2);
    REQUIRE(v2 != v0);
    REQUIRE(v2 != v1);
    int calls = 0;
    const ias::rejection_filter f(
        write_uniform{},
        [&calls](const ias::sample& s) {
            ++calls;
            return double(pixel0(s));
        },
        double(v2), double(v2));  // a window only the third attempt's value falls in

    ias::sample s = blank();
    s.trace.emplace();
    ias::rng_stream stream = rng;
    ias::run(f, s, stream);
    CHECK(calls == 3);
    CHECK(pixel0(s) == v2);
    REQUIRE(s.trace->size() == 2);
    const auto& entry = s.trace->entries()[0];
    CHECK(entry.stage == "rejection_filter");
    const auto& p = entry.params_as<decltype(f)::params_type>();
    CHECK(p.accepted == 2);
    CHECK(p.scores == std::vector<double>{double(v0), double(v1), double(v2)});
    REQUIRE(entry.fields.size() == 2);
    CHECK(entry.fields[0].name == "accepted");
    CHECK(entry.fields[0].values == std::vector<double>{2.0});
    CHECK(entry.fields[1].name == "scores");
    CHECK(entry.fields[1].values == p.scores);
    CHECK(s.trace->entries()[1].stage == "write_uniform");
    CHECK(s.trace->entries()[1].params_as<ias::rng_stream>() == rng.fork(2));

    // Replay: the same bytes, and the scorer is not called.
    ias::sample again = blank();
    ias::replay(f, again, *s.trace);
    CHECK(calls == 3);
    CHECK(again.image == s.image);

    // Untraced, the same result.
    ias::sample plain = blank();
    stream = rng;
    f(plain, stream);
    CHECK(plain.image == s.image);
    CHECK_FALSE(plain.trace.has_value());
}

TEST_CASE("rejection_filter: filter exhaustion policies", "[filter]") {
    const ias::rng_stream rng(8, 14);
    std::vector<float> values;
    for (std::uint32_t k = 0; k < 8; ++k) values.push_back(attempt_value(rng, k));
    std::size_t best = 0;
    for (std::size_t k = 1; k < values.size(); ++k)
        if (values[k] > values[best]) best = k;
    REQUIRE(best != 7);  // so that keep_best and keep_last differ
    int calls = 0;
    auto score = [&calls](const ias::sample& s) {
        ++calls;
        return double(pixel0(s));
    };
    auto run = [&](ias::when_exhausted policy, ias::sample& s) {
        const ias::rejection_filter f(write_uniform{}, score, 2.0, 3.0, 8, policy);  // no uniform reaches the window
        s.trace.emplace();
        ias::rng_stream stream = rng;
        ias::run(f, s, stream);
        CHECK(calls == 8);
        const auto& p = s.trace->entries().at(0).params_as<decltype(f)::params_type>();
        CHECK(p.scores.size() == 8);
        for (std::size_t k = 0; k < 8; ++k) CHECK(p.scores[k] == double(values[k]));
        ias::sample again = blank();
        ias::replay(f, again, *s.trace);
        CHECK(again.image == s.image);
        CHECK(calls == 8);
        return p.accepted;
    };
    ias::sample s = blank();
    SECTION("keep_best") {
        CHECK(run(ias::when_exhausted::keep_best, s) == int(best));
        CHECK(pixel0(s) == values[best]);
    }
    SECTION("keep_last") {
        CHECK(run(ias::when_exhausted::keep_last, s) == 7);
        CHECK(pixel0(s) == values[7]);
    }
    SECTION("keep_normal") {
        s.label = 0;
        CHECK(run(ias::when_exhausted::keep_normal, s) == -1);
        CHECK(pixel0(s) == 0.0f);
        CHECK(s.trace->size() == 1);
    }
    SECTION("throw_error") {
        const ias::rejection_filter f(write_uniform{}, score, 2.0, 3.0, 8, ias::when_exhausted::throw_error);
        s.trace.emplace();
        ias::rng_stream stream = rng;
        try {
            ias::run(f, s, stream);
            FAIL("no exception");
        } catch (const ias::error& e) {
            const std::string what = e.what();
            CHECK_THAT(what, Catch::Contains("none of 8 attempts scored within [2, 3]"));
            CHECK_THAT(what, Catch::Contains(ias::detail::settings::number(double(values[0]))));
            CHECK_THAT(what, Catch::Contains(ias::detail::settings::number(double(values[7]))));
        }
        CHECK(pixel0(s) == 0.0f);  // the input is left as it was, its trace too
        CHECK(s.trace.has_value());
        CHECK(s.trace->size() == 0);
    }
    SECTION("ties and NaN keep the first attempt") {
        const ias::rejection_filter tie(write_uniform{}, [](const ias::sample&) { return 0.5; }, 1.0, 2.0, 5);
        ias::rng_stream stream = rng;
        tie(s, stream);
        CHECK(pixel0(s) == values[0]);
        const ias::rejection_filter nan(
            write_uniform{}, [](const ias::sample&) { return std::numeric_limits<double>::quiet_NaN(); },
            -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(), 5);
        ias::sample n = blank();
        stream = rng;
        nan(n, stream);  // NaN is never accepted, even by an unbounded window
        CHECK(pixel0(n) == values[0]);
    }
    SECTION("a later number beats an earlier NaN") {
        int k = 0;
        const ias::rejection_filter g(
            write_uniform{}, [&k](const ias::sample& c) { return k++ == 0 ? std::numeric_limits<double>::quiet_NaN() : double(pixel0(c)); }, 2.0,
            3.0, 3);
        ias::rng_stream stream = rng;
        g(s, stream);
        CHECK(pixel0(s) == std::max(values[1], values[2]));
    }
}

TEST_CASE("rejection_filter: filter rejects invalid arguments", "[filter]") {
    const auto score = [](const ias::sample&) { return 0.0; };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(ias::rejection_filter(write_uniform{}, ias::sample_scorer{}, 0.0), Catch::Contains("score is empty"));
    CHECK_THROWS_AS(ias::rejection_filter(write_uniform{}, ias::sample_scorer{}, 0.0), std::invalid_argument);
    CHECK_THROWS_WITH(ias::rejection_filter(write_uniform{}, score, 0.0, 1.0, 0), Catch::Contains("max_attempts is 0"));
    CHECK_THROWS_WITH(ias::rejection_filter(write_uniform{}, score, 0.0, 1.0, -3), Catch::Contains("max_attempts is -3"));
    CHECK_THROWS_WITH(ias::rejection_filter(write_uniform{}, score, 2.0, 1.0), Catch::Contains("min_score = 2 and max_score = 1"));
    CHECK_THROWS_WITH(ias::rejection_filter(write_uniform{}, score, nan, 1.0), Catch::Contains("min_score = nan"));
    CHECK_THROWS_AS(ias::rejection_filter(write_uniform{}, score, 0.0, nan), std::invalid_argument);
    CHECK_THROWS_WITH(ias::rejection_filter(write_uniform{}, score, 0.0, 1.0, 8, ias::when_exhausted(9)), Catch::Contains("policy"));
    const ias::rejection_filter ok(write_uniform{}, score, -1.0);
    CHECK(ok.min_score() == -1.0);
    CHECK(ok.max_score() == std::numeric_limits<double>::infinity());
    CHECK(ok.max_attempts() == 8);
    CHECK(ok.policy() == ias::when_exhausted::keep_best);
    CHECK(static_cast<bool>(ok.scorer()));
}

TEST_CASE("rejection_filter: filter is deterministic in the stream whatever the thread", "[filter]") {
    const ias::rejection_filter f(
        ias::pipeline(ias_test::add_noise{}, write_uniform{}), [](const ias::sample& s) { return double(pixel0(s)); }, 0.9, 1.0, 4,
        ias::when_exhausted::keep_best);
    const ias::image<float> input = random_image<float>(16, 16, 3, 3);
    auto result = [&](std::uint64_t index) {
        ias::sample s{ias::image<float>(input)};
        ias::rng_stream rng(5, index);
        f(s, rng);
        return s;
    };
    const ias::sample a = result(0);
    CHECK(ias_test::hash(result(0)) == ias_test::hash(a));
    CHECK(ias_test::hash(result(1)) != ias_test::hash(a));
    // Two threads, each a share of the indices, give what one thread gives.
    CHECK(ias_test::same_on_two_threads(result, 16));
}

TEST_CASE("rejection_filter: filter nests and replays", "[filter]") {
    int inner_calls = 0, outer_calls = 0;
    const auto inner = ias::rejection_filter(
        write_uniform{},
        [&](const ias::sample& s) {
            ++inner_calls;
            return double(pixel0(s));
        },
        0.5, 1.0, 8, ias::when_exhausted::keep_normal);
    const auto outer = ias::rejection_filter(
        ias::pipeline(inner, ias_test::paint_rect{}),
        [&](const ias::sample& s) {
            ++outer_calls;
            return double(pixel0(s));
        },
        0.75, 1.0, 8, ias::when_exhausted::keep_last);
    ias::sample s = blank();
    s.trace.emplace();
    ias::rng_stream rng(3, 9);
    ias::run(outer, s, rng);
    CHECK(s.trace->entries()[0].stage == "rejection_filter");
    CHECK(s.trace->entries()[1].stage == "rejection_filter");
    const int inner_before = inner_calls, outer_before = outer_calls;
    ias::sample again = blank();
    ias::replay(outer, again, *s.trace);
    CHECK(again.image == s.image);
    CHECK(again.mask == s.mask);
    CHECK(inner_calls == inner_before);
    CHECK(outer_calls == outer_before);
    ias::sample plain = blank();
    rng = ias::rng_stream(3, 9);
    outer(plain, rng);
    CHECK(ias_test::hash(plain) == ias_test::hash(s));
}

TEST_CASE("rejection_filter: filter composes in a pipeline with a mask stage and a gan patch", "[filter][gan]") {
    // The generator paints a grey level set by z[0]; the scorer accepts bright patches only.
    int generator_calls = 0, scorer_calls = 0;
    auto g = make_generator([&](const ias::generator_input& in, ias::generator_output& out) {
        ++generator_calls;
        out.patch.fill(std::clamp(0.5f + 0.25f * in.z[0], 0.0f, 1.0f));
    });
    const ias::rectangle_mask mask({.side = {6, 10}, .allow_clipping = false, .reference_size = 0});
    const auto p = ias::pipeline(mask, ias::rejection_filter(
                                           ias::generated_patch({.generator = g, .latent_size = 8}),
                                           [&](const ias::sample& s) {
                                               ++scorer_calls;
                                               double sum = 0.0, area = 0.0;
                                               const auto& im = s.image.get<std::uint8_t>();
                                               for (int y = 0; y < im.height(); ++y)
                                                   for (int x = 0; x < im.width(); ++x)
                                                       if (s.mask(x, y) > 0.5f) sum += im(x, y, 0), area += 1.0;
                                               return area > 0 ? sum / area / 255.0 : 0.0;
                                           },
                                           0.6, 1.0, 16, ias::when_exhausted::throw_error));
    static_assert(ias::self_tracing_transform<std::remove_cvref_t<decltype(p)>>);
    const ias::image<std::uint8_t> input = random_image<std::uint8_t>(24, 24, 3, 6);
    int accepted_later = 0;
    for (std::uint64_t index = 0; index < 12; ++index) {
        ias::sample s{ias::image<std::uint8_t>(input)};
        s.trace.emplace();
        ias::rng_stream rng(9, index);
        ias::run(p, s, rng);
        REQUIRE(s.trace->size() == 3);  // rectangle_mask, rejection_filter, generated_patch
        CHECK(s.trace->entries()[0].stage == "rectangle_mask");
        CHECK(s.trace->entries()[2].stage == "generated_patch");
        const auto& f = s.trace->entries()[1];
        const int accepted = int(f.fields[0].values[0]);
        CHECK(accepted >= 0);
        CHECK(f.fields[1].values.back() >= 0.6);
        accepted_later += accepted > 0;
        CHECK(s.label == 1);
        CHECK(s.defect_kind == "generated");
        // Pixels outside the mask keep their bytes.
        for (int y = 0; y < 24; ++y)
            for (int x = 0; x < 24; ++x)
                if (!(s.mask(x, y) > 0.0f)) REQUIRE(same_pixel(s.image.get<std::uint8_t>(), input, x, y));
        // Replay: same bytes, no generator-independent scorer calls.
        const int scored = scorer_calls;
        ias::sample again{ias::image<std::uint8_t>(input)};
        ias::replay(p, again, *s.trace);
        CHECK(ias_test::hash(again) == ias_test::hash(s));
        CHECK(scorer_calls == scored);
    }
    CHECK(accepted_later > 0);  // some first attempts were rejected
    CHECK(generator_calls > 12);
}
