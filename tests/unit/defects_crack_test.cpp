// SPDX-License-Identifier: MIT
// Procedural cracks and dents: geometry, shading, the mask matching the change, determinism and clipping.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include <ias/defects/crack.hpp>
#include <ias/defects/dent.hpp>

#include "defect_checks.hpp"

using namespace ias;

namespace {
constexpr float pi = std::numbers::pi_v<float>;

/// Requires the mask to be non-zero exactly where any channel of `im` differs from `base`.
void require_mask_is_change(const image<float>& im, const image<float>& mask, float base) {
    for (int y = 0; y < im.height(); ++y)
        for (int x = 0; x < im.width(); ++x) {
            bool changed = false;
            for (int c = 0; c < im.channels(); ++c) changed = changed || im(x, y, c) != base;
            if ((mask(x, y) > 0.0f) != changed) FAIL("mask " << mask(x, y) << " at " << x << ", " << y << " but changed " << changed);
        }
}

crack_params test_crack(std::uint32_t seed, float branch_probability) {
    rng_stream rng(21, seed);
    return {.x = 200, .y = 200, .angle = rng.uniform(-pi, pi), .length = 120, .width = 3, .contrast = 0.2f,
            .branch_probability = branch_probability, .walk = rng_stream(77, seed)};
}
}  // namespace

TEST_CASE("defect crack is one 8-connected piece and its mask is where it changed the image", "[defects]") {
    for (const float branching : {0.0f, 0.05f, 0.3f}) {
        for (std::uint32_t seed = 0; seed < 12; ++seed) {
            crack_params p = test_crack(seed, branching);
            p.softness = seed % 3 == 0 ? 1.0f : 0.3f;
            image<float> im(400, 400, 1, 0.5f), mask(400, 400, 1, 0.0f);
            render_crack(im, mask, p);
            INFO("seed " << seed << " branching " << branching);
            REQUIRE(ias_test::components_above(mask, std::nextafter(0.5f, 0.0f)) == 1);
            require_mask_is_change(im, mask, 0.5f);
            // The core darkens; only the lit band brightens, by at most highlight × contrast.
            float lowest = 1, highest = 0;
            for (std::size_t i = 0; i < im.size(); ++i) lowest = std::min(lowest, im.data()[i]), highest = std::max(highest, im.data()[i]);
            CHECK(lowest >= 0.5f - 0.2f - 1e-6f);
            if (p.softness < 0.5f) CHECK(lowest == Approx(0.5f - 0.2f).margin(1e-6));  // a hard core reaches full coverage
            CHECK(highest > 0.5f);
            CHECK(highest <= 0.5f + 0.3f * 0.2f + 1e-6f);
        }
    }
}

TEST_CASE("defect crack main path has the requested length", "[defects]") {
    std::vector<crack_point> points;
    for (std::uint32_t seed = 0; seed < 20; ++seed) {
        crack_params p = test_crack(seed, 0.2f);
        p.length = 40.0f + 9.0f * float(seed);
        trace_crack(p, points);
        float along = 0;
        int steps = 0;
        for (std::size_t i = 0; i + 1 < points.size() && points[i + 1].path == 0; ++i, ++steps)
            along += std::hypot(points[i + 1].x - points[i].x, points[i + 1].y - points[i].y);
        CHECK(float(steps) * p.step == Approx(p.length).epsilon(0.1));
        CHECK(along == Approx(p.length).epsilon(0.1));
        REQUIRE((points[0].x == p.x && points[0].y == p.y && points[0].width == p.width));
        // Jagged but directed: the end lies well away from the start.
        CHECK(std::hypot(points[std::size_t(steps)].x - p.x, points[std::size_t(steps)].y - p.y) > 0.5f * p.length);
    }
}

