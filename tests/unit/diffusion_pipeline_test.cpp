// The diffusion hooks as pipeline stages: mask first (an ias or a host mask), then the host
// model inpaints, with paste-back, latent codecs, free generation and filtering.
#include <catch2/catch.hpp>

#include <ias/core/pipeline.hpp>
#include <ias/diffusion/exact_denoisers.hpp>
#include <ias/transforms/diffusion_inpaint.hpp>
#include <ias/transforms/host_mask.hpp>
#include <ias/transforms/rejection_filter.hpp>
#include <ias/transforms/shape_masks.hpp>

using namespace ias;
using Catch::Matchers::Contains;

namespace {

/// An exact denoiser of two flat images (values a and b in the model's [−1, 1]) of one size.
std::shared_ptr<const diffusion::sampler> two_colour_sampler(int w, int h, int c, float a, float b, int steps = 20,
                                                             diffusion::sampler_settings options = {}) {
    std::vector<float> centres(std::size_t(2 * w * h * c), a);
    std::fill(centres.begin() + w * h * c, centres.end(), b);
    return std::make_shared<const diffusion::sampler>(diffusion::sampler{
        diffusion::respaced_schedule(diffusion::noise_schedule::linear(), diffusion::uniform_timesteps(1000, steps)),
        diffusion::gaussian_mixture_denoiser{centres, 0.02f}, options});
}

sample textured(int w, int h, int c) {
    image<std::uint8_t> im(w, h, c);
    for (std::size_t i = 0; i < im.size(); ++i) im.data()[i] = std::uint8_t(40 + (i * 7) % 150);
    return sample(any_image(std::move(im)));
}

/// A rectangle mask stage: [x0, x1) × [y0, y1).
struct box_mask {
    int x0, y0, x1, y1;
    void operator()(sample& s, rng_stream&) const {
        s.ensure_mask();
        for (int y = y0; y < y1; ++y)
            for (int x = x0; x < x1; ++x) s.mask(x, y) = 1.0f;
        s.label = 1;
    }
};

}  // namespace

TEST_CASE("diffusion inpaint after a mask stage keeps every unmasked byte and fills the mask", "[diffusion]") {
    const auto p = pipeline(box_mask{8, 8, 20, 16}, diffusion_inpaint({.sampler = two_colour_sampler(32, 24, 3, -0.8f, 0.9f)}));
    sample s = textured(32, 24, 3);
    const sample input = s;
    rng_stream rng(5, 2);
    s.trace.emplace();
    run(p, s, rng);
    const auto& out = s.image.get<std::uint8_t>();
    const auto& in = input.image.get<std::uint8_t>();
    int changed_inside = 0;
    for (int y = 0; y < 24; ++y)
        for (int x = 0; x < 32; ++x)
            for (int c = 0; c < 3; ++c) {
                const bool inside = x >= 8 && x < 20 && y >= 8 && y < 16;
                if (!inside) REQUIRE(out(x, y, c) == in(x, y, c));
                // The hole holds one of the two flat images: (−0.8 + 1)/2·255 = 25.5 or (0.9 + 1)/2·255 = 242.
                if (inside) {
                    changed_inside += out(x, y, c) != in(x, y, c);
                    REQUIRE((std::abs(int(out(x, y, c)) - 25) <= 12 || std::abs(int(out(x, y, c)) - 242) <= 12));
                }
            }
    CHECK(changed_inside > 250);
    CHECK(s.label == 1);
    CHECK(s.defect_kind == "diffusion");

    SECTION("the trace replays the same bytes and another index gives another sample") {
        sample again = input;
        replay(p, again, *s.trace);
        CHECK(again.image == s.image);
        sample same = input;
        rng_stream rng_same(5, 2);
        run(p, same, rng_same);
        CHECK(same.image == s.image);
    }
}

TEST_CASE("diffusion inpaint with a latent codec pools the mask to the latent grid and pastes back", "[diffusion]") {
    int encodes = 0, decodes = 0;
    auto codec = std::make_shared<latent_codec>();
    codec->stride = 2;
    codec->channels = 1;
    // A toy autoencoder: the grey mean of each 2 × 2 block, and back by repetition.
    codec->encode = [&](image_view<const float> im, diffusion::tensor_view latent) {
        ++encodes;
        const auto l = latent.image(0);
        for (int y = 0; y < l.height(); ++y)
            for (int x = 0; x < l.width(); ++x) {
                float sum = 0;
                for (int dy = 0; dy < 2; ++dy)
                    for (int dx = 0; dx < 2; ++dx)
                        for (int c = 0; c < im.channels(); ++c) sum += im(2 * x + dx, 2 * y + dy, c);
                l(x, y) = sum / float(4 * im.channels());
            }
    };
    codec->decode = [&](diffusion::const_tensor_view latent, image_view<float> im) {
        ++decodes;
        for (int y = 0; y < im.height(); ++y)
            for (int x = 0; x < im.width(); ++x)
                for (int c = 0; c < im.channels(); ++c) im(x, y, c) = latent.image(0)(x / 2, y / 2);
    };
    const auto inpaint = diffusion_inpaint({.sampler = two_colour_sampler(16, 12, 1, 0.5f, 0.5f), .codec = codec,
                                            .paste_back = {.dilation = 1}});
    sample s = textured(32, 24, 3);
    const sample input = s;
    rng_stream rng(1, 0);
    run(pipeline(box_mask{9, 5, 17, 13}, inpaint), s, rng);
    CHECK(encodes == 1);
    CHECK(decodes == 1);
    const auto& out = s.image.get<std::uint8_t>();
    const auto& in = input.image.get<std::uint8_t>();
    for (int y = 0; y < 24; ++y)
        for (int x = 0; x < 32; ++x) {
            const bool near = x >= 8 && x < 18 && y >= 4 && y < 14;  // the mask dilated by 1
            for (int c = 0; c < 3; ++c) {
                if (!near) REQUIRE(out(x, y, c) == in(x, y, c));
                if (x >= 9 && x < 17 && y >= 5 && y < 13) REQUIRE(out(x, y, c) == Approx(0.75 * 255).margin(6));  // latent 0.5
            }
        }
    sample odd = textured(31, 24, 3);
    rng_stream rng_odd(1, 0);
    CHECK_THROWS_WITH(run(pipeline(box_mask{2, 2, 6, 6}, inpaint), odd, rng_odd), Contains("multiples of its stride 2"));
}

