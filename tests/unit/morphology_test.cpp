// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include <ias/core/rng.hpp>
#include <ias/fn/filters.hpp>
#include <ias/fn/labelling.hpp>
#include <ias/fn/mask_algebra.hpp>
#include <ias/fn/morphology.hpp>

namespace {

using ias::image;
using ias::fn::kernel_shape;
using ias::fn::structuring_element;

/// A random mask: soft values uniform in [0, 1), or binary with the given share of ones.
image<float> random_mask(int width, int height, bool binary, std::uint64_t seed, double ones = 0.4) {
    image<float> m(width, height, 1);
    ias::rng_stream rng(seed, 0);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) m(x, y) = binary ? (rng.bernoulli(ones) ? 1.0f : 0.0f) : rng.uniform();
    return m;
}

/// Membership of offset (dx, dy), 0 <= dx, dy < size, straight from the documented definition.
bool contains(const structuring_element& se, int dx, int dy) {
    if (se.shape == kernel_shape::square) return true;
    const double c = (se.size - 1) / 2.0, r = se.size / 2.0;
    return (dx - c) * (dx - c) + (dy - c) * (dy - c) <= r * r;
}

/// Max (or min) over the window by direct loops, clipped to the image. `mirror` negates the
/// pixel offsets (the element reflected through its anchor).
image<float> reference_morph(const image<float>& in, const structuring_element& se, bool max, bool mirror = false) {
    image<float> out(in.width(), in.height(), 1);
    const int a = se.size / 2;
    for (int y = 0; y < in.height(); ++y)
        for (int x = 0; x < in.width(); ++x) {
            float best = max ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
            for (int dy = 0; dy < se.size; ++dy)
                for (int dx = 0; dx < se.size; ++dx) {
                    if (!contains(se, dx, dy)) continue;
                    const int ox = mirror ? a - dx : dx - a, oy = mirror ? a - dy : dy - a;
                    const int xx = x + ox, yy = y + oy;
                    if (xx < 0 || yy < 0 || xx >= in.width() || yy >= in.height()) continue;
                    best = max ? std::max(best, in(xx, yy)) : std::min(best, in(xx, yy));
                }
            out(x, y) = best;
        }
    return out;
}

image<float> reference_median(const image<float>& in, int size) {
    image<float> out(in.width(), in.height(), 1);
    const int r = size / 2;
    for (int y = 0; y < in.height(); ++y)
        for (int x = 0; x < in.width(); ++x) {
            std::vector<float> v;
            for (int yy = y - r; yy <= y + r; ++yy)
                for (int xx = x - r; xx <= x + r; ++xx)
                    if (xx >= 0 && yy >= 0 && xx < in.width() && yy < in.height()) v.push_back(in(xx, yy));
            std::sort(v.begin(), v.end());
            out(x, y) = v[(v.size() - 1) / 2];
        }
    return out;
}

/// The 2-D Gaussian average over the in-image part of the window, in double.
double reference_feather(const image<float>& in, double sigma, int x, int y) {
    const int r = int(std::ceil(3 * sigma));
    double num = 0, den = 0;
    for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx) {
            const int xx = x + dx, yy = y + dy;
            if (xx < 0 || yy < 0 || xx >= in.width() || yy >= in.height()) continue;
            const double wt = std::exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
            num += wt * in(xx, yy);
            den += wt;
        }
    return num / den;
}

/// Flood-fill labelling, components numbered in raster order of their first pixel.
std::vector<std::int32_t> reference_labels(const image<float>& m, bool eight, float threshold, int& count) {
    const int w = m.width(), h = m.height();
    std::vector<std::int32_t> labels(std::size_t(w) * std::size_t(h), 0);
    count = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            if (!(m(x, y) > threshold) || labels[std::size_t(y * w + x)] != 0) continue;
            ++count;
            std::vector<std::pair<int, int>> stack{{x, y}};
            labels[std::size_t(y * w + x)] = count;
            while (!stack.empty()) {
                const auto [px, py] = stack.back();
                stack.pop_back();
                for (int dy = -1; dy <= 1; ++dy)
                    for (int dx = -1; dx <= 1; ++dx) {
                        if ((dx == 0 && dy == 0) || (!eight && dx != 0 && dy != 0)) continue;
                        const int qx = px + dx, qy = py + dy;
                        if (qx < 0 || qy < 0 || qx >= w || qy >= h) continue;
                        auto& l = labels[std::size_t(qy * w + qx)];
                        if (l != 0 || !(m(qx, qy) > threshold)) continue;
                        l = count;
                        stack.push_back({qx, qy});
                    }
            }
        }
    return labels;
}