TEST_CASE("defect crack is wider at its start than near its tip", "[defects]") {
    std::vector<crack_point> points;
    for (std::uint32_t seed = 0; seed < 8; ++seed) {
        crack_params p = test_crack(seed, 0.0f);
        p.width = 5;
        image<float> im(400, 400, 1, 0.5f), mask(400, 400, 1, 0.0f);
        render_crack(im, mask, p);
        trace_crack(p, points);
        REQUIRE(points.back().width == Approx(p.tip_width));
        // Each changed pixel's darkening goes to the nearest vertex; compare the first and the
        // last fifth of the steps.
        const std::size_t n = points.size(), fifth = n / 5;
        double first = 0, last = 0;
        for (int y = 0; y < 400; ++y)
            for (int x = 0; x < 400; ++x) {
                if (im(x, y) >= 0.5f) continue;
                std::size_t nearest = 0;
                float best = 1e9f;
                for (std::size_t i = 0; i < n; ++i) {
                    const float d = std::hypot(float(x) + 0.5f - points[i].x, float(y) + 0.5f - points[i].y);
                    if (d < best) best = d, nearest = i;
                }
                if (nearest < fifth) first += 0.5 - im(x, y);
                if (nearest >= n - fifth) last += 0.5 - im(x, y);
            }
        INFO("seed " << seed << ": darkening " << first << " near the start, " << last << " near the tip");
        CHECK(first > 3.0 * last);
    }
}

TEST_CASE("defect crack branches only when its branch probability allows", "[defects]") {
    std::vector<crack_point> straight, branched;
    int with_branches = 0;
    for (std::uint32_t seed = 0; seed < 20; ++seed) {
        trace_crack(test_crack(seed, 0.0f), straight);
        for (const crack_point& q : straight) REQUIRE(q.path == 0);
        crack_params p = test_crack(seed, 0.5f);
        trace_crack(p, branched);
        int paths = 1;
        for (std::size_t i = 0; i < branched.size(); ++i) {
            const crack_point& q = branched[i];
            REQUIRE((q.depth >= 0 && q.depth <= 2 && q.path <= p.max_branches));
            // The main path does not depend on the branch probability.
            if (q.path == 0) REQUIRE((q.x == straight[i].x && q.y == straight[i].y));
            if (i > 0 && q.path != branched[i - 1].path) {
                ++paths;
                REQUIRE(q.depth > 0);
                // A branch starts on a vertex of an earlier path, with a smaller width.
                const bool attached = std::any_of(branched.begin(), branched.begin() + std::ptrdiff_t(i), [&](const crack_point& o) {
                    return o.path < q.path && o.x == q.x && o.y == q.y && o.width > q.width;
                });
                REQUIRE(attached);
            }
        }
        with_branches += paths > 1;
        // A branched crack renders darker pixels than its straight version.
        image<float> a(400, 400, 1, 0.5f), b(400, 400, 1, 0.5f), ma(400, 400, 1, 0.0f), mb(400, 400, 1, 0.0f);
        render_crack(a, ma, test_crack(seed, 0.0f));
        render_crack(b, mb, p);
        const auto covered = [](const image<float>& m) { return std::count_if(m.data(), m.data() + m.size(), [](float v) { return v > 0; }); };
        if (paths > 1) CHECK(covered(mb) > covered(ma));
    }
    CHECK(with_branches >= 18);
}

