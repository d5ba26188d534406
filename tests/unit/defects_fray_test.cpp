// Procedural fray (wear along an edge): the band hugs the object's edge, its extent, raggedness, polarity, streaks, spec ranges, determinism, clipping.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <stdexcept>
#include <vector>

#include <ias/defects/fray.hpp>
#include <ias/defects/placement.hpp>

#include "defect_checks.hpp"

using namespace ias;
using ias_test::disk_foreground;
using ias_test::mask_matches_change;

namespace {

constexpr float pi = std::numbers::pi_v<float>;

/// The Euclidean distance from the centre of pixel (x, y) to the centre of the nearest pixel
/// outside the foreground (outside the image counts as outside), searched up to `limit`;
/// a value above `limit` when there is none that near.
float distance_to_background(const image<float>& fg, int x, int y, float limit) {
    const int r = int(std::ceil(limit)) + 1;
    float best = limit + 1.0f;
    for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx) {
            const int px = x + dx, py = y + dy;
            const bool outside = px < 0 || py < 0 || px >= fg.width() || py >= fg.height() || !(fg(px, py) > 0.5f);
            if (outside) best = std::min(best, std::hypot(float(dx), float(dy)));
        }
    return best;
}

/// The sum of the mask down each column: for a band along the top border, its depth profile.
std::vector<float> column_profile(const image<float>& mask) {
    std::vector<float> profile(std::size_t(mask.width()), 0.0f);
    for (int y = 0; y < mask.height(); ++y)
        for (int x = 0; x < mask.width(); ++x) profile[std::size_t(x)] += mask(x, y);
    return profile;
}

/// Σ |profile[i + 1] − profile[i]|.
float total_variation(const std::vector<float>& profile) {
    float sum = 0.0f;
    for (std::size_t i = 1; i < profile.size(); ++i) sum += std::abs(profile[i] - profile[i - 1]);
    return sum;
}

/// A fray along the top border of a w-wide image, centred, pointing up out of the image.
fray_params top_fray(int w, float length, float depth, float raggedness, std::uint64_t pattern) {
    return {.x = 0.5f * float(w), .y = 0.5f, .outward = -pi / 2, .length = length, .depth = depth, .raggedness = raggedness,
            .contrast = 0.25f, .bright = false, .streak_period = 3.0f, .pattern = pattern, .softness = 0.3f};
}

}  // namespace

TEST_CASE("defect fray hugs the edge of a disk-shaped object", "[defects][fray]") {
    const int w = 160, h = 160;
    const image<float> fg = disk_foreground(w, h, 55.0f);
    const auto spec = defect_spec::of(defect_type::fray);
    for (std::uint32_t i = 0; i < 40; ++i) {
        INFO("stream " << i);
        image<float> im(w, h, 3, 0.1f), mask(w, h, 1, 0.0f);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                for (int c = 0; c < 3; ++c) im(x, y, c) = fg(x, y) > 0.5f ? 0.5f : 0.1f;
        const image<float> before = im;
        rng_stream rng(31, i);
        const defect_site site = place_defect(spec, fg, w, h, rng);
        const fray_params p = sample_fray(spec, site, w, h, rng);
        render_fray(im, mask, p, fg);
        const float edge = std::max(1.0f, 3.0f * p.softness);
        const float limit = p.depth + edge + 2.0f;  // + 2: the chamfer distance's tolerance
        bool touches = false;
        int masked = 0;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                if (!(mask(x, y) > 0.0f)) continue;
                ++masked;
                REQUIRE(fg(x, y) > 0.5f);  // only the object wears
                touches = touches || detail::placement::on_boundary(fg, x, y);
                REQUIRE(distance_to_background(fg, x, y, limit) <= limit);
                // Near the site on the tangent, within half the length: |t| < length/2.
                const float t = (float(x) + 0.5f - p.x) * -std::sin(p.outward) + (float(y) + 0.5f - p.y) * std::cos(p.outward);
                REQUIRE(std::abs(t) < 0.5f * p.length);
            }
        CHECK(touches);
        CHECK(float(masked) >= 0.3f * p.length);  // at least a pixel deep along most of its length
        REQUIRE(mask_matches_change(before, im, mask));
    }
}

