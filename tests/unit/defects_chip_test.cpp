// Procedural chips: bites out of the object's edge, the fill behind them, the fracture face, spec ranges, determinism, clipping.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <optional>
#include <stdexcept>
#include <string>

#include <ias/defects/chip.hpp>
#include <ias/defects/particle.hpp>
#include <ias/defects/placement.hpp>

#include "defect_checks.hpp"

using namespace ias;
using ias_test::mask_matches_change;

namespace {

constexpr float pi = std::numbers::pi_v<float>;
constexpr int side = 128;                     // the disk scene is side × side
constexpr float disk_cx = 64, disk_cy = 64, disk_r = 40;
constexpr float object_value = 0.6f, behind_value = 0.1f;

/// A disk-shaped object of radius 40 in the middle of a 128 × 128 image: its foreground and an
/// RGB picture of it (0.6 on the object, 0.1 behind it).
image<float> disk_foreground() { return ias_test::disk_foreground(side, side, disk_r); }
image<float> disk_picture(const image<float>& fg, int channels = 3) {
    image<float> im(side, side, channels, behind_value);
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x)
            if (fg(x, y) > 0.5f)
                for (int c = 0; c < channels; ++c) im(x, y, c) = object_value;
    return im;
}

/// The chip's outline, computed here from the documented corner formula, and the signed
/// distance from (qx, qy) to it (negative inside).
struct polygon {
    std::array<float, chip_max_vertices> x{}, y{};
    int n = 0;
};
polygon outline_of(const chip_params& p) {
    polygon g;
    g.n = p.vertices;
    for (int k = 0; k < p.vertices; ++k) {
        const auto i = std::size_t(k);
        const float phi = p.rotation + 2 * pi * float(k) / float(p.vertices) + p.angle_jitter[i];
        g.x[i] = p.x + p.radius * p.radius_scale[i] * std::cos(phi);
        g.y[i] = p.y + p.radius * p.radius_scale[i] * std::sin(phi);
    }
    return g;
}
float signed_distance(const polygon& g, float qx, float qy) {
    return detail::particle::signed_distance(g.x.data(), g.y.data(), g.n, qx, qy);
}

float edge_of(const chip_params& p) { return std::max(1.0f, 3.0f * p.softness); }

}  // namespace

TEST_CASE("defect chip bites into the object edge and shows what lies behind", "[defects][chip]") {
    const image<float> fg = disk_foreground(), original = disk_picture(fg);
    auto large = defect_spec::of(defect_type::chip);
    large.size = {0.25f, 0.3f};  // radius ≥ 16: the site's pixel centre lies well inside the bite
    for (const defect_spec& spec : {defect_spec::of(defect_type::chip), large}) {
        for (std::uint32_t i = 0; i < 50; ++i) {
            rng_stream rng(21, i);
            const defect_site site = place_defect(spec, fg, side, side, rng);
            const chip_params p = sample_chip(spec, site, side, side, rng);
            image<float> im = original, mask(side, side, 1, 0.0f);
            render_chip(im, mask, p, fg);
            INFO("sample " << i << " radius " << p.radius);
            const int sx = int(site.x), sy = int(site.y);
            REQUIRE(detail::placement::on_boundary(fg, sx, sy));

            // The site lies inside the polygon, at least (0.505 − 0.45)·radius deep (see
            // sample_chip), so its pixel centre, within √½ of it, is covered by at least
            // ½ + (0.05·radius − √½)/e: at least ½ once the radius exceeds 14.2.
            const polygon g = outline_of(p);
            REQUIRE(signed_distance(g, site.x, site.y) <= -0.05f * p.radius);
            const float bound = std::clamp(0.5f + (0.05f * p.radius - 0.7072f) / edge_of(p), 0.0f, 1.0f);
            REQUIRE(mask(sx, sy) >= bound - 1e-4f);
            if (spec.size.min >= 0.25f) REQUIRE(mask(sx, sy) >= 0.5f);

            bool touches_boundary = false;
            int covered = 0;
            for (int y = 0; y < side; ++y)
                for (int x = 0; x < side; ++x) {
                    if (!(mask(x, y) > 0.0f)) continue;
                    REQUIRE(fg(x, y) > 0.5f);  // only the object loses material
                    touches_boundary = touches_boundary || detail::placement::on_boundary(fg, x, y);
                    if (signed_distance(g, float(x) + 0.5f, float(y) + 0.5f) <= -0.5f * edge_of(p) - 1e-3f) {
                        REQUIRE(mask(x, y) == 1.0f);
                        ++covered;  // fully broken off: the background behind the object
                        for (int c = 0; c < 3; ++c) REQUIRE(im(x, y, c) == Approx(behind_value).margin(1e-6));
                    }
                }
            REQUIRE(touches_boundary);
            REQUIRE(mask_matches_change(original, im, mask));
            if (spec.size.min >= 0.25f) REQUIRE(covered > 0);
        }
    }
}