TEST_CASE("defect crack highlight is on the edge away from the light", "[defects]") {
    // A straight horizontal crack lit from above: the band lies below the dark core.
    image<float> im(120, 60, 1, 0.5f), mask(120, 60, 1, 0.0f);
    render_crack(im, mask, {.x = 10, .y = 30, .angle = 0, .length = 100, .width = 3, .contrast = 0.2f, .branch_probability = 0,
                            .jitter = 0, .light = -pi / 2});
    int brighter = 0;
    for (int y = 0; y < 60; ++y)
        for (int x = 0; x < 120; ++x)
            if (im(x, y) > 0.5f) {
                ++brighter;
                REQUIRE(float(y) + 0.5f > 30.0f);  // the pixel's centre lies below the crack
                REQUIRE(mask(x, y) <= 0.3f);  // a faint band, not part of the core
            }
    CHECK(brighter > 60);
    CHECK(im(40, 29) == Approx(0.3f).margin(1e-6));  // full coverage on the centre line
    CHECK(mask(40, 29) == 1.0f);

    // A bright crack inverts both: the core brightens and the band darkens.
    image<float> inv(120, 60, 1, 0.5f), inv_mask(120, 60, 1, 0.0f);
    render_crack(inv, inv_mask, {.x = 10, .y = 30, .angle = 0, .length = 100, .width = 3, .contrast = 0.2f, .branch_probability = 0,
                                 .jitter = 0, .light = -pi / 2, .bright = true});
    for (int y = 0; y < 60; ++y)
        for (int x = 0; x < 120; ++x) REQUIRE(inv(x, y) - 0.5f == Approx(0.5f - im(x, y)).margin(1e-6));
}

TEST_CASE("defect crack is deterministic and differs between streams", "[defects]") {
    const auto spec = defect_spec::of(defect_type::crack);
    const auto draw = [&](std::uint32_t index, int channels) {
        rng_stream rng(5, index);
        image<float> im(160, 128, channels, 0.5f), mask(160, 128, 1, 0.0f);
        render_crack(im, mask, sample_crack(spec, {80, 64, 0}, 160, 128, rng));
        return std::vector<float>(im.data(), im.data() + im.size());
    };
    CHECK(draw(3, 1) == draw(3, 1));
    CHECK(draw(3, 3) == draw(3, 3));
    CHECK(draw(3, 1) != draw(4, 1));
    // Three channels change alike.
    const std::vector<float> grey = draw(6, 1), rgb = draw(6, 3);
    for (std::size_t i = 0; i < grey.size(); ++i) REQUIRE((rgb[3 * i] == grey[i] && rgb[3 * i + 2] == grey[i]));
}

TEST_CASE("defect crack clips at the image border in one and three channels", "[defects]") {
    for (const int channels : {1, 3})
        for (std::uint32_t seed = 0; seed < 16; ++seed) {
            rng_stream rng(9, seed);
            const float sx = seed % 4 == 0 ? 0.0f : seed % 4 == 1 ? 63.9f : seed % 4 == 2 ? -30.0f : 200.0f;
            crack_params p{.x = sx, .y = rng.uniform(-5.0f, 50.0f), .angle = rng.uniform(-pi, pi), .length = 80, .width = 4,
                           .contrast = 0.2f, .branch_probability = 0.2f, .softness = 1.0f, .walk = rng_stream(3, seed)};
            image<float> im(64, 48, channels, 0.5f), mask(64, 48, 1, 0.0f);
            render_crack(im, mask, p);
            require_mask_is_change(im, mask, 0.5f);
        }
    image<float> im(8, 8, 3, 0.5f), bad_mask(8, 8, 3, 0.0f);
    CHECK_THROWS_AS(render_crack(im, bad_mask, crack_params{.length = 5}), std::invalid_argument);
}

