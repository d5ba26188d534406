// Procedural physical defects: placement by location, and the geometry of each kind.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

#include <ias/defects/placement.hpp>
#include <ias/defects/scratch.hpp>

using namespace ias;

namespace {
image<float> disk_foreground(int w, int h, float cx, float cy, float r) {
    image<float> fg(w, h, 1, 0.0f);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) fg(x, y) = std::hypot(float(x) + 0.5f - cx, float(y) + 0.5f - cy) <= r ? 1.0f : 0.0f;
    return fg;
}
}  // namespace

TEST_CASE("defect placement honours every location", "[defects]") {
    const image<float> none;
    auto spec = defect_spec::of(defect_type::pore);
    for (std::uint32_t i = 0; i < 200; ++i) {
        rng_stream rng(4, i);
        spec.location = defect_location::top;
        const defect_site top = place_defect(spec, none, 120, 80, rng);
        REQUIRE((top.y >= 0.0f && top.y < 20.0f && top.x >= 0.0f && top.x < 120.0f));
        spec.location = defect_location::right;
        REQUIRE(place_defect(spec, none, 120, 80, rng).x >= 90.0f);
        spec.location = defect_location::centre;
        const defect_site c = place_defect(spec, none, 120, 80, rng);
        REQUIRE((c.x >= 30.0f && c.x < 90.0f && c.y >= 20.0f && c.y < 60.0f));
        spec.location = defect_location::region;
        spec.region = {0.5f, 0.5f, 0.75f, 1.0f};
        const defect_site r = place_defect(spec, none, 120, 80, rng);
        REQUIRE((r.x >= 60.0f && r.x < 90.0f && r.y >= 40.0f && r.y <= 80.0f));
    }
    // On the object, and on its edge with the outward normal pointing away from the centre.
    const image<float> fg = disk_foreground(100, 100, 50.0f, 50.0f, 30.0f);
    for (std::uint32_t i = 0; i < 200; ++i) {
        rng_stream rng(5, i);
        spec.location = defect_location::foreground;
        const defect_site in = place_defect(spec, fg, 100, 100, rng);
        REQUIRE(fg(int(in.x), int(in.y)) == 1.0f);
        spec.location = defect_location::object_edge;
        const defect_site e = place_defect(spec, fg, 100, 100, rng);
        const float radius = std::hypot(e.x - 50.0f, e.y - 50.0f);
        REQUIRE(radius == Approx(30.0f).margin(1.6f));
        const float radial = std::atan2(e.y - 50.0f, e.x - 50.0f);
        float diff = std::abs(radial - e.outward);
        diff = std::min(diff, 2 * std::numbers::pi_v<float> - diff);
        REQUIRE(diff < 0.35f);  // 20°
    }
    // Without an object, the edge is the image's border, pointing out.
    rng_stream rng(6, 0);
    spec.location = defect_location::object_edge;
    const defect_site b = place_defect(spec, none, 64, 48, rng);
    CHECK((b.x <= 1.0f || b.y <= 1.0f || b.x >= 63.0f || b.y >= 47.0f));
    CHECK_THROWS_WITH(place_defect(spec, image<float>(10, 10, 1), 64, 48, rng), Catch::Contains("10x10x1"));
}

TEST_CASE("defect scratch has its length and width and changes exactly its mask", "[defects]") {
    image<float> im(200, 120, 1, 0.5f), mask(200, 120, 1, 0.0f);
    const scratch_params p{.x = 100, .y = 60, .angle = 0, .length = 100, .bend = 0, .width = 4, .contrast = 0.3f,
                           .bright = false, .softness = 0.0f};
    render_scratch(im, mask, p);
    int xmin = 1000, xmax = -1, thickest = 0;
    for (int x = 0; x < 200; ++x) {
        int column = 0;
        for (int y = 0; y < 120; ++y) {
            // The mask is exactly where the image changed, and the change is contrast × coverage.
            REQUIRE((mask(x, y) > 0.0f) == (im(x, y) != 0.5f));
            REQUIRE(im(x, y) == Approx(0.5f - 0.3f * mask(x, y)).margin(1e-6));
            if (mask(x, y) >= 0.5f) {
                ++column;
                xmin = std::min(xmin, x), xmax = std::max(xmax, x);
            }
        }
        thickest = std::max(thickest, column);
    }
    CHECK(xmax - xmin + 1 == Approx(100).margin(3));  // the length, to the tapered tips
    CHECK(thickest == Approx(4).margin(1));            // the width, at the middle
    CHECK(im(100, 60) == Approx(0.2f).margin(1e-6));   // full coverage on the centre line
    CHECK(mask(100, 40) == 0.0f);

    // A bright, bent, soft scratch: still inside its box, brighter, and tapering to points.
    image<float> rgb(200, 120, 3, 0.5f), soft(200, 120, 1, 0.0f);
    render_scratch(rgb, soft, {.x = 100, .y = 60, .angle = 0.3f, .length = 90, .bend = 0.1f, .width = 3, .contrast = 0.2f,
                               .bright = true, .softness = 0.5f});
    for (int y = 0; y < 120; ++y)
        for (int x = 0; x < 200; ++x) REQUIRE(rgb(x, y, 2) >= 0.5f);
    CHECK(*std::max_element(soft.data(), soft.data() + soft.size()) == 1.0f);
}

TEST_CASE("defect scratch parameters follow the spec", "[defects]") {
    auto spec = defect_spec::of(defect_type::scratch);
    spec.orientation = 90.0f;
    spec.polarity = defect_polarity::dark;
    for (std::uint32_t i = 0; i < 100; ++i) {
        rng_stream rng(8, i);
        const scratch_params p = sample_scratch(spec, {10, 20, 0}, 300, 200, rng);
        REQUIRE((p.length >= spec.size.min * 200 && p.length <= spec.size.max * 200));
        REQUIRE((p.width >= spec.thickness.min && p.width <= spec.thickness.max));
        REQUIRE(std::abs(p.angle - std::numbers::pi_v<float> / 2) <= 4.01f * std::numbers::pi_v<float> / 180);
        REQUIRE(!p.bright);
        REQUIRE((p.x == 10.0f && p.y == 20.0f));
    }
}
