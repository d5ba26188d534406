// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <tuple>
#include <utility>
#include <vector>

#include <ias/fn/shapes.hpp>
#include <ias/transforms/shape_masks.hpp>

namespace {

using ias::fn::point;

double total(const ias::image<float>& m) {
    double sum = 0;
    for (std::size_t i = 0; i < m.size(); ++i) sum += m.data()[i];
    return sum;
}

int count_positive(const ias::image<float>& m) {
    int n = 0;
    for (std::size_t i = 0; i < m.size(); ++i) n += m.data()[i] > 0.0f;
    return n;
}

/// W. Randolph Franklin's PNPOLY, the even-odd reference for fill_polygon.
bool pnpoly(const std::vector<point>& v, float px, float py) {
    bool inside = false;
    for (std::size_t i = 0, j = v.size() - 1; i < v.size(); j = i++)
        if (((v[i].y > py) != (v[j].y > py)) && (px < (v[j].x - v[i].x) * (py - v[i].y) / (v[j].y - v[i].y) + v[i].x)) inside = !inside;
    return inside;
}

double distance_to_outline(const std::vector<point>& v, double px, double py) {
    double best = 1e300;
    for (std::size_t i = 0, j = v.size() - 1; i < v.size(); j = i++) {
        const double ex = v[i].x - v[j].x, ey = v[i].y - v[j].y, wx = px - v[j].x, wy = py - v[j].y;
        const double len2 = ex * ex + ey * ey;
        const double t = len2 > 0 ? std::clamp((wx * ex + wy * ey) / len2, 0.0, 1.0) : 0.0;
        best = std::min(best, std::hypot(wx - t * ex, wy - t * ey));
    }
    return best;
}

}  // namespace

TEST_CASE("shapes: axis-aligned rectangles have exact areas and are clipped", "[shapes]") {
    ias::image<float> m(40, 30, 1);
    ias::fn::fill_rectangle(m.view(), 5, 7, 17, 12);
    CHECK(total(m) == 12 * 5);
    CHECK(m(5, 7) == 1.0f);
    CHECK(m(16, 11) == 1.0f);
    CHECK(m(17, 11) == 0.0f);
    CHECK(m(4, 7) == 0.0f);

    // Half-integer corners cover the same pixel squares' worth of area.
    m.fill(0.0f);
    ias::fn::fill_rectangle(m.view(), 4.5f, 6.5f, 14.5f, 9.5f);
    CHECK(total(m) == 10 * 3);

    // Partly outside: only the inside part is drawn.
    m.fill(0.0f);
    ias::fn::fill_rectangle(m.view(), -10, -3, 5, 4);
    CHECK(total(m) == 5 * 4);
    m.fill(0.0f);
    ias::fn::fill_rectangle(m.view(), 100, 100, 200, 200);
    ias::fn::fill_rectangle(m.view(), 10, 10, 5, 20);  // x0 > x1: nothing
    CHECK(total(m) == 0);

    // Soft edges keep the area (symmetric ramp) and never lower a pixel (max compositing).
    m.fill(0.0f);
    ias::fn::fill_rectangle(m.view(), 10, 8, 30, 22, 3.0f);
    CHECK(total(m) == Approx(20 * 14).margin(3.0 * 3.0 / 2));  // corners round off by O(softness²)
    ias::fn::fill_rectangle(m.view(), 12, 10, 14, 12, 0.0f);
    CHECK(m(12, 10) == 1.0f);
    ias::fn::fill_rectangle(m.view(), 0, 0, 40, 30, 0.0f);
    CHECK(total(m) == 40 * 30);

    ias::image<float> rgb(4, 4, 3);
    CHECK_THROWS_WITH(ias::fn::fill_rectangle(rgb.view(), 0, 0, 1, 1), Catch::Contains("one channel"));
    CHECK_THROWS_WITH(ias::fn::fill_rectangle(m.view(), 0, 0, 1, 1, -1.0f), Catch::Contains("softness"));
}