image<float> run(void (*op)(ias::image_view<const float>, ias::image_view<float>, structuring_element, image<float>&),
                 const image<float>& in, structuring_element se) {
    image<float> out(in.width(), in.height(), 1), scratch;
    op(in.view(), out.view(), se, scratch);
    return out;
}

image<float> complement(const image<float>& m) {
    image<float> out(m.width(), m.height(), 1);
    for (std::size_t i = 0; i < m.size(); ++i) out.data()[i] = 1.0f - m.data()[i];
    return out;
}

bool all_leq(const image<float>& a, const image<float>& b) {
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!(a.data()[i] <= b.data()[i])) return false;
    return true;
}

const std::vector<std::pair<int, int>> extents{{37, 23}, {1, 1}, {64, 64}, {5, 1}, {1, 9}, {2, 3}};

std::vector<structuring_element> elements() {
    std::vector<structuring_element> out;
    for (int size = 1; size <= 7; ++size)
        for (const auto shape : {kernel_shape::square, kernel_shape::disk}) out.push_back({shape, size});
    return out;
}

}  // namespace

TEST_CASE("morphology: mask algebra follows the elementwise formulas and may write in place", "[morphology]") {
    const auto a = random_mask(37, 23, false, 1), b = random_mask(37, 23, false, 2);
    image<float> out(37, 23, 1);
    ias::fn::mask_union(a.view(), b.view(), out.view());
    for (int y = 0; y < 23; ++y)
        for (int x = 0; x < 37; ++x) REQUIRE(out(x, y) == std::max(a(x, y), b(x, y)));
    ias::fn::mask_intersection(a.view(), b.view(), out.view());
    for (int y = 0; y < 23; ++y)
        for (int x = 0; x < 37; ++x) REQUIRE(out(x, y) == std::min(a(x, y), b(x, y)));
    ias::fn::mask_difference(a.view(), b.view(), out.view());
    for (int y = 0; y < 23; ++y)
        for (int x = 0; x < 37; ++x) REQUIRE(out(x, y) == a(x, y) * (1.0f - b(x, y)));
    ias::fn::mask_product(a.view(), b.view(), out.view());
    for (int y = 0; y < 23; ++y)
        for (int x = 0; x < 37; ++x) REQUIRE(out(x, y) == a(x, y) * b(x, y));

    SECTION("out may be either input") {
        auto c = a;
        ias::fn::mask_union(c.view(), b.view(), c.view());
        for (int y = 0; y < 23; ++y)
            for (int x = 0; x < 37; ++x) REQUIRE(c(x, y) == std::max(a(x, y), b(x, y)));
        auto d = b;
        ias::fn::mask_difference(a.view(), d.view(), d.view());
        for (int y = 0; y < 23; ++y)
            for (int x = 0; x < 37; ++x) REQUIRE(d(x, y) == a(x, y) * (1.0f - b(x, y)));
    }
    SECTION("strided channel views") {
        image<float> rgb(37, 23, 3, 0.0f);
        ias::fn::mask_union(a.view(), b.view(), rgb.view().channel(1));
        for (int y = 0; y < 23; ++y)
            for (int x = 0; x < 37; ++x) {
                REQUIRE(rgb(x, y, 1) == std::max(a(x, y), b(x, y)));
                REQUIRE(rgb(x, y, 0) == 0.0f);
                REQUIRE(rgb(x, y, 2) == 0.0f);
            }
    }
}