TEST_CASE("defect fray extends along the edge and not into the object", "[defects][fray]") {
    const int w = 200, h = 120;
    const image<float> none;
    for (std::uint64_t pattern = 0; pattern < 8; ++pattern) {
        INFO("pattern " << pattern);
        const float length = 60.0f + 10.0f * float(pattern), depth = 2.0f + 0.5f * float(pattern);
        image<float> im(w, h, 1, 0.5f), mask(w, h, 1, 0.0f);
        const fray_params p = top_fray(w, length, depth, 0.5f, pattern);
        render_fray(im, mask, p, none);
        const float edge = 1.0f;  // max(1, 3 · 0.3)
        int xmin = w, xmax = -1, ymax = -1;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                if (mask(x, y) > 0.0f) xmin = std::min(xmin, x), xmax = std::max(xmax, x), ymax = std::max(ymax, y);
        CHECK(float(ymax) < depth + edge + 1.0f);
        CHECK(float(xmax - xmin + 1) >= 0.6f * length);
        CHECK(float(xmax - xmin + 1) <= length + 2.0f);
        CHECK(mask(w / 2, 0) == 1.0f);  // the outermost row at the middle is fully worn
        CHECK(mask_matches_change(image<float>(w, h, 1, 0.5f), im, mask));
    }

    // Along each border, pointing out of the image: the band lies along that border.
    struct border {
        float x, y, outward;
        bool vertical;
    };
    const border borders[] = {{100.0f, h - 0.5f, pi / 2, false}, {0.5f, 60.0f, pi, true}, {w - 0.5f, 60.0f, 0.0f, true}};
    for (const border& b : borders) {
        image<float> im(w, h, 3, 0.5f), mask(w, h, 1, 0.0f);
        fray_params p = top_fray(w, 50.0f, 3.0f, 0.5f, 5);
        p.x = b.x, p.y = b.y, p.outward = b.outward;
        render_fray(im, mask, p);
        int along_min = 1000, along_max = -1, across = 0;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                if (!(mask(x, y) > 0.0f)) continue;
                const int a = b.vertical ? y : x;
                const float from_border = b.vertical ? std::min(float(x), float(w - 1 - x)) : std::min(float(y), float(h - 1 - y));
                along_min = std::min(along_min, a), along_max = std::max(along_max, a);
                across = std::max(across, int(from_border));
            }
        CHECK(across < 3 + 1 + 1);
        CHECK(float(along_max - along_min + 1) >= 0.6f * 50.0f);
        CHECK(float(along_max - along_min + 1) <= 52.0f);
    }
}

TEST_CASE("defect fray stays on the edge of its site and not on the far side of a thin object", "[defects][fray]") {
    // A strip 20 pixels thick (rows 10 to 29) and a thin image: the far edge is within the band's box.
    const int w = 200, h = 40;
    image<float> strip(w, h, 1, 0.0f);
    for (int y = 10; y < 30; ++y)
        for (int x = 0; x < w; ++x) strip(x, y) = 1.0f;
    const image<float> none;
    struct setting {
        const image<float>* foreground;
        float y, outward;  // the site's row and direction
        int near_lo, near_hi;  // the rows the band may occupy
    };
    const setting settings[] = {{&strip, 10.5f, -pi / 2, 10, 16}, {&strip, 29.5f, pi / 2, 23, 29}, {&none, 0.5f, -pi / 2, 0, 6},
                                {&none, h - 0.5f, pi / 2, h - 7, h - 1}};
    for (const setting& s : settings) {
        INFO("site row " << s.y);
        image<float> im(w, h, 3, 0.5f), mask(w, h, 1, 0.0f);
        fray_params p = top_fray(w, 150.0f, 5.0f, 0.5f, 3);
        p.y = s.y, p.outward = s.outward;
        render_fray(im, mask, p, *s.foreground);
        int masked = 0;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                if (mask(x, y) > 0.0f) {
                    ++masked;
                    REQUIRE((y >= s.near_lo && y <= s.near_hi));
                }
        CHECK(masked > 300);
        CHECK(mask_matches_change(image<float>(w, h, 3, 0.5f), im, mask));
    }

    // Round a small object the band wraps, in one piece: a disk of radius 12 under a fray 60 long.
    const image<float> dot = disk_foreground(60, 60, 12.0f);
    image<float> im(60, 60, 1, 0.5f), mask(60, 60, 1, 0.0f);
    render_fray(im, mask, {.x = 30.0f, .y = 18.5f, .outward = -pi / 2, .length = 60.0f, .depth = 3.0f, .raggedness = 0.0f}, dot);
    int left = 0, right = 0;
    for (int y = 0; y < 60; ++y)
        for (int x = 0; x < 60; ++x) {
            REQUIRE((mask(x, y) == 0.0f || dot(x, y) > 0.5f));
            left += mask(x, y) > 0.0f && x < 20 && y > 30;
            right += mask(x, y) > 0.0f && x >= 40 && y > 30;
        }
    CHECK(left > 5);
    CHECK(right > 5);
}