TEST_CASE("shapes: rotated rectangles and ellipses match their analytic areas", "[shapes]") {
    ias::image<float> m(400, 400, 1);
    for (const float angle : {0.0f, 0.3f, 0.785f, 1.2f, -2.0f}) {
        CAPTURE(angle);
        m.fill(0.0f);
        ias::fn::fill_rotated_rectangle(m.view(), 200.3f, 198.7f, 220, 90, angle);
        CHECK(total(m) == Approx(220.0 * 90).epsilon(0.02));
        m.fill(0.0f);
        ias::fn::fill_rotated_rectangle(m.view(), 200.3f, 198.7f, 220, 90, angle, 4.0f);
        CHECK(total(m) == Approx(220.0 * 90).epsilon(0.02));
        m.fill(0.0f);
        ias::fn::fill_ellipse(m.view(), 201.0f, 199.5f, 150, 70, angle);
        CHECK(total(m) == Approx(std::numbers::pi * 150 * 70).epsilon(0.02));
        m.fill(0.0f);
        ias::fn::fill_ellipse(m.view(), 201.0f, 199.5f, 150, 70, angle, 4.0f);
        CHECK(total(m) == Approx(std::numbers::pi * 150 * 70).epsilon(0.02));
    }
    // At angle 0 the rotated rectangle is fill_rectangle exactly.
    ias::image<float> a(50, 40, 1), b(50, 40, 1);
    ias::fn::fill_rotated_rectangle(a.view(), 20, 15, 12, 8, 0.0f);
    ias::fn::fill_rectangle(b.view(), 14, 11, 26, 19);
    CHECK(a == b);
    CHECK(total(a) == 96);
    // Degenerate ellipses draw nothing.
    a.fill(0.0f);
    ias::fn::fill_ellipse(a.view(), 20, 20, 0, 10, 0);
    CHECK(total(a) == 0);
}

TEST_CASE("shapes: soft edges lie in 0..1 and fall monotonically across the edge", "[shapes]") {
    ias::image<float> m(120, 120, 1);
    const float softness = 6.0f;
    ias::fn::fill_ellipse(m.view(), 60, 60, 40, 25, 0.4f, softness);
    for (std::size_t i = 0; i < m.size(); ++i) REQUIRE((m.data()[i] >= 0.0f && m.data()[i] <= 1.0f));
    // Along pixel rays from the centre the coverage never increases, starts at 1 and ends at 0.
    for (const auto& [dx, dy] : {std::pair{1, 0}, std::pair{-1, 0}, std::pair{0, 1}, std::pair{0, -1}, std::pair{1, 1}, std::pair{-1, 1},
                                 std::pair{1, -1}, std::pair{-1, -1}, std::pair{2, 1}, std::pair{-1, 2}}) {
        float previous = 1.0f;
        bool saw_fraction = false;
        for (int r = 0; std::abs(r * dx) < 60 && std::abs(r * dy) < 60; ++r) {
            const int x = 60 + r * dx, y = 60 + r * dy;
            const float v = m(x, y);
            REQUIRE(v <= previous + 1e-6f);
            saw_fraction |= v > 0.0f && v < 1.0f;
            previous = v;
        }
        CHECK(previous == 0.0f);
        CHECK(saw_fraction);
    }
    CHECK(m(60, 60) == 1.0f);
    // A straight edge ramps linearly: 0.5 on the boundary, 0 and 1 at softness / 2.
    ias::image<float> r(40, 10, 1);
    ias::fn::fill_rectangle(r.view(), 10, 0, 40, 10, 4.0f);
    CHECK(r(10, 5) == Approx(0.5f));
    CHECK(r(9, 5) == Approx(0.25f));
    CHECK(r(8, 5) == Approx(0.0f));
    CHECK(r(12, 5) == Approx(1.0f));
    for (int x = 1; x < 20; ++x) CHECK(r(x, 5) >= r(x - 1, 5));
}