TEST_CASE("morphology: disk elements have the documented shape", "[morphology]") {
    // Dilating a single bright pixel draws the element mirrored through its anchor; odd
    // disks are symmetric, so the picture is the disk itself.
    auto row_widths = [](int d) {
        image<float> impulse(21, 21, 1, 0.0f);
        impulse(10, 10) = 1.0f;
        image<float> out(21, 21, 1);
        ias::fn::dilate(impulse.view(), out.view(), {kernel_shape::disk, d});
        std::vector<int> widths;
        for (int y = 0; y < 21; ++y) {
            int n = 0;
            for (int x = 0; x < 21; ++x) n += out(x, y) == 1.0f;
            if (n > 0) widths.push_back(n);
        }
        return widths;
    };
    CHECK(row_widths(1) == std::vector<int>{1});
    CHECK(row_widths(2) == std::vector<int>{2, 2});
    CHECK(row_widths(3) == std::vector<int>{3, 3, 3});
    CHECK(row_widths(5) == std::vector<int>{3, 5, 5, 5, 3});
    CHECK(row_widths(6) == std::vector<int>{4, 6, 6, 6, 6, 4});
    CHECK(row_widths(7) == std::vector<int>{3, 5, 7, 7, 7, 5, 3});
    CHECK(row_widths(9) == std::vector<int>{5, 7, 9, 9, 9, 9, 9, 7, 5});
    for (int d = 1; d <= 15; ++d)
        for (int dy = 0; dy < d; ++dy)
            for (int dx = 0; dx < d; ++dx) {
                const structuring_element se{kernel_shape::disk, d};
                REQUIRE(contains(se, dx, dy) == contains(se, d - 1 - dx, dy));
                REQUIRE(contains(se, dx, dy) == contains(se, dy, dx));
            }
    // The anchor is at size/2: an even square reaches further up and left.
    image<float> impulse(9, 9, 1, 0.0f), out(9, 9, 1);
    impulse(4, 4) = 1.0f;
    ias::fn::dilate(impulse.view(), out.view(), {kernel_shape::square, 2});
    CHECK(out(4, 4) == 1.0f);
    CHECK(out(5, 5) == 1.0f);
    CHECK(out(3, 3) == 0.0f);
}

TEST_CASE("morphology: dilate and erode match a brute-force window on soft and binary masks", "[morphology]") {
    image<float> scratch;
    for (const auto& [w, h] : extents)
        for (const bool binary : {false, true})
            for (const auto& se : elements()) {
                CAPTURE(w, h, binary, int(se.shape), se.size);
                const auto in = random_mask(w, h, binary, std::uint64_t(w * 1000 + h + se.size), 0.2);
                image<float> out(w, h, 1);
                ias::fn::dilate(in.view(), out.view(), se, scratch);
                REQUIRE(out == reference_morph(in, se, true));
                ias::fn::erode(in.view(), out.view(), se, scratch);
                REQUIRE(out == reference_morph(in, se, false));
            }
    SECTION("large elements, larger than the image too") {
        for (const int size : {8, 11, 15, 16, 31, 40, 101})
            for (const auto shape : {kernel_shape::square, kernel_shape::disk}) {
                const structuring_element se{shape, size};
                CAPTURE(int(shape), size);
                const auto in = random_mask(47, 35, true, std::uint64_t(size), 0.05);
                image<float> out(47, 35, 1);
                ias::fn::dilate(in.view(), out.view(), se, scratch);
                REQUIRE(out == reference_morph(in, se, true));
                ias::fn::erode(in.view(), out.view(), se);
                REQUIRE(out == reference_morph(in, se, false));
            }
    }
    SECTION("strided input and output views") {
        const auto in = random_mask(37, 23, false, 77);
        image<float> rgb_in(37, 23, 3, 0.5f), rgb_out(37, 23, 3, 0.25f);
        for (int y = 0; y < 23; ++y)
            for (int x = 0; x < 37; ++x) rgb_in(x, y, 2) = in(x, y);
        for (const auto& se : {structuring_element{kernel_shape::square, 4}, structuring_element{kernel_shape::disk, 7}}) {
            ias::fn::dilate(rgb_in.view().channel(2), rgb_out.view().channel(1), se, scratch);
            const auto expected = reference_morph(in, se, true);
            for (int y = 0; y < 23; ++y)
                for (int x = 0; x < 37; ++x) {
                    REQUIRE(rgb_out(x, y, 1) == expected(x, y));
                    REQUIRE(rgb_out(x, y, 0) == 0.25f);
                }
        }
    }
}