TEST_CASE("defect chip without a foreground bites the image border and opens a cavity", "[defects][chip]") {
    const int w = 96, h = 80;
    const image<float> none, flat(w, h, 3, 0.5f);
    for (std::uint32_t i = 0; i < 40; ++i) {
        auto spec = defect_spec::of(defect_type::chip);
        spec.polarity = i % 2 ? defect_polarity::bright : defect_polarity::dark;
        rng_stream rng(22, i);
        const defect_site site = place_defect(spec, none, w, h, rng);
        const chip_params p = sample_chip(spec, site, w, h, rng);
        REQUIRE(p.bright == (i % 2 == 1));
        image<float> im = flat, mask(w, h, 1, 0.0f);
        render_chip(im, mask, p);
        INFO("sample " << i);
        const float sign = p.bright ? 1.0f : -1.0f, cavity = std::clamp(0.5f + sign * p.contrast, 0.0f, 1.0f);
        const polygon g = outline_of(p);
        bool border = false;
        int covered = 0, face = 0;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                if (!(mask(x, y) > 0.0f)) continue;
                border = border || x == 0 || y == 0 || x == w - 1 || y == h - 1;
                if (signed_distance(g, float(x) + 0.5f, float(y) + 0.5f) <= -0.5f * edge_of(p) - 1e-3f) {
                    ++covered;  // the cavity: the surface's mean ∓ contrast, clamped
                    REQUIRE(mask(x, y) == 1.0f);
                    for (int c = 0; c < 3; ++c) REQUIRE(im(x, y, c) == Approx(cavity).margin(1e-6));
                }
                if (sign * (im(x, y) - 0.5f) < 0.0f) {
                    ++face;  // the fracture face: the other way, by at most rim_contrast
                    REQUIRE(std::abs(im(x, y) - 0.5f) <= p.rim_contrast + 1e-6f);
                }
            }
        REQUIRE(border);
        REQUIRE(covered > 0);
        REQUIRE(face > 0);
        REQUIRE(mask_matches_change(flat, im, mask));
    }
}

