// Procedural blob defects (pore, stain, particle): geometry, mask consistency, spec ranges, determinism, clipping.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <vector>

#include <ias/defects/particle.hpp>
#include <ias/defects/placement.hpp>
#include <ias/defects/pore.hpp>
#include <ias/defects/stain.hpp>

#include "defect_checks.hpp"

using namespace ias;

namespace {

constexpr float pi = std::numbers::pi_v<float>;

/// Distance from the centre of pixel (x, y) to (cx, cy).
float distance(int x, int y, float cx, float cy) { return std::hypot(float(x) + 0.5f - cx, float(y) + 0.5f - cy); }

/// Whether the mask is positive exactly where some channel of `im` differs from `background`.
bool mask_matches_change(const image<float>& im, const image<float>& mask, float background) {
    for (int y = 0; y < im.height(); ++y)
        for (int x = 0; x < im.width(); ++x) {
            bool changed = false;
            for (int c = 0; c < im.channels(); ++c) changed = changed || im(x, y, c) != background;
            if ((mask(x, y) > 0.0f) != changed) return false;
        }
    return true;
}

/// Renders one defect of `spec` sampled from `rng` at `site`.
void render_kind(const defect_spec& spec, const defect_site& site, image<float>& im, image<float>& mask, rng_stream& rng) {
    const int w = im.width(), h = im.height();
    switch (spec.kind) {
        case defect_type::pore: render_pore(im, mask, sample_pore(spec, site, w, h, rng)); break;
        case defect_type::stain: render_stain(im, mask, sample_stain(spec, site, w, h, rng)); break;
        default: render_particle(im, mask, sample_particle(spec, site, w, h, rng)); break;
    }
}

constexpr std::array<defect_type, 3> blob_kinds{defect_type::pore, defect_type::stain, defect_type::particle};

}  // namespace

TEST_CASE("defect pore is a bowl-shaped disk of its radius with a bright rim", "[defects][pore]") {
    image<float> im(100, 100, 1, 0.5f), mask(100, 100, 1, 0.0f);
    const pore_params p{.x = 50.5f, .y = 50.5f, .rx = 10, .ry = 10, .angle = 0.4f, .depth = 0.3f, .rim_width = 2.5f,
                        .rim_contrast = 0.12f, .bright = false, .softness = 0.2f};
    render_pore(im, mask, p);
    const float edge = 1.0f;  // max(1, 3 · softness)
    // The pit: masked and darker. The rim: masked and brighter. Nothing else changes.
    int pit = 0, rim = 0, darkest_x = 0, darkest_y = 0;
    for (int y = 0; y < 100; ++y)
        for (int x = 0; x < 100; ++x) {
            const float d = distance(x, y, p.x, p.y);
            if (mask(x, y) >= 0.5f && im(x, y) < 0.5f) ++pit;
            if (im(x, y) < im(darkest_x, darkest_y)) darkest_x = x, darkest_y = y;
            if (d > 10 + 0.5f * edge + 0.3f && d < 10 + 0.5f * edge + 2.5f - 0.3f) {
                ++rim;
                REQUIRE(im(x, y) > 0.5f);  // the ring is brighter than the background
                REQUIRE(mask(x, y) > 0.0f);
                REQUIRE(im(x, y) <= 0.5f + 0.12f + 1e-6f);
            }
            if (d < 10 - 0.5f * edge) REQUIRE(mask(x, y) == 1.0f);
            if (d > 10 + 0.5f * edge + 2.5f + 0.01f) REQUIRE((mask(x, y) == 0.0f && im(x, y) == 0.5f));
        }
    CHECK(std::abs(float(pit) - pi * 100.0f) <= 0.15f * pi * 100.0f);
    CHECK(rim > 100);
    CHECK(std::abs(darkest_x - 50) <= 1);
    CHECK(std::abs(darkest_y - 50) <= 1);
    CHECK(im(50, 50) == Approx(0.5f - 0.3f).margin(2e-3));  // full depth at the centre
    CHECK(mask_matches_change(im, mask, 0.5f));
    // The floor deepens toward the centre along a radius.
    for (int x = 51; x < 58; ++x) CHECK(im(x, 50) >= im(x - 1, 50));

    // Bright polarity inverts it: a bright bump with a dark rim.
    image<float> bump(100, 100, 3, 0.5f), bump_mask(100, 100, 1, 0.0f);
    pore_params q = p;
    q.bright = true;
    render_pore(bump, bump_mask, q);
    CHECK(bump(50, 50, 1) == Approx(0.8f).margin(2e-3));
    CHECK(bump(50 + 12, 50, 2) < 0.5f);
    CHECK(mask_matches_change(bump, bump_mask, 0.5f));
}