TEST_CASE("morphology: erosion is dual to dilation", "[morphology]") {
    // 1 - (1 - v) == v exactly for the 24-bit uniform values of rng_stream::uniform.
    for (const auto& [w, h] : extents)
        for (const auto& se : elements()) {
            CAPTURE(w, h, int(se.shape), se.size);
            const auto m = random_mask(w, h, false, std::uint64_t(se.size * 7 + w));
            REQUIRE(run(ias::fn::erode, m, se) == complement(run(ias::fn::dilate, complement(m), se)));
            REQUIRE(run(ias::fn::dilate, m, se) == complement(run(ias::fn::erode, complement(m), se)));
        }
}

TEST_CASE("morphology: open and close are idempotent and bracket the mask", "[morphology]") {
    for (const auto& [w, h] : extents)
        for (const bool binary : {false, true})
            for (const auto& se : elements()) {
                CAPTURE(w, h, binary, int(se.shape), se.size);
                const auto m = random_mask(w, h, binary, std::uint64_t(se.size + 31 * w), 0.5);
                const auto opened = run(ias::fn::open, m, se), closed = run(ias::fn::close, m, se);
                // Against the definitions: erode then dilate with the mirrored element, and back.
                REQUIRE(opened == reference_morph(reference_morph(m, se, false), se, true, true));
                REQUIRE(closed == reference_morph(reference_morph(m, se, true), se, false, true));
                REQUIRE(all_leq(opened, m));
                REQUIRE(all_leq(m, closed));
                REQUIRE(run(ias::fn::open, opened, se) == opened);
                REQUIRE(run(ias::fn::close, closed, se) == closed);
            }
    // Odd elements are symmetric: opening is exactly erode followed by dilate.
    const auto m = random_mask(37, 23, true, 5);
    const structuring_element se{kernel_shape::disk, 5};
    CHECK(run(ias::fn::open, m, se) == run(ias::fn::dilate, run(ias::fn::erode, m, se), se));
    CHECK(run(ias::fn::close, m, se) == run(ias::fn::erode, run(ias::fn::dilate, m, se), se));
}

TEST_CASE("morphology: every filter may write over its input", "[morphology]") {
    image<float> scratch;
    for (const auto& [w, h] : extents)
        for (const auto& se : {structuring_element{kernel_shape::square, 6}, structuring_element{kernel_shape::disk, 7},
                               structuring_element{kernel_shape::square, 1}}) {
            CAPTURE(w, h, int(se.shape), se.size);
            const auto m = random_mask(w, h, false, 9);
            using op_type = void (*)(ias::image_view<const float>, ias::image_view<float>, structuring_element, image<float>&);
            for (const op_type op : {op_type(ias::fn::dilate), op_type(ias::fn::erode), op_type(ias::fn::open), op_type(ias::fn::close)}) {
                auto in_place = m;
                op(in_place.view(), in_place.view(), se, scratch);
                REQUIRE(in_place == run(op, m, se));
            }
            auto median = m;
            ias::fn::median_filter(median.view(), median.view(), 5, scratch);
            REQUIRE(median == reference_median(m, 5));
            auto feathered = m;
            image<float> expected(w, h, 1);
            ias::fn::gaussian_feather(m.view(), expected.view(), 1.5f, scratch);
            ias::fn::gaussian_feather(feathered.view(), feathered.view(), 1.5f, scratch);
            REQUIRE(feathered == expected);
        }
}