TEST_CASE("shapes: polygon fill agrees with a brute-force point-in-polygon test", "[shapes]") {
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
        CAPTURE(seed);
        ias::rng_stream rng(seed, 0);
        std::vector<point> v(std::size_t(rng.integer(3, 12)));
        for (point& p : v) p = {rng.uniform(-10.0f, 90.0f), rng.uniform(-10.0f, 70.0f)};
        if (seed % 2 == 0) ias::fn::sort_by_angle(v);  // simple polygons; odd seeds self-intersect
        ias::image<float> m(80, 60, 1);
        ias::fn::fill_polygon(m.view(), v);
        int mismatches = 0;
        for (int y = 0; y < 60; ++y)
            for (int x = 0; x < 80; ++x)
                if ((m(x, y) == 1.0f) != pnpoly(v, float(x), float(y)) && distance_to_outline(v, x, y) > 1e-3) ++mismatches;
        CHECK(mismatches == 0);
        // The soft fill agrees away from the outline and keeps about the same area.
        ias::image<float> soft(80, 60, 1);
        ias::fn::fill_polygon(soft.view(), v, 2.0f);
        for (int y = 0; y < 60; ++y)
            for (int x = 0; x < 80; ++x)
                if (distance_to_outline(v, x, y) > 1.01) REQUIRE(soft(x, y) == m(x, y));
    }
    // A square given as a polygon has the exact area.
    ias::image<float> m(30, 30, 1);
    const std::vector<point> square{{4.5f, 4.5f}, {14.5f, 4.5f}, {14.5f, 24.5f}, {4.5f, 24.5f}};
    ias::fn::fill_polygon(m.view(), square);
    CHECK(total(m) == 200);
}

TEST_CASE("shapes: stroke width is measured across straight and tapering strokes", "[shapes]") {
    ias::image<float> m(100, 40, 1);
    const std::vector<point> line{{10, 20.5f}, {50, 20.5f}, {90, 20.5f}};
    ias::fn::stroke_polyline(m.view(), line, 6, 6);
    for (int x = 15; x <= 85; x += 10) {
        int width = 0;
        for (int y = 0; y < 40; ++y) width += m(x, y) == 1.0f;
        CHECK(width == 6);
    }
    // Soft: the column sums equal the width; tapering from 10 to 2: about 6 in the middle.
    ias::image<float> soft(100, 40, 1), taper(100, 40, 1);
    ias::fn::stroke_polyline(soft.view(), line, 6, 6, 2.0f);
    ias::fn::stroke_polyline(taper.view(), line, 10, 2, 1.0f);
    auto column = [](const ias::image<float>& im, int x) {
        double s = 0;
        for (int y = 0; y < im.height(); ++y) s += im(x, y);
        return s;
    };
    CHECK(column(soft, 50) == Approx(6.0).margin(0.05));
    CHECK(column(taper, 50) == Approx(6.0).margin(0.1));
    CHECK(column(taper, 30) == Approx(8.0).margin(0.1));
    CHECK(column(taper, 70) == Approx(4.0).margin(0.1));
    // Round caps: a single point is a disc.
    ias::image<float> dot(40, 40, 1);
    ias::fn::stroke_polyline(dot.view(), std::vector<point>{{20, 20}}, 20, 0);
    CHECK(total(dot) == Approx(std::numbers::pi * 100).epsilon(0.05));
}

TEST_CASE("shapes: Bezier helpers and the REB blob outline", "[shapes]") {
    const point p0{0, 0}, p1{10, 0}, p2{10, 10}, p3{0, 10};
    CHECK(ias::fn::cubic_bezier(p0, p1, p2, p3, 0.0f) == p0);
    CHECK(ias::fn::cubic_bezier(p0, p1, p2, p3, 1.0f) == p3);
    CHECK(ias::fn::cubic_bezier(p0, p1, p2, p3, 0.5f).x == Approx(7.5f));
    std::vector<point> s(5);
    ias::fn::sample_bezier(p0, p1, p2, p3, s);
    CHECK(s.front() == p0);
    CHECK(s.back() == p3);

    std::vector<point> control{{10, 10}, {60, 5}, {90, 40}, {70, 90}, {20, 70}};
    ias::fn::sort_by_angle(control);
    std::vector<point> outline;
    ias::fn::bezier_blob_outline(control, 0.3f, {}, outline);
    CHECK(outline.size() == control.size() * 11);  // 12 samples per segment, the last dropped
    for (std::size_t i = 0; i < control.size(); ++i) CHECK(outline[i * 11] == control[i]);  // passes through the vertices
    // All chords: the polygon itself. k = 1: the control points sit on the vertices (straight edges).
    const std::vector<std::uint8_t> chords(control.size(), 1);
    ias::fn::bezier_blob_outline(control, 0.3f, chords, outline);
    CHECK(outline == control);
    ias::fn::bezier_blob_outline(control, 1.0f, {}, outline);
    ias::image<float> a(100, 100, 1), b(100, 100, 1);
    ias::fn::fill_polygon(a.view(), outline);
    ias::fn::fill_polygon(b.view(), control);
    CHECK(std::abs(total(a) - total(b)) < 0.01 * total(b));
    // A smooth blob stretched into a box touches all four sides and stays in it.
    ias::fn::bezier_blob_outline(control, 0.2f, {}, outline);
    ias::fn::stretch_to_box(outline, 9.5f, 19.5f, 49.5f, 39.5f);
    ias::image<float> m(80, 60, 1);
    ias::fn::fill_polygon(m.view(), outline);
    int xmin = 80, xmax = -1, ymin = 60, ymax = -1;
    for (int y = 0; y < 60; ++y)
        for (int x = 0; x < 80; ++x)
            if (m(x, y) > 0) {
                xmin = std::min(xmin, x);
                xmax = std::max(xmax, x);
                ymin = std::min(ymin, y);
                ymax = std::max(ymax, y);
            }
    CHECK(xmin == 10);
    CHECK(xmax == 49);
    CHECK(ymin == 20);
    CHECK(ymax == 39);
    CHECK_THROWS_WITH(ias::fn::bezier_blob_outline(control, 1.5f, {}, outline), Catch::Contains("k is 1.5"));
    CHECK_THROWS_WITH(ias::fn::bezier_blob_outline(control, 0.2f, std::span<const std::uint8_t>(chords).first(2), outline), Catch::Contains("chord_only has 2"));
}