TEST_CASE("defect pore ellipse follows its axes and angle", "[defects][pore]") {
    const auto extents = [](float angle) {
        image<float> im(100, 100, 1, 0.5f), mask(100, 100, 1, 0.0f);
        render_pore(im, mask, {.x = 50.0f, .y = 50.0f, .rx = 14, .ry = 7, .angle = angle, .depth = 0.3f, .rim_width = 2,
                               .rim_contrast = 0.1f, .bright = false, .softness = 0.0f});
        int xmin = 100, xmax = -1, ymin = 100, ymax = -1;
        for (int y = 0; y < 100; ++y)
            for (int x = 0; x < 100; ++x)
                if (mask(x, y) >= 0.5f && im(x, y) < 0.5f)
                    xmin = std::min(xmin, x), xmax = std::max(xmax, x), ymin = std::min(ymin, y), ymax = std::max(ymax, y);
        return std::array<int, 2>{xmax - xmin + 1, ymax - ymin + 1};
    };
    const auto flat = extents(0.0f);
    CHECK(flat[0] == Approx(28).margin(1));
    CHECK(flat[1] == Approx(14).margin(1));
    const auto upright = extents(pi / 2);
    CHECK(upright[0] == Approx(14).margin(1));
    CHECK(upright[1] == Approx(28).margin(1));
    const auto diagonal = extents(pi / 4);  // both extents are 2·√((rx² + ry²)/2) ≈ 22.1
    CHECK(diagonal[0] == Approx(22).margin(1.5));
    CHECK(diagonal[1] == Approx(22).margin(1.5));
}

TEST_CASE("defect stain is one soft connected blob of its size", "[defects][stain]") {
    auto spec = defect_spec::of(defect_type::stain);
    spec.size = {0.3f, 0.3f};  // radius 30 on 200 × 200
    const float r = 30.0f;
    for (std::uint32_t i = 0; i < 20; ++i) {
        rng_stream rng(11, i);
        image<float> im(200, 200, 1, 0.5f), mask(200, 200, 1, 0.0f);
        const stain_params p = sample_stain(spec, {100.0f, 100.0f, 0.0f}, 200, 200, rng);
        REQUIRE(p.radius == Approx(r));
        render_stain(im, mask, p);
        REQUIRE(ias_test::components_above(mask, 0.0f) == 1);
        REQUIRE(mask_matches_change(im, mask, 0.5f));
        int area = 0, inner = 0, outer = 0;
        double inner_sum = 0, outer_sum = 0;
        for (int y = 0; y < 200; ++y)
            for (int x = 0; x < 200; ++x) {
                area += mask(x, y) >= 0.5f;
                const float d = distance(x, y, 100.0f, 100.0f);
                if (d < 0.5f * r) ++inner, inner_sum += mask(x, y);
                if (d >= 0.8f * r && d < 1.3f * r) ++outer, outer_sum += mask(x, y);
                // Intensity shift: ±contrast × coverage, exactly.
                REQUIRE(im(x, y) == Approx(0.5f + (p.bright ? 1.0f : -1.0f) * p.contrast * mask(x, y)).margin(1e-6));
            }
        CHECK(float(area) >= 0.4f * pi * r * r);
        CHECK(float(area) <= 1.6f * pi * r * r);
        CHECK(inner_sum / inner > outer_sum / outer);
        CHECK(inner_sum / inner > 0.6);
    }
    // An exact ellipse with zero roughness: the half-coverage contour is the ellipse.
    image<float> im(200, 200, 1, 0.5f), mask(200, 200, 1, 0.0f);
    render_stain(im, mask, {.x = 100, .y = 100, .radius = 40, .aspect = 0.5f, .angle = 0, .contrast = 0.1f, .softness = 0.0f,
                            .roughness = 0.0f});
    int xmin = 200, xmax = -1, ymin = 200, ymax = -1;
    for (int y = 0; y < 200; ++y)
        for (int x = 0; x < 200; ++x)
            if (mask(x, y) >= 0.5f)
                xmin = std::min(xmin, x), xmax = std::max(xmax, x), ymin = std::min(ymin, y), ymax = std::max(ymax, y);
    CHECK(xmax - xmin + 1 == Approx(80).margin(1));
    CHECK(ymax - ymin + 1 == Approx(40).margin(1));
}