TEST_CASE("morphology: scratch is reused without reallocation", "[morphology]") {
    const auto m = random_mask(64, 64, true, 3);
    image<float> out(64, 64, 1), scratch;
    const structuring_element disk{kernel_shape::disk, 9}, square{kernel_shape::square, 6};
    ias::fn::dilate(m.view(), out.view(), disk, scratch);
    ias::fn::erode(m.view(), out.view(), square, scratch);
    ias::fn::median_filter(m.view(), out.view(), 5, scratch);
    ias::fn::gaussian_feather(m.view(), out.view(), 2.0f, scratch);
    const float* buffer = scratch.data();
    for (int i = 0; i < 3; ++i) {
        ias::fn::dilate(m.view(), out.view(), disk, scratch);
        ias::fn::open(m.view(), out.view(), square, scratch);
        ias::fn::close(m.view(), out.view(), disk, scratch);
        ias::fn::median_filter(m.view(), out.view(), 5, scratch);
        ias::fn::gaussian_feather(m.view(), out.view(), 2.0f, scratch);
        const auto small = random_mask(17, 9, false, 4);
        image<float> small_out(17, 9, 1);
        ias::fn::dilate(small.view(), small_out.view(), disk, scratch);
        REQUIRE(scratch.data() == buffer);
    }
}

TEST_CASE("morphology: median filter matches sorting the clipped window", "[morphology]") {
    image<float> scratch;
    for (const auto& [w, h] : extents)
        for (const bool binary : {false, true})
            for (const int size : {1, 3, 5, 7, 9}) {
                CAPTURE(w, h, binary, size);
                const auto in = random_mask(w, h, binary, std::uint64_t(size * 13 + h));
                image<float> out(w, h, 1);
                ias::fn::median_filter(in.view(), out.view(), size, scratch);
                REQUIRE(out == reference_median(in, size));
            }
    // A corner window of a 3x3 median holds four pixels: the lower median of 0 0 1 1 is 0.
    image<float> m(4, 4, 1, 0.0f), out(4, 4, 1);
    m(1, 0) = 1.0f;
    m(0, 1) = 1.0f;
    ias::fn::median_filter(m.view(), out.view(), 3);
    CHECK(out(0, 0) == 0.0f);
    m(1, 1) = 1.0f;  // now 0 1 1 1: lower median 1
    ias::fn::median_filter(m.view(), out.view(), 3);
    CHECK(out(0, 0) == 1.0f);
}

TEST_CASE("morphology: gaussian feather keeps ones at one and preserves the mass", "[morphology]") {
    image<float> scratch;
    for (const auto& [w, h] : extents)
        for (const float sigma : {0.3f, 1.0f, 2.5f, 7.0f, 1000.0f}) {
            CAPTURE(w, h, sigma);
            const image<float> ones(w, h, 1, 1.0f);
            image<float> out(w, h, 1);
            ias::fn::gaussian_feather(ones.view(), out.view(), sigma, scratch);
            REQUIRE(out == ones);
        }
    for (const auto& [w, h] : extents)
        for (const float sigma : {0.5f, 1.0f, 2.5f}) {
            CAPTURE(w, h, sigma);
            const auto in = random_mask(w, h, false, 21);
            image<float> out(w, h, 1);
            ias::fn::gaussian_feather(in.view(), out.view(), sigma, scratch);
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w; ++x) {
                    REQUIRE(out(x, y) == Approx(reference_feather(in, sigma, x, y)).margin(1e-5));
                    REQUIRE(out(x, y) >= 0.0f);
                    REQUIRE(out(x, y) <= 1.0f);
                }
        }
    // A blob far from the border keeps its total mass, and its edge becomes soft.
    image<float> blob(64, 64, 1, 0.0f), out(64, 64, 1);
    for (int y = 24; y < 40; ++y)
        for (int x = 20; x < 44; ++x) blob(x, y) = 1.0f;
    ias::fn::gaussian_feather(blob.view(), out.view(), 3.0f, scratch);
    double before = 0, after = 0;
    for (std::size_t i = 0; i < blob.size(); ++i) {
        before += blob.data()[i];
        after += out.data()[i];
    }
    CHECK(after == Approx(before).epsilon(1e-5));
    CHECK(out(20, 32) > 0.4f);
    CHECK(out(20, 32) < 0.6f);
    CHECK(out(31, 31) > 0.98f);
    // sigma 0 copies.
    const auto m = random_mask(37, 23, false, 8);
    image<float> copy(37, 23, 1);
    ias::fn::gaussian_feather(m.view(), copy.view(), 0.0f);
    CHECK(copy == m);
}