TEST_CASE("defect chip area matches the part of its polygon inside the object", "[defects][chip]") {
    // Reference per sample: the area of polygon ∩ disk, sampled 8 × 8 per pixel. Rough
    // expectation: the polygon averages ≈ 0.8·πr² (corners at 0.95·r on average, 6 to 12 of
    // them), its centre sits (0.2…0.45)·r, about 0.33·r, outside the locally straight edge, and a
    // disc of radius ρ cut by a chord 0.35·ρ from its centre keeps (acos(0.35) − 0.35·√(1 − 0.35²))/π
    // ≈ 0.28 of itself inside: about 0.23·πr², so the mean must lie in [0.12, 0.45]·πr².
    const image<float> fg = disk_foreground(), original = disk_picture(fg);
    const auto spec = defect_spec::of(defect_type::chip);
    double masked_sum = 0, reference_sum = 0, disc_sum = 0;
    const int samples = 200;
    for (std::uint32_t i = 0; i < samples; ++i) {
        rng_stream rng(23, i);
        const defect_site site = place_defect(spec, fg, side, side, rng);
        const chip_params p = sample_chip(spec, site, side, side, rng);
        image<float> im = original, mask(side, side, 1, 0.0f);
        render_chip(im, mask, p, fg);
        const polygon g = outline_of(p);
        int masked = 0, face = 0;
        double reference = 0;
        for (int y = 0; y < side; ++y)
            for (int x = 0; x < side; ++x) {
                masked += mask(x, y) >= 0.5f && im(x, y) < object_value;  // the bite, not the (brighter) face
                if (mask(x, y) > 0.0f && im(x, y) > object_value) {
                    ++face;
                    REQUIRE(im(x, y) <= object_value + p.rim_contrast + 1e-6f);
                }
                if (std::hypot(float(x) + 0.5f - p.x, float(y) + 0.5f - p.y) > 1.25f * p.radius + 1.0f) continue;
                for (int j = 0; j < 64; ++j) {
                    const float qx = float(x) + (float(j % 8) + 0.5f) / 8, qy = float(y) + (float(j / 8) + 0.5f) / 8;
                    reference += (signed_distance(g, qx, qy) < 0.0f && std::hypot(qx - disk_cx, qy - disk_cy) < disk_r) / 64.0;
                }
            }
        INFO("sample " << i << " radius " << p.radius << " masked " << masked << " reference " << reference);
        REQUIRE(face > 0);  // a fracture face always lines the bite
        REQUIRE(std::abs(masked - reference) <= 0.3 * reference + 4.0);
        masked_sum += masked, reference_sum += reference;
        disc_sum += pi * p.radius * p.radius;
    }
    INFO("masked " << masked_sum / samples << " reference " << reference_sum / samples << " pi r^2 " << disc_sum / samples);
    CHECK(std::abs(masked_sum - reference_sum) <= 0.08 * reference_sum);
    CHECK(masked_sum >= 0.12 * disc_sum);
    CHECK(masked_sum <= 0.45 * disc_sum);
}

TEST_CASE("defect chip reveals an explicit background colour or its luminance", "[defects][chip]") {
    const std::array<float, 3> blue{0.1f, 0.3f, 0.9f};
    const chip_params p{.x = 32, .y = 32, .radius = 10, .vertices = 8, .contrast = 0.4f, .background = blue, .rim_width = 2,
                        .rim_contrast = 0.1f, .softness = 0.1f};
    const image<float> rgb0(64, 64, 3, 0.5f), grey0(64, 64, 1, 0.5f), rgba0(64, 64, 4, 0.5f);
    image<float> rgb = rgb0, grey = grey0, rgba = rgba0, mask(64, 64, 1, 0.0f), grey_mask(64, 64, 1, 0.0f),
                 rgba_mask(64, 64, 1, 0.0f);
    render_chip(rgb, mask, p);
    render_chip(grey, grey_mask, p);
    render_chip(rgba, rgba_mask, p);
    const float luminance = 0.299f * 0.1f + 0.587f * 0.3f + 0.114f * 0.9f;
    CHECK(rgb(32, 32, 0) == 0.1f);
    CHECK(rgb(32, 32, 2) == 0.9f);
    CHECK(grey(32, 32) == Approx(luminance).margin(1e-6));
    CHECK(mask_matches_change(rgb0, rgb, mask));
    CHECK(mask_matches_change(grey0, grey, grey_mask));
    CHECK(mask_matches_change(rgba0, rgba, rgba_mask));
    int covered = 0;
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x) {
            REQUIRE(grey_mask(x, y) == mask(x, y));
            REQUIRE(rgba_mask(x, y) == mask(x, y));
            if (mask(x, y) < 1.0f) continue;
            ++covered;
            for (int c = 0; c < 3; ++c) REQUIRE(rgba(x, y, c) == blue[std::size_t(c)]);
            REQUIRE(rgba(x, y, 3) == 0.5f);  // the fourth channel keeps its value
            REQUIRE(grey(x, y) == Approx(luminance).margin(1e-6));
        }
    CHECK(covered > 200);  // most of a radius-10 octagon (≈ 283 pixels)
    CHECK(rgb(32 + 11, 32, 1) > 0.5f);  // the fracture face is lit, 1.5 pixels beyond the corner at (42, 32)

    // On an object the colour replaces only the object's pixels: the left half is material.
    image<float> half(64, 64, 1, 0.0f);
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 32; ++x) half(x, y) = 1.0f;
    image<float> on_object = rgb0, object_mask(64, 64, 1, 0.0f);
    render_chip(on_object, object_mask, p, half);
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x) {
            if (x >= 32) REQUIRE((object_mask(x, y) == 0.0f && on_object(x, y, 0) == 0.5f));
            else REQUIRE(object_mask(x, y) == mask(x, y));
        }
    CHECK(on_object(31, 32, 2) == 0.9f);
    CHECK(mask_matches_change(rgb0, on_object, object_mask));

    // Bright: the face darkens instead; the colour is unchanged.
    chip_params q = p;
    q.bright = true;
    image<float> dark_face = rgb0, dark_mask(64, 64, 1, 0.0f);
    render_chip(dark_face, dark_mask, q);
    CHECK(dark_face(32, 32, 2) == 0.9f);
    CHECK(dark_face(32 + 11, 32, 1) < 0.5f);
}