TEST_CASE("defect fray raggedness roughens the inner limit of the band", "[defects][fray]") {
    const int w = 200, h = 90;  // the bottom border stays beyond the band's box
    for (std::uint64_t pattern = 0; pattern < 6; ++pattern) {
        INFO("pattern " << pattern);
        image<float> smooth(w, h, 1, 0.5f), smooth_mask(w, h, 1, 0.0f), rough(w, h, 1, 0.5f), rough_mask(w, h, 1, 0.0f);
        render_fray(smooth, smooth_mask, top_fray(w, 120.0f, 5.0f, 0.0f, pattern));
        render_fray(rough, rough_mask, top_fray(w, 120.0f, 5.0f, 0.7f, pattern));
        const std::vector<float> a = column_profile(smooth_mask), b = column_profile(rough_mask);
        // Without raggedness the depth follows the taper alone: one rise and one fall.
        int turns = 0;
        float previous = 0.0f;
        for (std::size_t i = 1; i < a.size(); ++i) {
            const float step = a[i] - a[i - 1];
            if (std::abs(step) < 1e-4f) continue;
            if (previous != 0.0f && (step > 0.0f) != (previous > 0.0f)) ++turns;
            previous = step;
        }
        CHECK(turns == 1);
        const float peak = *std::max_element(a.begin(), a.end());
        CHECK(peak == Approx(5.0f).margin(0.05f));  // the band's depth at the middle
        CHECK(total_variation(a) <= 2.0f * peak + 1e-3f);
        // With it the depth wanders along the edge.
        CHECK(total_variation(b) > 1.5f * total_variation(a));
        for (std::size_t i = 0; i < b.size(); ++i) REQUIRE(b[i] <= a[i] + 1e-4f);  // raggedness only eats into the band
    }
}

TEST_CASE("defect fray polarity and streaks across the edge", "[defects][fray]") {
    const int w = 160, h = 80;  // the bottom border stays beyond the band's box
    for (const bool bright : {false, true})
        for (const int channels : {1, 3}) {
            INFO("bright " << bright << " channels " << channels);
            image<float> im(w, h, channels, 0.5f), mask(w, h, 1, 0.0f);
            fray_params p = top_fray(w, 100.0f, 4.0f, 0.5f, 11);
            p.bright = bright;
            p.contrast = 0.3f;
            render_fray(im, mask, p);
            CHECK(mask_matches_change(image<float>(w, h, channels, 0.5f), im, mask));
            std::vector<float> streak;  // the change per unit coverage on the outermost row
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w; ++x) {
                    if (!(mask(x, y) > 0.0f)) continue;
                    const float change = im(x, y) - 0.5f;
                    REQUIRE((bright ? change > 0.0f : change < 0.0f));
                    for (int c = 1; c < channels; ++c) REQUIRE(im(x, y, c) == im(x, y));  // every channel alike
                    const float ratio = std::abs(change) / (p.contrast * mask(x, y));
                    REQUIRE(ratio >= 0.55f - 1e-4f);
                    REQUIRE(ratio <= 1.0f + 1e-4f);
                    if (y == 0) streak.push_back(ratio);
                    // The streak is the same across the band: the rows below share the outermost row's.
                    if (y > 0 && mask(x, 0) > 0.0f)
                        REQUIRE(ratio == Approx(std::abs(im(x, 0) - 0.5f) / (p.contrast * mask(x, 0))).margin(2e-3));
                }
            REQUIRE(streak.size() > 80);
            const auto [lo, hi] = std::minmax_element(streak.begin(), streak.end());
            CHECK(*hi - *lo > 0.15f);  // streaks vary along the edge
            CHECK(total_variation(streak) > 2.0f);  // and many times over 100 pixels
        }
}