TEST_CASE("morphology: max pool covers partial blocks at the border", "[morphology]") {
    for (const auto& [w, h] : std::vector<std::pair<int, int>>{{37, 23}, {64, 64}, {1, 1}, {8, 3}, {5, 9}})
        for (const int stride : {1, 2, 3, 4, 8, 16, 40}) {
            CAPTURE(w, h, stride);
            const auto in = random_mask(w, h, false, std::uint64_t(stride));
            const int ow = (w + stride - 1) / stride, oh = (h + stride - 1) / stride;
            image<float> out(ow, oh, 1);
            ias::fn::max_pool(in.view(), out.view(), stride);
            for (int j = 0; j < oh; ++j)
                for (int i = 0; i < ow; ++i) {
                    float best = 0.0f;
                    for (int y = j * stride; y < std::min(h, (j + 1) * stride); ++y)
                        for (int x = i * stride; x < std::min(w, (i + 1) * stride); ++x) best = std::max(best, in(x, y));
                    REQUIRE(out(i, j) == best);
                }
        }
    image<float> in(37, 23, 1), wrong(9, 6, 1);
    CHECK_THROWS_WITH(ias::fn::max_pool(in.view(), wrong.view(), 4), Catch::Contains("out is 9x6") && Catch::Contains("must be 10x6"));
}

TEST_CASE("morphology: connected components match a flood fill", "[morphology]") {
    for (const auto& [w, h] : std::vector<std::pair<int, int>>{{37, 23}, {64, 64}, {1, 1}, {1, 17}, {19, 1}, {2, 2}})
        for (const double ones : {0.0, 0.3, 0.5, 0.6, 1.0})
            for (const auto c : {ias::fn::connectivity::four, ias::fn::connectivity::eight}) {
                CAPTURE(w, h, ones, int(c));
                auto m = random_mask(w, h, true, std::uint64_t(w + h) + std::uint64_t(ones * 10), ones);
                int expected_count = 0;
                const auto expected = reference_labels(m, c == ias::fn::connectivity::eight, 0.5f, expected_count);
                std::vector<std::int32_t> labels(m.size(), -7);
                const int count = ias::fn::connected_components(m.view(), labels, c);
                REQUIRE(count == expected_count);
                REQUIRE(labels == expected);
                const auto areas = ias::fn::component_areas(labels, count);
                REQUIRE(areas.size() == std::size_t(count) + 1);
                std::int64_t total = 0;
                for (const auto a : areas) total += a;
                REQUIRE(total == std::int64_t(m.size()));
                for (std::size_t k = 1; k < areas.size(); ++k) REQUIRE(areas[k] > 0);
            }
    SECTION("a threshold on a soft mask") {
        const auto soft = random_mask(37, 23, false, 12);
        int expected_count = 0;
        const auto expected = reference_labels(soft, true, 0.7f, expected_count);
        std::vector<std::int32_t> labels(soft.size());
        CHECK(ias::fn::connected_components(soft.view(), labels, ias::fn::connectivity::eight, 0.7f) == expected_count);
        CHECK(labels == expected);
    }
    SECTION("diagonal steps join under 8-connectivity only") {
        image<float> diagonal(9, 9, 1, 0.0f);
        for (int i = 0; i < 9; ++i) diagonal(i, i) = 1.0f;
        for (int i = 0; i < 9; ++i) diagonal(8 - i, i) = 1.0f;  // an X of 17 pixels, sharing the centre
        std::vector<std::int32_t> labels(81);
        CHECK(ias::fn::connected_components(diagonal.view(), labels, ias::fn::connectivity::four) == 17);
        CHECK(ias::fn::connected_components(diagonal.view(), labels, ias::fn::connectivity::eight) == 1);
        CHECK(ias::fn::component_areas(labels, 1) == std::vector<std::int64_t>{81 - 17, 17});
    }
    SECTION("a U shape is one component numbered from its first pixel") {
        // Two arms meet only at the bottom: the union-find must merge labels seen apart.
        image<float> u(7, 5, 1, 0.0f);
        for (int y = 0; y < 5; ++y) u(1, y) = u(5, y) = 1.0f;
        for (int x = 1; x <= 5; ++x) u(x, 4) = 1.0f;
        u(3, 0) = 1.0f;  // a separate dot between the arms
        std::vector<std::int32_t> labels(35);
        REQUIRE(ias::fn::connected_components(u.view(), labels, ias::fn::connectivity::four) == 2);
        CHECK(labels[1] == 1);
        CHECK(labels[3] == 2);
        CHECK(labels[5] == 1);
        CHECK(labels[4 * 7 + 3] == 1);
    }
}