TEST_CASE("defect chip parameters follow the spec and draw a fixed number of values", "[defects][chip]") {
    const int w = 300, h = 200;
    for (const defect_polarity polarity : {defect_polarity::dark, defect_polarity::bright, defect_polarity::any}) {
        for (std::uint32_t i = 0; i < 100; ++i) {
            rng_stream rng(24, i), angles(25, i);
            auto spec = defect_spec::of(defect_type::chip);
            spec.polarity = polarity;
            spec.colour = i % 2 ? std::optional<std::array<float, 3>>{} : std::array<float, 3>{0.2f, 0.4f, 0.6f};
            const defect_site site{150.0f, 100.0f, angles.uniform(-pi, pi)};
            const chip_params p = sample_chip(spec, site, w, h, rng);
            REQUIRE((2 * p.radius >= spec.size.min * h && 2 * p.radius <= spec.size.max * h));
            REQUIRE((p.vertices >= 6 && p.vertices <= chip_max_vertices));
            for (std::size_t k = 0; k < std::size_t(chip_max_vertices); ++k) {
                REQUIRE(std::abs(p.angle_jitter[k]) <= 0.3f * pi / float(p.vertices) + 1e-6f);
                REQUIRE((p.radius_scale[k] >= 0.65f && p.radius_scale[k] <= 1.25f));
            }
            REQUIRE((p.rotation >= 0.0f && p.rotation < 2 * pi));
            // The centre moves out of the object along the site's outward direction.
            const float dx = p.x - site.x, dy = p.y - site.y, offset = std::hypot(dx, dy);
            REQUIRE((offset >= 0.2f * p.radius - 1e-4f && offset <= 0.45f * p.radius + 1e-4f));
            REQUIRE(dx * std::cos(site.outward) + dy * std::sin(site.outward) == Approx(offset).margin(1e-4));
            // So the site is inside the outline, 0.65·cos(39°) − 0.45 ≈ 0.055 radii deep at least.
            REQUIRE(signed_distance(outline_of(p), site.x, site.y) <= -0.05f * p.radius);
            REQUIRE((p.contrast >= spec.contrast.min && p.contrast <= spec.contrast.max));
            REQUIRE(p.bright == (polarity == defect_polarity::bright));
            REQUIRE(p.background == spec.colour);
            REQUIRE((p.rim_width >= 1.0f && p.rim_width <= std::max(1.0f, 0.25f * p.radius)));
            REQUIRE((p.rim_width >= 0.15f * p.radius - 1e-5f));
            REQUIRE((p.rim_contrast >= 0.3f * p.contrast - 1e-6f && p.rim_contrast <= 0.5f * p.contrast + 1e-6f));
            REQUIRE(p.softness == spec.softness);
        }
    }
    // Specs that differ in everything but the kind leave the stream at the same position.
    auto other = defect_spec::of(defect_type::chip);
    other.polarity = defect_polarity::bright, other.colour = std::array<float, 3>{0.9f, 0.9f, 0.1f};
    other.size = {0.3f, 0.6f}, other.contrast = {0.05f, 0.1f}, other.softness = 0.9f;
    for (std::uint32_t i = 0; i < 50; ++i) {
        rng_stream a(26, i), b(26, i);
        const chip_params pa = sample_chip(defect_spec::of(defect_type::chip), {10, 20, 0.3f}, w, h, a);
        const chip_params pb = sample_chip(other, {50, 60, -2.0f}, w, h, b);
        REQUIRE(pa.vertices == pb.vertices);
        REQUIRE(pa.bright != pb.bright);
        REQUIRE(a.next_u32() == b.next_u32());
    }
}