TEST_CASE("shapes: IFS fractal is non-empty deterministic and inside its view", "[shapes]") {
    // Two contractive maps (a Sierpinski-like gasket with a twist).
    const std::vector<ias::fn::affine_map> maps{{0.5f, 0.1f, -0.1f, 0.5f, 0.0f, 0.0f}, {0.4f, -0.3f, 0.3f, 0.4f, 1.0f, 0.5f}};
    ias::image<float> m(100, 80, 1), again(100, 80, 1);
    ias::fn::ifs_fractal(m.view().crop(20, 10, 50, 40), maps, 20000, 7);
    ias::fn::ifs_fractal(again.view().crop(20, 10, 50, 40), maps, 20000, 7);
    CHECK(m == again);
    CHECK(count_positive(m) > 100);
    for (int y = 0; y < 80; ++y)
        for (int x = 0; x < 100; ++x)
            if (x < 20 || x >= 70 || y < 10 || y >= 50) REQUIRE(m(x, y) == 0.0f);
    // The fit spans the view along one axis.
    int xmin = 100, xmax = -1, ymin = 80, ymax = -1;
    for (int y = 0; y < 80; ++y)
        for (int x = 0; x < 100; ++x)
            if (m(x, y) > 0) {
                xmin = std::min(xmin, x);
                xmax = std::max(xmax, x);
                ymin = std::min(ymin, y);
                ymax = std::max(ymax, y);
            }
    CHECK(((xmin == 20 && xmax == 69) || (ymin == 10 && ymax == 49)));
    again.fill(0.0f);
    ias::fn::ifs_fractal(again.view().crop(20, 10, 50, 40), maps, 20000, 8);
    CHECK_FALSE(m == again);
    CHECK_THROWS_WITH(ias::fn::ifs_fractal(m.view(), {}, 10, 0), Catch::Contains("maps has 0"));
}

TEST_CASE("shapes: RIAD grid masks are disjoint and cover every pixel exactly once", "[shapes]") {
    for (const auto& [w, h, cell, n] : {std::tuple{37, 29, 4, 3}, std::tuple{256, 256, 16, 3}, std::tuple{5, 3, 8, 3}, std::tuple{64, 48, 2, 4}}) {
        CAPTURE(w, h, cell, n);
        std::vector<std::uint32_t> perm(ias::fn::grid_cell_count(w, h, cell));
        for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = std::uint32_t(i);
        ias::rng_stream rng(3, 0);
        rng.shuffle(std::span<std::uint32_t>(perm));
        ias::image<float> sum(w, h, 1);
        std::vector<double> areas;
        for (int i = 0; i < n; ++i) {
            ias::image<float> m(w, h, 1);
            ias::fn::disjoint_grid_masks(m.view(), cell, perm, n, i);
            areas.push_back(total(m));
            for (std::size_t k = 0; k < m.size(); ++k) sum.data()[k] += m.data()[k];
        }
        for (std::size_t k = 0; k < sum.size(); ++k) REQUIRE(sum.data()[k] == 1.0f);
        if (perm.size() >= std::size_t(n) && w % cell == 0 && h % cell == 0)
            for (double a : areas) CHECK(std::abs(a - double(w * h) / n) <= cell * cell);  // equal sizes, +-1 cell
    }
    ias::image<float> m(8, 8, 1);
    const std::vector<std::uint32_t> short_perm{0, 1};
    CHECK_THROWS_WITH(ias::fn::disjoint_grid_masks(m.view(), 4, short_perm, 3, 0), Catch::Contains("the grid has 4 cells"));
    CHECK_THROWS_WITH(ias::fn::disjoint_grid_masks(m.view(), 4, short_perm, 3, 3), Catch::Contains("set_index is 3"));
}

