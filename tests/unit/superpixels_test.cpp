// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include <ias/transforms/superpixel_mask.hpp>

namespace {

/// Four flat colour regions split at (90, 70), with mild noise.
ias::image<std::uint8_t> quadrants(int w, int h) {
    ias::image<std::uint8_t> im(w, h, 3);
    ias::rng_stream rng(1, 0);
    const std::uint8_t colours[4][3] = {{200, 40, 40}, {40, 200, 40}, {40, 40, 200}, {220, 220, 220}};
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const int q = (x >= 90 ? 1 : 0) + (y >= 70 ? 2 : 0);
            for (int c = 0; c < 3; ++c)
                im(x, y, c) = std::uint8_t(std::clamp(colours[q][c] + rng.normal(0.0f, 4.0f), 0.0f, 255.0f));
        }
    return im;
}

std::vector<std::int32_t> segment(const ias::image<std::uint8_t>& im, int segments, int& n) {
    std::vector<std::int32_t> labels(std::size_t(im.width()) * std::size_t(im.height()));
    ias::fn::slic_scratch scratch;
    n = ias::fn::slic(im.view(), std::span<std::int32_t>(labels), {.segments = segments}, scratch);
    return labels;
}

}  // namespace

TEST_CASE("superpixels: SLIC gives about K connected regions that follow colour edges", "[superpixels]") {
    const int w = 160, h = 120;
    const auto im = quadrants(w, h);
    int n = 0;
    const auto labels = segment(im, 80, n);
    CHECK(n >= 56);
    CHECK(n <= 104);
    // Every label is used and forms one 4-connected region.
    std::vector<int> seen(std::size_t(n), 0);
    for (const auto l : labels) {
        REQUIRE(l >= 0);
        REQUIRE(l < n);
        seen[std::size_t(l)] = 1;
    }
    for (const int s : seen) REQUIRE(s == 1);
    std::vector<std::uint8_t> visited(labels.size(), 0);
    std::set<std::int32_t> flooded;
    for (std::size_t start = 0; start < labels.size(); ++start) {
        if (visited[start]) continue;
        REQUIRE(flooded.insert(labels[start]).second);  // a second region with the same label would fail here
        std::vector<std::size_t> stack{start};
        visited[start] = 1;
        while (!stack.empty()) {
            const std::size_t i = stack.back();
            stack.pop_back();
            const int x = int(i % w), y = int(i / w);
            for (const auto& [dx, dy] : {std::pair{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
                const int nx = x + dx, ny = y + dy;
                if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                const std::size_t j = std::size_t(ny * w + nx);
                if (!visited[j] && labels[j] == labels[i]) {
                    visited[j] = 1;
                    stack.push_back(j);
                }
            }
        }
    }
    // Superpixels respect the colour edges: almost every pixel shares its superpixel's majority quadrant.
    std::map<std::int32_t, std::array<int, 4>> votes;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) ++votes[labels[std::size_t(y * w + x)]][std::size_t((x >= 90) + 2 * (y >= 70))];
    int minority = 0;
    for (const auto& [label, v] : votes) minority += v[0] + v[1] + v[2] + v[3] - *std::max_element(v.begin(), v.end());
    CHECK(minority < w * h / 100);
    int again = 0;
    CHECK(segment(im, 80, again) == labels);
}

TEST_CASE("superpixel_mask: masks whole superpixels, a share in range, replayable", "[superpixels]") {
    const auto im = quadrants(160, 120);
    const ias::superpixel_mask t({.slic = {.segments = 60}, .fraction = {0.1f, 0.3f}});
    int n = 0;
    const auto labels = segment(im, 60, n);
    for (std::uint64_t i = 0; i < 20; ++i) {
        ias::sample s(im);
        s.trace.emplace();
        ias::rng_stream rng(6, i);
        ias::run(t, s, rng);
        REQUIRE(s.label == 1);
        // Whole superpixels: every label is either fully in or fully out of the mask.
        std::map<std::int32_t, std::set<float>> values;
        for (std::size_t k = 0; k < labels.size(); ++k) values[labels[k]].insert(s.mask.data()[k]);
        int chosen = 0;
        for (const auto& [label, v] : values) {
            REQUIRE(v.size() == 1);
            chosen += *v.begin() == 1.0f;
        }
        CHECK(chosen >= int(0.1 * n));
        CHECK(chosen <= int(std::ceil(0.3 * n)));
        ias::sample again(im);
        ias::replay(t, again, *s.trace);
        REQUIRE(again.mask == s.mask);
    }
    CHECK_THROWS_WITH(ias::superpixel_mask({.fraction = {0.5f, 0.2f}}),
                      Catch::Contains("ias::superpixel_mask: parameter 'fraction' is [0.5, 0.2]") && Catch::Contains("0 <= min <= max <= 1"));
    std::vector<std::int32_t> wrong(3);
    ias::fn::slic_scratch scratch;
    CHECK_THROWS_WITH(ias::fn::slic(im.view(), std::span<std::int32_t>(wrong), {}, scratch), Catch::Contains("labels holds 3 entries"));
}