TEST_CASE("defect stain colour blends toward the colour or its luminance", "[defects][stain]") {
    const std::array<float, 3> rust{0.9f, 0.3f, 0.1f};
    const stain_params p{.x = 50, .y = 50, .radius = 20, .contrast = 0.2f, .colour = rust, .softness = 0.5f, .roughness = 0.2f,
                         .mottle = 0.2f};
    image<float> rgb(100, 100, 3, 0.5f), mask(100, 100, 1, 0.0f);
    render_stain(rgb, mask, p);
    CHECK(mask_matches_change(rgb, mask, 0.5f));
    int moved = 0;
    for (int y = 0; y < 100; ++y)
        for (int x = 0; x < 100; ++x) {
            const float w = std::min(1.0f, 2.0f * 0.2f * mask(x, y));
            for (int c = 0; c < 3; ++c) {
                REQUIRE(std::abs(rgb(x, y, c) - rust[std::size_t(c)]) <= std::abs(0.5f - rust[std::size_t(c)]) + 1e-6f);
                REQUIRE(rgb(x, y, c) == Approx(0.5f + w * (rust[std::size_t(c)] - 0.5f)).margin(1e-6));
            }
            moved += mask(x, y) > 0.0f;
        }
    CHECK(moved > 400);
    CHECK(rgb(50, 50, 0) > 0.6f);
    CHECK(rgb(50, 50, 2) < 0.4f);

    // A grey image moves toward the colour's luminance.
    const float luminance = 0.299f * 0.9f + 0.587f * 0.3f + 0.114f * 0.1f;
    image<float> grey(100, 100, 1, 0.5f), grey_mask(100, 100, 1, 0.0f);
    render_stain(grey, grey_mask, p);
    for (int y = 0; y < 100; ++y)
        for (int x = 0; x < 100; ++x) {
            REQUIRE(grey_mask(x, y) == mask(x, y));
            const float w = std::min(1.0f, 2.0f * 0.2f * grey_mask(x, y));
            REQUIRE(grey(x, y) == Approx(0.5f + w * (luminance - 0.5f)).margin(1e-6));
        }
    CHECK(grey(50, 50) < 0.5f);

    // RGBA: the fourth channel is left alone.
    image<float> rgba(100, 100, 4, 0.5f), rgba_mask(100, 100, 1, 0.0f);
    render_stain(rgba, rgba_mask, p);
    for (int y = 0; y < 100; ++y)
        for (int x = 0; x < 100; ++x) REQUIRE(rgba(x, y, 3) == 0.5f);
}