TEST_CASE("diffusion inpaint without the known region pastes a whole generated image through the mask with opacity", "[diffusion]") {
    // RealNet's SDAS route: generate freely, paste through the mask with opacity 0.5.
    const auto inpaint = diffusion_inpaint({.sampler = two_colour_sampler(16, 16, 1, 1.0f, 1.0f), .keep_known = false,
                                            .opacity = {0.5f, 0.5f}, .defect_kind = "sdas"});
    image<float> grey(16, 16, 1, 0.2f);
    sample s{any_image(grey)};
    rng_stream rng(3, 1);
    run(pipeline(box_mask{4, 4, 8, 8}, inpaint), s, rng);
    const auto& out = s.image.get<float>();
    for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 16; ++x) {
            if (x >= 4 && x < 8 && y >= 4 && y < 8)
                REQUIRE(out(x, y) == Approx(0.2 + 0.5 * (1.0 - 0.2)).margin(0.02));
            else
                REQUIRE(out(x, y) == 0.2f);
        }
    CHECK(s.defect_kind == "sdas");
    // No mask, nothing to synthesise: the sample stays as it was, and normal.
    sample plain{any_image(grey)};
    run(inpaint, plain, rng);
    CHECK(plain.image.get<float>() == grey);
    CHECK(plain.label == 0);
    CHECK_THROWS_WITH(diffusion_inpaint{}, Contains("sampler is empty"));
    CHECK_THROWS_WITH(diffusion_inpaint({.sampler = two_colour_sampler(16, 16, 1, 0, 0), .opacity = {0.7f, 0.2f}}),
                      Contains("ias::diffusion_inpaint: parameter 'opacity' is [0.7, 0.2]"));
}

TEST_CASE("diffusion mask-first pipeline with a host mask the border rule filters", "[diffusion]") {
    // A host "mask model": a 6 × 6 square at a random place, sometimes against the border.
    const auto squares = std::make_shared<const mask_generator>([](const sample&, rng_stream& rng, image<float>& mask) {
        const int x0 = int(rng.integer(0, mask.width() - 6)), y0 = int(rng.integer(0, mask.height() - 6));
        for (int y = y0; y < y0 + 6; ++y)
            for (int x = x0; x < x0 + 6; ++x) mask(x, y) = 0.9f;
    });
    const auto border = [](const sample& s) { return double(diffusion::max_border_fraction(s.mask.view())); };
    const auto p = pipeline(rejection_filter(host_mask({.generator = squares}), border, 0.0, 1.0 / 3.0, 16, when_exhausted::throw_error),
                            diffusion_inpaint({.sampler = two_colour_sampler(12, 12, 1, -1.0f, -1.0f)}));
    int touched_border_attempts = 0;
    for (std::uint32_t index = 0; index < 20; ++index) {
        sample s = textured(12, 12, 1);
        s.trace.emplace();
        rng_stream rng(9, index);
        run(p, s, rng);
        CHECK(diffusion::max_border_fraction(s.mask.view()) <= 1.0f / 3.0f);
        CHECK(s.label == 1);
        const auto& filter = s.trace->entries().front().params_as<rejection_filter<host_mask>::params_type>();
        touched_border_attempts += int(filter.scores.size()) - 1;
        // The mask was binarised at 0.5, and the hole is black (model value −1).
        for (int y = 0; y < 12; ++y)
            for (int x = 0; x < 12; ++x) {
                REQUIRE((s.mask(x, y) == 0.0f || s.mask(x, y) == 1.0f));
                if (s.mask(x, y) == 1.0f) REQUIRE(int(s.image.get<std::uint8_t>()(x, y)) <= 8);
            }
    }
    CHECK(touched_border_attempts > 0);  // on a 12 × 12 image most squares touch a border

    const auto wrong = std::make_shared<const mask_generator>([](const sample&, rng_stream&, image<float>& mask) { mask.resize(3, 3, 1); });
    const auto too_big = std::make_shared<const mask_generator>([](const sample&, rng_stream&, image<float>& mask) { mask(1, 1) = 2.0f; });
    sample s = textured(12, 12, 1);
    rng_stream rng(1, 1);
    CHECK_THROWS_WITH(run(host_mask({.generator = wrong}), s, rng), Contains("returned a 3x3x1 mask for a 12x12 image"));
    CHECK_THROWS_WITH(run(host_mask({.generator = too_big}), s, rng), Contains("the value 2.0"));
    CHECK_THROWS_WITH(host_mask{}, Contains("ias::host_mask") && Contains("generator must hold a mask_generator"));
    CHECK_THROWS_WITH(host_mask({.generator = squares, .threshold = 1.5f}), Contains("parameter 'threshold' is 1.5"));
}