TEST_CASE("defect crack parameters follow the spec", "[defects]") {
    auto spec = defect_spec::of(defect_type::crack);
    for (std::uint32_t i = 0; i < 100; ++i) {
        rng_stream rng(8, i);
        const crack_params p = sample_crack(spec, {150, 100, 0}, 300, 200, rng);
        REQUIRE((p.length >= spec.size.min * 200 && p.length <= spec.size.max * 200));
        REQUIRE((p.width >= spec.thickness.min && p.width <= spec.thickness.max));
        REQUIRE((p.contrast >= spec.contrast.min && p.contrast <= spec.contrast.max));
        REQUIRE((p.branch_probability > 0.0f && p.branch_probability < 0.05f));
        REQUIRE(!p.bright);  // the crack's default polarity is dark
        // Centred on the site.
        REQUIRE(p.x + 0.5f * p.length * std::cos(p.angle) == Approx(150.0f).margin(1e-3));
    }
    spec.polarity = defect_polarity::bright;
    spec.orientation = 90.0f;
    spec.location = defect_location::object_edge;
    for (std::uint32_t i = 0; i < 50; ++i) {
        rng_stream rng(8, i);
        const crack_params p = sample_crack(spec, {20, 30, 1.0f}, 300, 200, rng);
        REQUIRE(p.bright);
        REQUIRE(std::abs(p.angle - pi / 2) <= 10.01f * pi / 180);
        REQUIRE((p.x == 20.0f && p.y == 30.0f));  // an edge crack starts at the edge
    }
    // Without an orientation, an edge crack runs into the object.
    spec.orientation.reset();
    for (std::uint32_t i = 0; i < 50; ++i) {
        rng_stream rng(8, i);
        const crack_params p = sample_crack(spec, {20, 30, 0.0f}, 300, 200, rng);
        REQUIRE(std::cos(p.angle) < -0.8f);  // outward is +x, so inward is −x, ± 30°
    }
    // Two cracks drawn one after the other from one stream walk differently.
    rng_stream rng(8, 0);
    const crack_params a = sample_crack(spec, {20, 30, 0.0f}, 300, 200, rng);
    const crack_params b = sample_crack(spec, {20, 30, 0.0f}, 300, 200, rng);
    CHECK(!(a.walk == b.walk));
}

TEST_CASE("defect dent changes nothing outside its radius and its mask is where it changed", "[defects]") {
    for (const float aspect : {1.0f, 0.6f})
        for (const int channels : {1, 3}) {
            const dent_params p{.x = 60, .y = 50, .radius = 30, .aspect = aspect, .angle = 0.4f, .contrast = 0.2f, .light_azimuth = 2.0f};
            image<float> im(128, 100, channels, 0.5f), mask(128, 100, 1, 0.0f);
            render_dent(im, mask, p);
            require_mask_is_change(im, mask, 0.5f);
            int inside = 0;
            float strongest = 0;
            for (int y = 0; y < 100; ++y)
                for (int x = 0; x < 128; ++x) {
                    if (std::hypot(float(x) + 0.5f - p.x, float(y) + 0.5f - p.y) >= p.radius) {
                        REQUIRE(mask(x, y) == 0.0f);
                        REQUIRE(im(x, y, channels - 1) == 0.5f);
                    } else {
                        inside += mask(x, y) > 0.0f;
                    }
                    strongest = std::max(strongest, std::abs(im(x, y) - 0.5f));
                }
            CHECK(inside > int(0.5f * pi * 30 * 30 * aspect));
            CHECK(strongest <= 0.2f + 1e-6f);  // contrast is the largest change
            CHECK(strongest >= 0.9f * 0.2f);
        }
}

TEST_CASE("defect dent and bump are mirror images and antisymmetric along the light", "[defects]") {
    for (const float azimuth : {0.0f, 1.0f, -2.5f, 3.0f})
        for (const float aspect : {1.0f, 0.7f}) {
            INFO("azimuth " << azimuth << " aspect " << aspect);
            // The centre on a pixel centre, so that pixels pair up by point reflection.
            dent_params p{.x = 64.5f, .y = 64.5f, .radius = 40, .aspect = aspect, .angle = 0.7f, .contrast = 0.25f,
                          .light_azimuth = azimuth};
            image<float> dent(129, 129, 1, 0.5f), bump(129, 129, 1, 0.5f), dm(129, 129, 1, 0.0f), bm(129, 129, 1, 0.0f);
            render_dent(dent, dm, p);
            p.bump = true;
            render_dent(bump, bm, p);
            for (int y = 0; y < 129; ++y)
                for (int x = 0; x < 129; ++x) {
                    const float d = dent(x, y) - 0.5f, b = bump(x, y) - 0.5f;
                    REQUIRE(d == Approx(-b).margin(1e-6));
                    REQUIRE((d == 0.0f) == (b == 0.0f));
                    REQUIRE(dm(x, y) == Approx(bm(x, y)).margin(1e-4));
                    // Point reflection through the centre flips the shading.
                    REQUIRE(d == Approx(-(dent(128 - x, 128 - y) - 0.5f)).margin(1e-6));
                }
            // A dent's wall nearer the light darkens, its far wall brightens; a bump the reverse.
            const int nx = int(std::floor(p.x + 20 * std::cos(azimuth))), ny = int(std::floor(p.y + 20 * std::sin(azimuth)));
            const int fx = int(std::floor(p.x - 20 * std::cos(azimuth))), fy = int(std::floor(p.y - 20 * std::sin(azimuth)));
            CHECK(dent(nx, ny) < 0.5f);
            CHECK(dent(fx, fy) > 0.5f);
            CHECK(bump(nx, ny) > 0.5f);
            CHECK(bump(fx, fy) < 0.5f);
        }
}