TEST_CASE("shapes: patch window hides exactly one patch", "[shapes]") {
    ias::image<float> m(256, 256, 1);
    const ias::fn::patch_window w{.patch_size = 16, .window_x = 2, .window_y = 5, .window_width = 7, .window_height = 7, .hidden_x = 6, .hidden_y = 0};
    ias::fn::patch_window_mask(m.view(), w);
    CHECK(total(m) == 256);
    CHECK(m((2 + 6) * 16, 5 * 16) == 1.0f);
    CHECK(m((2 + 6) * 16 + 15, 5 * 16 + 15) == 1.0f);
    CHECK(m((2 + 6) * 16 - 1, 5 * 16) == 0.0f);
    ias::fn::patch_window_mask(m.view(), w, 0.25f);
    CHECK(total(m) == Approx(256 + 0.25 * 48 * 256));
    // Partial border patches are clipped.
    ias::image<float> small(20, 20, 1);
    ias::fn::patch_window_mask(small.view(), {.patch_size = 16, .window_width = 2, .window_height = 2, .hidden_x = 1, .hidden_y = 1});
    CHECK(total(small) == 16);
}

namespace {

/// Runs `t` on a sample of the given size and checks the invariants every shape mask keeps.
template <class T>
void check_invariants(const T& t, int w, int h, std::uint64_t seed, bool with_foreground) {
    CAPTURE(T::name, w, h, seed, with_foreground);
    auto make = [&] {
        ias::sample s(ias::image<std::uint8_t>(w, h, 3));
        if (with_foreground) {
            s.foreground.resize(w, h, 1, 0.0f);
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w / 2 + 1; ++x) s.foreground(x, y) = 1.0f;
        }
        return s;
    };
    ias::sample s = make();
    s.trace.emplace();
    ias::rng_stream rng(seed, 17);
    ias::run(t, s, rng);
    REQUIRE(s.mask.width() == w);
    REQUIRE(s.mask.height() == h);
    REQUIRE(s.mask.channels() == 1);
    bool any = false;
    for (std::size_t i = 0; i < s.mask.size(); ++i) {
        const float v = s.mask.data()[i];
        REQUIRE((v >= 0.0f && v <= 1.0f));
        any |= v > 0.0f;
    }
    REQUIRE(s.label == (any ? 1 : 0));
    if (with_foreground)
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                if (s.foreground(x, y) == 0.0f) REQUIRE(s.mask(x, y) == 0.0f);
    s.validate();
    // Deterministic per (seed, index), traced or not.
    ias::sample plain = make();
    ias::rng_stream rng2(seed, 17);
    ias::run(t, plain, rng2);
    REQUIRE(plain.mask == s.mask);
    REQUIRE(plain.label == s.label);
    // Replay from the trace gives the same mask.
    ias::sample replayed = make();
    ias::replay(t, replayed, *s.trace);
    REQUIRE(replayed.mask == s.mask);
    REQUIRE(replayed.label == s.label);
}

const auto all_shape_masks = std::tuple{
    ias::rectangle_mask{},
    ias::rectangle_mask({.sizing = ias::rectangle_sizing::area_aspect, .allow_clipping = false, .softness = 2.0f}),
    ias::scar_mask{},
    ias::scar_mask({.softness = 1.5f}),
    ias::ellipse_mask{},
    ias::ellipse_mask({.count = {1, 5}, .softness = 3.0f}),
    ias::stroke_mask{},
    ias::stroke_mask({.softness = 2.0f}),
    ias::bezier_blob_mask{},
    ias::bezier_blob_mask({.shape = {.chord_probability = 0.0f}, .softness = 2.0f}),
    ias::bezier_scar_mask{},
    ias::bezier_scar_mask({.softness = 1.0f}),
    ias::bezier_clump_mask{},
    ias::fractal_mask({.iterations = 20000}),
    ias::grid_mask{},
    ias::patch_window_mask{},
    ias::patch_window_mask({.window_value = 0.5f}),
};

}  // namespace