TEST_CASE("defect chip is deterministic and clips at the image corners", "[defects][chip]") {
    const image<float> fg = disk_foreground(), original = disk_picture(fg);
    const auto spec = defect_spec::of(defect_type::chip);
    const auto draw = [&](std::uint32_t index, image<float>& im, image<float>& mask) {
        rng_stream rng(27, index);
        const defect_site site = place_defect(spec, fg, side, side, rng);
        render_chip(im, mask, sample_chip(spec, site, side, side, rng), fg);
    };
    image<float> a = original, am(side, side, 1, 0.0f), b = original, bm(side, side, 1, 0.0f), c = original,
                 cm(side, side, 1, 0.0f);
    draw(3, a, am), draw(3, b, bm), draw(4, c, cm);
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(am.data(), bm.data(), am.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(a.data(), c.data(), a.size() * sizeof(float)) != 0);

    // At the first and last pixels, pointing out of the image: clipped, no crash.
    const int w = 50, h = 40;
    auto big = defect_spec::of(defect_type::chip);
    big.size = {0.4f, 0.5f};
    for (const defect_site site : {defect_site{0.5f, 0.5f, -0.75f * pi}, defect_site{float(w) - 0.5f, float(h) - 0.5f, 0.25f * pi}}) {
        for (const int channels : {1, 3}) {
            const image<float> flat(w, h, channels, 0.5f);
            image<float> im = flat, mask(w, h, 1, 0.0f);
            rng_stream rng(28, std::uint32_t(channels));
            const chip_params p = sample_chip(big, site, w, h, rng);
            REQUIRE((p.x < site.x) == (site.x < 1.0f));  // the centre lies outside the image
            render_chip(im, mask, p);
            CHECK(mask(int(site.x), int(site.y)) == 1.0f);
            CHECK(mask_matches_change(flat, im, mask));
        }
    }
    // Entirely outside: nothing changes.
    image<float> im(w, h, 1, 0.5f), mask(w, h, 1, 0.0f);
    render_chip(im, mask, {.x = -500.0f, .y = 900.0f, .radius = 20});
    CHECK(*std::max_element(mask.data(), mask.data() + mask.size()) == 0.0f);

    // A foreground or a mask of the wrong shape is rejected, naming the renderer and the shapes.
    image<float> wrong_size(w + 1, h, 1, 1.0f), wrong_channels(w, h, 3, 1.0f), wrong_mask(w, h, 3, 0.0f);
    const chip_params p{.x = 10, .y = 10, .radius = 5};
    CHECK_THROWS_AS(render_chip(im, mask, p, wrong_channels), ias::error);
    CHECK_THROWS_AS(render_chip(im, wrong_mask, p), std::invalid_argument);
    CHECK_THROWS_WITH(render_chip(im, mask, p, wrong_size),
                      Catch::Contains("ias::render_chip") && Catch::Contains("51x40x1") && Catch::Contains("50x40"));
    CHECK(*std::max_element(mask.data(), mask.data() + mask.size()) == 0.0f);
    // A radius of zero draws nothing.
    render_chip(im, mask, {.x = 10, .y = 10, .radius = 0});
    CHECK(*std::max_element(mask.data(), mask.data() + mask.size()) == 0.0f);
}