TEST_CASE("defect fray tears the edge away to show what lies behind", "[defects][fray]") {
    // A grey disk on a background of 0.1: torn pixels move to the background, worn ones only
    // darken by at most the contrast, and tearing stays inside the band and its mask.
    const int w = 160, h = 160;
    const image<float> fg = disk_foreground(w, h, 55.0f);
    image<float> part(w, h, 1, 0.1f);
    for (std::size_t i = 0; i < part.size(); ++i) part.data()[i] = fg.data()[i] > 0.5f ? 0.5f : 0.1f;
    int torn_samples = 0;
    for (std::uint32_t i = 0; i < 20; ++i) {
        rng_stream rng(40, i);
        const auto spec = defect_spec::of(defect_type::fray);
        const defect_site site = place_defect(spec, fg, w, h, rng);
        fray_params p = sample_fray(spec, site, w, h, rng);
        image<float> worn = part, torn = part, worn_mask(w, h, 1, 0.0f), torn_mask(w, h, 1, 0.0f);
        p.tear = 0.0f;
        render_fray(worn, worn_mask, p, fg);
        p.tear = 0.9f;
        render_fray(torn, torn_mask, p, fg);
        CHECK(torn_mask == worn_mask);
        CHECK(mask_matches_change(part, torn, torn_mask));
        int at_background = 0;
        for (std::size_t k = 0; k < part.size(); ++k) {
            if (fg.data()[k] > 0.5f) REQUIRE(worn.data()[k] >= 0.5f - p.contrast - 1e-6f);
            REQUIRE(torn.data()[k] <= worn.data()[k] + 1e-6f);  // the background is darker than the part
            at_background += fg.data()[k] > 0.5f && std::abs(torn.data()[k] - 0.1f) < 1e-5f;
        }
        torn_samples += at_background > 0;
    }
    CHECK(torn_samples >= 15);
}

TEST_CASE("defect fray parameters follow the spec with a fixed number of draws", "[defects][fray]") {
    const int w = 300, h = 200;
    const defect_site site{10, 20, 1.25f};
    for (const defect_polarity polarity : {defect_polarity::dark, defect_polarity::bright, defect_polarity::any}) {
        int bright = 0;
        for (std::uint32_t i = 0; i < 100; ++i) {
            rng_stream rng(32, i);
            auto spec = defect_spec::of(defect_type::fray);
            spec.polarity = polarity;
            const fray_params p = sample_fray(spec, site, w, h, rng);
            REQUIRE((p.length >= spec.size.min * h && p.length <= spec.size.max * h));
            REQUIRE((p.depth >= spec.thickness.min && p.depth <= spec.thickness.max));
            REQUIRE((p.raggedness >= 0.3f && p.raggedness <= 0.7f));
            REQUIRE((p.contrast >= spec.contrast.min && p.contrast <= spec.contrast.max));
            REQUIRE((p.streak_period >= 2.0f && p.streak_period <= 5.0f));
            REQUIRE((p.tear >= 0.3f && p.tear <= 0.9f));
            REQUIRE((p.x == 10.0f && p.y == 20.0f && p.outward == 1.25f && p.softness == spec.softness));
            bright += p.bright;
        }
        if (polarity == defect_polarity::dark) CHECK(bright == 0);
        if (polarity == defect_polarity::bright) CHECK(bright == 100);
        if (polarity == defect_polarity::any) CHECK((bright >= 30 && bright <= 70));
    }
    // The pattern is a fresh 64-bit draw per stream.
    rng_stream r0(33, 0), r1(33, 1);
    const auto spec = defect_spec::of(defect_type::fray);
    CHECK(sample_fray(spec, site, w, h, r0).pattern != sample_fray(spec, site, w, h, r1).pattern);
    // Specs differing in polarity, size and softness draw the same number of values.
    auto dark = defect_spec::of(defect_type::fray), bright_spec = dark;
    dark.polarity = defect_polarity::dark;
    bright_spec.polarity = defect_polarity::bright, bright_spec.size = {0.5f, 0.6f}, bright_spec.softness = 0.9f;
    for (std::uint32_t i = 0; i < 10; ++i) {
        rng_stream a(34, i), b(34, i), c(34, i);
        (void)sample_fray(dark, site, w, h, a);
        (void)sample_fray(bright_spec, site, w, h, b);
        (void)sample_fray(defect_spec::of(defect_type::fray), site, w, h, c);
        const std::uint32_t next = a.next_u32();
        CHECK(b.next_u32() == next);
        CHECK(c.next_u32() == next);
    }
}