TEST_CASE("shapes: every shape mask is inside the image with a consistent label and replays", "[shapes]") {
    for (const auto& size : {std::pair{256, 256}, std::pair{97, 301}, std::pair{1, 1}, std::pair{3, 40}}) {
        const int w = size.first, h = size.second;  // clang 14 cannot capture structured bindings
        for (std::uint64_t seed = 0; seed < 6; ++seed) {
            std::apply([&](const auto&... t) { (check_invariants(t, w, h, seed, seed % 2 == 1), ...); }, all_shape_masks);
        }
    }
}

TEST_CASE("shapes: shape masks at 256x256 follow the published size rules", "[shapes]") {
    const int n = 200;
    double scar_area = 0, cutout_area = 0, blob_area = 0;
    int empty_fractals = 0;
    for (int i = 0; i < n; ++i) {
        ias::sample s(ias::image<std::uint8_t>(256, 256, 1));
        ias::rng_stream r1(1, std::uint64_t(i)), r2(2, std::uint64_t(i)), r3(3, std::uint64_t(i)), r4(4, std::uint64_t(i));
        const ias::scar_mask scar{};
        const auto sp = scar.sample_params(r1, s);
        REQUIRE((sp.width >= 2 && sp.width <= 16 && sp.length >= 10 && sp.length <= 25 && std::abs(sp.angle) <= 45));
        scar.apply(s, sp);
        REQUIRE(s.label == 1);
        scar_area += total(s.mask);
        CHECK(total(s.mask) == Approx(sp.width * sp.length).margin(0.15 * sp.width * sp.length + 4));
        ias::run(ias::rectangle_mask({.allow_clipping = false}), s, r2);
        const double a = total(s.mask);
        REQUIRE(std::sqrt(a) >= 20);
        REQUIRE(std::sqrt(a) <= 50);
        cutout_area += a;
        ias::run(ias::bezier_blob_mask{}, s, r3);
        blob_area += total(s.mask);
        ias::run(ias::fractal_mask({.iterations = 20000}), s, r4);
        empty_fractals += s.label == 0;
    }
    CHECK(scar_area / n == Approx(9.0 * 17.5).epsilon(0.15));
    CHECK(cutout_area / n == Approx(35.0 * 35.0 + 75).epsilon(0.15));  // E[L²] for L ~ U[20, 50]
    // The blob fills part of its box of mean area 0.085·W·H.
    CHECK(blob_area / n > 0.03 * 256 * 256);
    CHECK(blob_area / n < 0.085 * 256 * 256);
    CHECK(empty_fractals == 0);

    // Sizes scale with the image: a scar at 512x512 is twice as wide and long.
    ias::sample big(ias::image<std::uint8_t>(512, 512, 1)), small(ias::image<std::uint8_t>(256, 256, 1));
    ias::rng_stream r1(9, 0), r2(9, 0);
    const auto pb = ias::scar_mask{}.sample_params(r1, big), ps = ias::scar_mask{}.sample_params(r2, small);
    CHECK(pb.width == Approx(2 * ps.width));
    CHECK(pb.length == Approx(2 * ps.length));
}

TEST_CASE("shapes: grid_mask sets replayed with every set index tile the image", "[shapes]") {
    const ias::grid_mask t{};
    for (std::uint64_t i = 0; i < 5; ++i) {
        ias::sample s(ias::image<float>(97, 61, 1));
        ias::rng_stream rng(11, i);
        auto p = t.sample_params(rng, s);
        ias::image<float> sum(97, 61, 1);
        for (int k = 0; k < t.settings().n_sets; ++k) {
            p.set_index = k;
            t.apply(s, p);
            for (std::size_t j = 0; j < sum.size(); ++j) sum.data()[j] += s.mask.data()[j];
        }
        for (std::size_t j = 0; j < sum.size(); ++j) REQUIRE(sum.data()[j] == 1.0f);
        CHECK((p.cell == 2 || p.cell == 4 || p.cell == 8 || p.cell == 16 || p.cell == 1 || p.cell == 3 || p.cell == 6 || p.cell == 5));
    }
}