TEST_CASE("defect particle is a hard solid polygon with a faint shadow", "[defects][particle]") {
    image<float> im(60, 60, 1, 0.5f), mask(60, 60, 1, 0.0f);
    particle_params p{.x = 30, .y = 30, .radius = 6, .contrast = 0.3f, .softness = 0.1f};
    render_particle(im, mask, p);
    CHECK(im(29, 29) == Approx(0.2f).margin(1e-6));  // the centre: background − contrast
    CHECK(im(30, 30) == Approx(0.2f).margin(1e-6));
    int area = 0;
    for (int y = 0; y < 60; ++y)
        for (int x = 0; x < 60; ++x) {
            area += mask(x, y) >= 0.5f;
            REQUIRE(im(x, y) == Approx(0.5f - 0.3f * mask(x, y)).margin(1e-6));  // hard fill at the coverage
        }
    CHECK(float(area) == Approx(1.5f * std::sqrt(3.0f) * 36.0f).epsilon(0.1));  // a regular hexagon
    CHECK(mask_matches_change(im, mask, 0.5f));

    // Bright, with a shadow offset to the right: the shadow is darker than the surface.
    image<float> rgb(60, 60, 3, 0.5f), rgb_mask(60, 60, 1, 0.0f);
    p.bright = true, p.shadow = 0.3f, p.shadow_dx = 2.5f, p.shadow_dy = 0.0f;
    render_particle(rgb, rgb_mask, p);
    CHECK(rgb(30, 30, 0) == Approx(0.8f).margin(1e-6));
    CHECK(rgb(37, 30, 1) < 0.5f);
    CHECK(rgb(37, 30, 1) >= 0.5f - 0.3f * 0.3f - 1e-6f);
    CHECK(rgb(22, 30, 1) == 0.5f);
    CHECK(mask_matches_change(rgb, rgb_mask, 0.5f));

    // A colour fill: the centre takes the colour.
    image<float> tinted(60, 60, 3, 0.5f), tinted_mask(60, 60, 1, 0.0f);
    p.colour = std::array<float, 3>{0.8f, 0.7f, 0.2f};
    render_particle(tinted, tinted_mask, p);
    CHECK(tinted(30, 30, 0) == 0.8f);
    CHECK(tinted(30, 30, 2) == 0.2f);
    CHECK(mask_matches_change(tinted, tinted_mask, 0.5f));

    // On a textured surface the fill is solid: the surface's mean ± contrast.
    image<float> stripes(60, 60, 1), stripes_mask(60, 60, 1, 0.0f);
    for (int y = 0; y < 60; ++y)
        for (int x = 0; x < 60; ++x) stripes(x, y) = x % 2 ? 0.6f : 0.4f;
    render_particle(stripes, stripes_mask, {.x = 30, .y = 30, .radius = 6, .contrast = 0.3f, .softness = 0.1f});
    CHECK(stripes(29, 30) == stripes(30, 30));
    CHECK(stripes(30, 30) == Approx(0.2f).margin(0.01));  // the box holds one stripe more of one shade
}

TEST_CASE("defect particle area follows the spec", "[defects][particle]") {
    auto spec = defect_spec::of(defect_type::particle);
    spec.size = {0.04f, 0.06f};
    for (std::uint32_t i = 0; i < 50; ++i) {
        rng_stream rng(12, i);
        particle_params p = sample_particle(spec, {100.0f, 100.0f, 0.0f}, 200, 200, rng);
        p.shadow = 0.0f;
        REQUIRE((p.radius >= 4.0f && p.radius <= 6.0f));
        REQUIRE((p.vertices >= 5 && p.vertices <= 9));
        image<float> im(200, 200, 1, 0.5f), mask(200, 200, 1, 0.0f);
        render_particle(im, mask, p);
        // The polygon's own area (shoelace) and the bounds of any 5–9-gon with radii within ±30 %.
        double shoelace = 0;
        for (int k = 0; k < p.vertices; ++k) {
            const int j = (k + 1) % p.vertices;
            const float ak = p.rotation + 2 * pi * float(k) / float(p.vertices) + p.angle_jitter[std::size_t(k)];
            const float aj = p.rotation + 2 * pi * float(j) / float(p.vertices) + p.angle_jitter[std::size_t(j)];
            shoelace += 0.5 * p.radius * p.radius * p.radius_scale[std::size_t(k)] * p.radius_scale[std::size_t(j)] *
                        std::sin(aj - ak + (j == 0 ? 2 * pi : 0.0f));
        }
        int area = 0;
        for (int y = 0; y < 200; ++y)
            for (int x = 0; x < 200; ++x) {
                area += mask(x, y) >= 0.5f;
                if (distance(x, y, 100.0f, 100.0f) > 1.3f * p.radius + 1.0f) REQUIRE(mask(x, y) == 0.0f);
            }
        REQUIRE(std::abs(area - shoelace) <= 0.12 * shoelace + 3.0);
        REQUIRE(area >= 0.8 * p.radius * p.radius);
        REQUIRE(float(area) <= pi * 1.69f * p.radius * p.radius);
    }
}