TEST_CASE("defect dent parameters follow the spec", "[defects]") {
    auto spec = defect_spec::of(defect_type::dent);
    float lowest = pi, highest = -pi;
    for (std::uint32_t i = 0; i < 200; ++i) {
        rng_stream rng(8, i);
        const dent_params p = sample_dent(spec, {15, 25, 0}, 300, 200, rng);
        REQUIRE((p.radius >= spec.size.min * 100 && p.radius <= spec.size.max * 100));
        REQUIRE((p.aspect >= 0.6f && p.aspect <= 1.0f));
        REQUIRE((p.contrast >= spec.contrast.min && p.contrast <= spec.contrast.max));
        REQUIRE((p.light_azimuth >= -pi && p.light_azimuth < pi));
        REQUIRE(p.light_elevation == Approx(pi / 4));
        REQUIRE((p.x == 15.0f && p.y == 25.0f && !p.bump));
        lowest = std::min(lowest, p.light_azimuth), highest = std::max(highest, p.light_azimuth);
    }
    CHECK((lowest < -2.5f && highest > 2.5f));  // the light comes from every side
    spec.polarity = defect_polarity::bright;
    spec.orientation = 30.0f;
    rng_stream rng(8, 1);
    const dent_params bump = sample_dent(spec, {15, 25, 0}, 300, 200, rng);
    CHECK(bump.bump);
    CHECK(bump.angle == Approx(pi / 6));
    spec.polarity = defect_polarity::any;
    CHECK(!sample_dent(spec, {15, 25, 0}, 300, 200, rng).bump);
}

TEST_CASE("defect dent is deterministic and clips at the image border", "[defects]") {
    const auto spec = defect_spec::of(defect_type::dent);
    const auto draw = [&](std::uint32_t index, int channels) {
        rng_stream rng(5, index);
        image<float> im(96, 80, channels, 0.5f), mask(96, 80, 1, 0.0f);
        render_dent(im, mask, sample_dent(spec, {40, 30, 0}, 96, 80, rng));
        return std::vector<float>(im.data(), im.data() + im.size());
    };
    CHECK(draw(2, 3) == draw(2, 3));
    CHECK(draw(2, 1) != draw(3, 1));
    for (const int channels : {1, 3})
        for (const auto& [cx, cy] : {std::pair{0.0f, 0.0f}, {63.9f, 47.9f}, {-20.0f, 10.0f}, {90.0f, 90.0f}, {32.0f, -40.0f}}) {
            image<float> im(64, 48, channels, 0.5f), mask(64, 48, 1, 0.0f);
            render_dent(im, mask, {.x = cx, .y = cy, .radius = 30, .aspect = 0.8f, .contrast = 0.3f, .light_azimuth = 0.3f});
            require_mask_is_change(im, mask, 0.5f);
        }
    image<float> im(8, 8, 1, 0.5f), bad_mask(9, 8, 1, 0.0f);
    CHECK_THROWS_AS(render_dent(im, bad_mask, dent_params{}), std::invalid_argument);
}