TEST_CASE("morphology: bad arguments are rejected by name", "[morphology]") {
    image<float> a(8, 8, 1), b(8, 7, 1), rgb(8, 8, 3), scratch;
    CHECK_THROWS_WITH(ias::fn::mask_union(a.view(), b.view(), a.view()), Catch::Contains("b is 8x7 but a is 8x8"));
    CHECK_THROWS_WITH(ias::fn::mask_product(a.view(), a.view(), b.view()), Catch::Contains("out is 8x7"));
    CHECK_THROWS_WITH(ias::fn::mask_intersection(rgb.view(), a.view(), a.view()), Catch::Contains("a must have one channel, it has 3"));
    CHECK_THROWS_WITH(ias::fn::mask_difference(a.view(), a.view(), rgb.view()), Catch::Contains("out must have one channel"));
    CHECK_THROWS_WITH(ias::fn::dilate(a.view(), b.view(), {}), Catch::Contains("dilate: out is 8x7 but in is 8x8"));
    CHECK_THROWS_WITH(ias::fn::erode(rgb.view(), a.view(), {}), Catch::Contains("erode: in must have one channel"));
    CHECK_THROWS_WITH(ias::fn::dilate(a.view(), a.view(), {kernel_shape::disk, 0}, scratch), Catch::Contains("se.size is 0"));
    CHECK_THROWS_WITH(ias::fn::open(a.view(), a.view(), {kernel_shape::square, 1024}), Catch::Contains("open: se.size is 1024"));
    CHECK_THROWS_WITH(ias::fn::close(a.view(), a.view(), {kernel_shape(7), 3}), Catch::Contains("se.shape is 7"));
    CHECK_THROWS_WITH(ias::fn::median_filter(a.view(), a.view(), 4), Catch::Contains("size is 4; it must be odd"));
    CHECK_THROWS_WITH(ias::fn::median_filter(a.view(), b.view(), 3), Catch::Contains("out is 8x7"));
    CHECK_THROWS_WITH(ias::fn::gaussian_feather(a.view(), a.view(), -1.0f), Catch::Contains("sigma is -1"));
    CHECK_THROWS_WITH(ias::fn::gaussian_feather(a.view(), a.view(), std::numeric_limits<float>::infinity()), Catch::Contains("sigma is inf"));
    CHECK_THROWS_WITH(ias::fn::max_pool(a.view(), a.view(), 0), Catch::Contains("stride is 0"));
    CHECK_THROWS_WITH(ias::fn::max_pool(rgb.view(), a.view(), 1), Catch::Contains("in must have one channel"));
    std::vector<std::int32_t> labels(63);
    CHECK_THROWS_WITH(ias::fn::connected_components(a.view(), labels), Catch::Contains("labels has 63 entries") && Catch::Contains("64"));
    labels.resize(64);
    CHECK_THROWS_WITH(ias::fn::connected_components(a.view(), labels, ias::fn::connectivity(5)), Catch::Contains("c is 5"));
    CHECK_THROWS_WITH(ias::fn::connected_components(a.view(), labels, ias::fn::connectivity::four, std::nanf("")), Catch::Contains("threshold"));
    CHECK_THROWS_WITH(ias::fn::connected_components(rgb.view(), labels), Catch::Contains("mask must have one channel"));
    CHECK_THROWS_WITH(ias::fn::component_areas(labels, -1), Catch::Contains("count is -1"));
    const std::vector<std::int32_t> high{0, 1, 3};
    CHECK_THROWS_WITH(ias::fn::component_areas(high, 2), Catch::Contains("labels holds 3"));
}