TEST_CASE("defect blobs change exactly their mask on 1 and 3 channels", "[defects]") {
    for (const defect_type kind : blob_kinds) {
        auto spec = defect_spec::of(kind);
        spec.contrast = {0.05f, 0.3f};  // no clamping on mid-grey
        spec.polarity = defect_polarity::any;
        for (std::uint32_t i = 0; i < 30; ++i) {
            const int w = 160, h = 120;
            const image<float> none;
            image<float> grey(w, h, 1, 0.5f), grey_mask(w, h, 1, 0.0f), rgb(w, h, 3, 0.5f), rgb_mask(w, h, 1, 0.0f);
            rng_stream a(13, i), b(13, i);
            render_kind(spec, place_defect(spec, none, w, h, a), grey, grey_mask, a);
            render_kind(spec, place_defect(spec, none, w, h, b), rgb, rgb_mask, b);
            INFO(to_string(kind) << " sample " << i);
            REQUIRE(mask_matches_change(grey, grey_mask, 0.5f));
            REQUIRE(mask_matches_change(rgb, rgb_mask, 0.5f));
            REQUIRE(std::equal(grey_mask.data(), grey_mask.data() + grey_mask.size(), rgb_mask.data()));
            bool any = false;
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w; ++x) {
                    any = any || grey_mask(x, y) > 0.0f;
                    for (int c = 0; c < 3; ++c) REQUIRE(rgb(x, y, c) == grey(x, y));  // every channel alike
                }
            REQUIRE(any);
        }
    }
}

TEST_CASE("defect blob parameters follow the spec", "[defects]") {
    const int w = 300, h = 200;
    const defect_site site{10, 20, 0};
    for (const defect_polarity polarity : {defect_polarity::dark, defect_polarity::bright, defect_polarity::any}) {
        int pore_bright = 0, stain_bright = 0, particle_bright = 0;
        for (std::uint32_t i = 0; i < 100; ++i) {
            rng_stream rng(14, i);
            auto spec = defect_spec::of(defect_type::pore);
            spec.polarity = polarity;
            const pore_params po = sample_pore(spec, site, w, h, rng);
            REQUIRE((2 * po.rx >= spec.size.min * h && 2 * po.rx <= spec.size.max * h));
            REQUIRE((po.ry >= 0.6f * po.rx - 1e-5f && po.ry <= po.rx));
            REQUIRE((po.depth >= spec.contrast.min && po.depth <= spec.contrast.max));
            REQUIRE((po.rim_width >= 1.0f && po.rim_width <= std::max(1.0f, 0.3f * po.rx)));
            REQUIRE((po.rim_contrast >= 0.3f * po.depth && po.rim_contrast <= 0.5f * po.depth));
            REQUIRE((po.x == 10.0f && po.y == 20.0f && po.softness == spec.softness));
            pore_bright += po.bright;

            spec = defect_spec::of(defect_type::stain);
            spec.polarity = polarity;
            spec.colour = i % 2 ? std::optional<std::array<float, 3>>{} : std::array<float, 3>{0.2f, 0.4f, 0.6f};
            spec.orientation = 30.0f;
            const stain_params st = sample_stain(spec, site, w, h, rng);
            REQUIRE((2 * st.radius >= spec.size.min * h && 2 * st.radius <= spec.size.max * h));
            REQUIRE((st.contrast >= spec.contrast.min && st.contrast <= spec.contrast.max));
            REQUIRE(st.colour == spec.colour);
            REQUIRE((st.octaves >= 2 && st.octaves <= 4));
            REQUIRE(std::abs(st.angle - pi / 6) <= 5.01f * pi / 180);
            REQUIRE((st.aspect >= 0.7f && st.aspect <= 1.0f));
            for (const float v : st.boundary) REQUIRE((v >= -1.0f && v <= 1.0f));
            stain_bright += st.bright;

            spec = defect_spec::of(defect_type::particle);
            spec.polarity = polarity;
            spec.colour = i % 2 ? std::array<float, 3>{0.9f, 0.8f, 0.1f} : std::optional<std::array<float, 3>>{};
            const particle_params pa = sample_particle(spec, site, w, h, rng);
            REQUIRE((2 * pa.radius >= spec.size.min * h && 2 * pa.radius <= spec.size.max * h));
            REQUIRE((pa.contrast >= spec.contrast.min && pa.contrast <= spec.contrast.max));
            REQUIRE((pa.vertices >= 5 && pa.vertices <= 9));
            for (int k = 0; k < pa.vertices; ++k) {
                const float scale = pa.radius_scale[std::size_t(k)];
                REQUIRE((scale >= 0.7f && scale <= 1.3f));
            }
            REQUIRE(pa.colour == spec.colour);
            REQUIRE((pa.shadow == 0.0f || pa.shadow == Approx(0.3f)));
            if (pa.shadow > 0) {
                const float offset = std::hypot(pa.shadow_dx, pa.shadow_dy);
                REQUIRE(offset == Approx(0.3f * pa.radius).margin(0.051f * pa.radius));
            }
            particle_bright += pa.bright;
        }
        if (polarity == defect_polarity::dark) CHECK(pore_bright + stain_bright + particle_bright == 0);
        if (polarity == defect_polarity::bright) CHECK(pore_bright + stain_bright + particle_bright == 300);
        if (polarity == defect_polarity::any) {
            CHECK(pore_bright == 0);  // a pore is dark unless asked to be bright
            CHECK((stain_bright >= 10 && stain_bright <= 42));  // dark three times in four
            CHECK((particle_bright >= 30 && particle_bright <= 70));
        }
    }
}