TEST_CASE("shapes: shape mask validation names the field", "[shapes]") {
    CHECK_THROWS_WITH(ias::rectangle_mask({.side = {60, 50}}),
                      Catch::Contains("ias::rectangle_mask: parameter 'side' is [60, 50]; it must be [min, max] with 0 <= min <= max <= 1000000"));
    CHECK_THROWS_WITH(ias::scar_mask({.width = {-1, 16}}), Catch::Contains("parameter 'width' is [-1, 16]"));
    CHECK_THROWS_WITH(ias::ellipse_mask({.count = {3, 2}}), Catch::Contains("parameter 'count' is [3, 2]"));
    CHECK_THROWS_WITH(ias::stroke_mask({.segments = 0}), Catch::Contains("parameter 'segments' is 0"));
    CHECK_THROWS_WITH(ias::bezier_blob_mask({.shape = {.chord_probability = 2}}), Catch::Contains("parameter 'shape_chord_probability' is 2"));
    CHECK_THROWS_WITH(ias::fractal_mask({.dilation = -1}), Catch::Contains("parameter 'dilation' is -1"));
    CHECK_THROWS_WITH(ias::grid_mask({.n_sets = 0}), Catch::Contains("parameter 'n_sets' is 0"));
    CHECK_THROWS_WITH(ias::patch_window_mask({.patch_size = 0}), Catch::Contains("parameter 'patch_size' is 0"));
    CHECK_THROWS_WITH(ias::scar_mask({.softness = -2}), Catch::Contains("parameter 'softness' is -2"));
    STATIC_REQUIRE(ias::parametrised_transform<ias::rectangle_mask>);
    STATIC_REQUIRE(ias::parametrised_transform<ias::fractal_mask>);
    STATIC_REQUIRE(ias::parametrised_transform<ias::patch_window_mask>);
}

TEST_CASE("shapes: REB Bezier scars are thin rotated shapes, clumps lie inside their Bezier shape", "[shapes]") {
    int scars = 0;
    for (std::uint64_t i = 0; i < 200; ++i) {
        ias::sample s(ias::image<std::uint8_t>(256, 256, 1));
        ias::rng_stream r1(12, i);
        const ias::bezier_scar_mask scar{};
        const auto sp = scar.sample_params(r1, s);
        REQUIRE((sp.width >= 7 && sp.width <= 21 && sp.length >= 15 && sp.length <= 30 && std::abs(sp.rotation) <= 45));
        scar.apply(s, sp);
        // The shape fills part of its w×l box: never more than the box, usually a good share.
        const double area = total(s.mask);
        REQUIRE(area <= sp.width * sp.length + 2 * (sp.width + sp.length));
        scars += area > 0.3 * sp.width * sp.length;

        // A clump is the Bezier shape of its params intersected with the thresholded blob.
        ias::sample c(ias::image<std::uint8_t>(256, 256, 1)), shape_only(ias::image<std::uint8_t>(256, 256, 1));
        ias::rng_stream r2(13, i);
        const ias::bezier_clump_mask clump{};
        const auto cp = clump.sample_params(r2, c);
        clump.apply(c, cp);
        ias::bezier_blob_mask::params_type bp;
        bp.shape = cp.shape;
        bp.x = cp.x, bp.y = cp.y, bp.width = cp.width, bp.height = cp.height;
        ias::bezier_blob_mask({.shape = {.n_points = {5, 9}}}).apply(shape_only, bp);
        for (std::size_t k = 0; k < c.mask.size(); ++k) REQUIRE(c.mask.data()[k] <= shape_only.mask.data()[k]);
        CHECK(total(c.mask) < total(shape_only.mask) + 1);
    }
    CHECK(scars > 150);
    CHECK_THROWS_WITH(ias::bezier_scar_mask({.rotation_max = 200}), Catch::Contains("parameter 'rotation_max' is 200"));
    CHECK_THROWS_WITH(ias::bezier_clump_mask({.shape = {.n_points = {5, 40}}}), Catch::Contains("parameter 'shape_n_points'") && Catch::Contains("max <= 16"));
}