TEST_CASE("defect fray is deterministic and clips at the image corners", "[defects][fray]") {
    const auto spec = defect_spec::of(defect_type::fray);
    const int w = 120, h = 90;
    const image<float> fg = disk_foreground(w, h, 40.0f), none;
    for (const image<float>* foreground : {&none, &fg}) {
        // The same stream gives the same bytes; another index gives others.
        image<float> a(w, h, 3, 0.5f), am(w, h, 1, 0.0f), b(w, h, 3, 0.5f), bm(w, h, 1, 0.0f), c(w, h, 3, 0.5f), cm(w, h, 1, 0.0f);
        rng_stream ra(35, 3), rb(35, 3), rc(35, 4);
        render_fray(a, am, sample_fray(spec, place_defect(spec, *foreground, w, h, ra), w, h, ra), *foreground);
        render_fray(b, bm, sample_fray(spec, place_defect(spec, *foreground, w, h, rb), w, h, rb), *foreground);
        render_fray(c, cm, sample_fray(spec, place_defect(spec, *foreground, w, h, rc), w, h, rc), *foreground);
        CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
        CHECK(std::memcmp(am.data(), bm.data(), am.size() * sizeof(float)) == 0);
        CHECK(std::memcmp(a.data(), c.data(), a.size() * sizeof(float)) != 0);
    }

    // At each corner, pointing out diagonally: clipped, no crash, the corner pixel worn.
    const defect_site corners[] = {{0.5f, 0.5f, -3 * pi / 4}, {w - 0.5f, 0.5f, -pi / 4}, {0.5f, h - 0.5f, 3 * pi / 4},
                                   {w - 0.5f, h - 0.5f, pi / 4}, {0.0f, 0.0f, 0.0f}};
    for (const defect_site& site : corners)
        for (const int channels : {1, 3}) {
            image<float> im(w, h, channels, 0.5f), mask(w, h, 1, 0.0f);
            rng_stream rng(36, std::uint32_t(channels));
            render_fray(im, mask, sample_fray(spec, site, w, h, rng));
            CHECK(mask(std::min(w - 1, int(site.x)), std::min(h - 1, int(site.y))) > 0.0f);
            CHECK(mask_matches_change(image<float>(w, h, channels, 0.5f), im, mask));
        }

    // Far outside the image, or of no length or depth: nothing changes.
    image<float> im(w, h, 1, 0.5f), mask(w, h, 1, 0.0f);
    render_fray(im, mask, {.x = -500.0f, .y = 900.0f, .length = 60.0f, .depth = 4.0f});
    render_fray(im, mask, {.x = 60.0f, .y = 0.5f, .outward = -pi / 2, .length = 0.0f, .depth = 4.0f});
    render_fray(im, mask, {.x = 60.0f, .y = 0.5f, .outward = -pi / 2, .length = 60.0f, .depth = 0.0f});
    CHECK(*std::max_element(mask.data(), mask.data() + mask.size()) == 0.0f);
    CHECK(*std::min_element(im.data(), im.data() + im.size()) == 0.5f);
    // A site inside an object with no background within reach: nothing to wear.
    render_fray(im, mask, {.x = 60.0f, .y = 45.0f, .length = 30.0f, .depth = 4.0f}, fg);
    CHECK(*std::max_element(mask.data(), mask.data() + mask.size()) == 0.0f);

    // A foreground or mask of the wrong shape is rejected.
    const fray_params p{.x = 60.0f, .y = 0.5f, .outward = -pi / 2, .length = 60.0f, .depth = 4.0f};
    CHECK_THROWS_AS(render_fray(im, mask, p, image<float>(w, h, 3, 1.0f)), ias::error);
    CHECK_THROWS_WITH(render_fray(im, mask, p, image<float>(w + 1, h, 1, 1.0f)),
                      Catch::Contains("ias::render_fray") && Catch::Contains("121x90x1") && Catch::Contains("120x90"));
    image<float> wrong(w, h, 3, 0.0f);
    CHECK_THROWS_AS(render_fray(im, wrong, p), std::invalid_argument);
}