TEST_CASE("defect blobs are deterministic and clip at the image border", "[defects]") {
    for (const defect_type kind : blob_kinds) {
        auto spec = defect_spec::of(kind);
        spec.size = {0.2f, 0.3f};
        const image<float> none;
        const int w = 90, h = 70;
        // The same stream gives the same bytes; another index gives others.
        image<float> a(w, h, 3, 0.5f), am(w, h, 1, 0.0f), b(w, h, 3, 0.5f), bm(w, h, 1, 0.0f);
        image<float> c(w, h, 3, 0.5f), cm(w, h, 1, 0.0f);
        rng_stream ra(15, 3), rb(15, 3), rc(15, 4);
        render_kind(spec, place_defect(spec, none, w, h, ra), a, am, ra);
        render_kind(spec, place_defect(spec, none, w, h, rb), b, bm, rb);
        render_kind(spec, place_defect(spec, none, w, h, rc), c, cm, rc);
        INFO(to_string(kind));
        CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
        CHECK(std::memcmp(am.data(), bm.data(), am.size() * sizeof(float)) == 0);
        CHECK(std::memcmp(a.data(), c.data(), a.size() * sizeof(float)) != 0);

        // Centred on the first and last pixels, and entirely outside: clipped, no crash.
        for (const defect_site site : {defect_site{0, 0, 0}, defect_site{float(w - 1), float(h - 1), 0}}) {
            for (const int channels : {1, 3}) {
                image<float> im(w, h, channels, 0.5f), mask(w, h, 1, 0.0f);
                rng_stream rng(16, std::uint32_t(channels));
                render_kind(spec, site, im, mask, rng);
                CHECK(mask(int(site.x), int(site.y)) > 0.0f);
                CHECK(mask_matches_change(im, mask, 0.5f));
            }
        }
        image<float> im(w, h, 1, 0.5f), mask(w, h, 1, 0.0f);
        rng_stream rng(17, 0);
        render_kind(spec, {-500.0f, 900.0f, 0}, im, mask, rng);
        CHECK(*std::max_element(mask.data(), mask.data() + mask.size()) == 0.0f);
        // A mask of the wrong shape is rejected.
        image<float> wrong(w, h, 3, 0.0f);
        rng_stream again(17, 0);
        CHECK_THROWS_AS(render_kind(spec, {10, 10, 0}, im, wrong, again), std::invalid_argument);
    }
}
