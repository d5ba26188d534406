// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <algorithm>
#include <mutex>
#include <numeric>
#include <span>
#include <stdexcept>
#include <vector>

#include <ias/generate.hpp>

#include "test_transforms.hpp"

using ias_test::add_noise;
using ias_test::paint_rect;

namespace {
const auto test_pipeline = ias::pipeline(add_noise{}, ias::sometimes(0.7, paint_rect{}),
                                         ias::one_of({1.0f, 3.0f}, add_noise{}, paint_rect{.max_fraction = 0.1f}));

// Two source images of different types and sizes, chosen by index like the CLI does.
void source(std::uint64_t index, ias::sample& s) {
    if (index % 2 == 0) {
        auto& im = s.image.emplace<std::uint8_t>(33, 17, 3);
        for (int y = 0; y < 17; ++y)
            for (int x = 0; x < 33; ++x)
                for (int c = 0; c < 3; ++c) im(x, y, c) = std::uint8_t(3 * x + 5 * y + 40 * c);
    } else {
        auto& im = s.image.emplace<float>(20, 31, 1);
        for (int y = 0; y < 31; ++y)
            for (int x = 0; x < 20; ++x) im(x, y) = float(x * y % 17) / 17.0f;
    }
}

std::vector<std::uint64_t> hashes(unsigned threads, std::uint64_t first, std::uint64_t count, std::uint64_t seed = 1234) {
    std::vector<std::uint64_t> out(count);
    ias::generate(
        test_pipeline, source, first, count, threads,
        [&](std::uint64_t index, const ias::sample& s) { out[index - first] = ias_test::hash(s); },
        {.seed = seed});
    return out;
}
}  // namespace

TEST_CASE("generate: identical bytes with 1, 2 and 8 threads and in shuffled order", "[generate]") {
    const auto one = hashes(1, 100, 200);
    CHECK(hashes(2, 100, 200) == one);
    CHECK(hashes(8, 100, 200) == one);
    CHECK(hashes(0, 100, 200) == one);
    CHECK(hashes(1, 100, 200, 1235) != one);

    // Shuffled order, one sample at a time, as a data loader with random sampling would.
    std::vector<std::uint64_t> order(200);
    std::iota(order.begin(), order.end(), 100);
    ias::rng_stream shuffler(5, 0);
    shuffler.shuffle(std::span<std::uint64_t>(order));
    std::vector<std::uint64_t> shuffled(200);
    for (const auto index : order) shuffled[index - 100] = hashes(1, index, 1)[0];
    CHECK(shuffled == one);

    // A listed set of indices with gaps (a shard, a resumed run) gives the same samples, on two threads.
    std::vector<std::uint64_t> every_third;
    for (std::uint64_t i = 101; i < 300; i += 3) every_third.push_back(i);
    std::vector<std::uint64_t> listed(200, 0);
    ias::generate(test_pipeline, source, std::span<const std::uint64_t>(every_third), 2,
                  [&](std::uint64_t i, const ias::sample& s) { listed[i - 100] = ias_test::hash(s); }, {.seed = 1234});
    for (std::uint64_t k = 0; k < 200; ++k) CHECK(listed[k] == (k % 3 == 1 ? one[k] : 0));
    const std::vector<std::uint64_t> too_large{1ull << 32};
    CHECK_THROWS_AS(ias::generate(test_pipeline, source, std::span<const std::uint64_t>(too_large), 1,
                                  [](std::uint64_t, const ias::sample&) {}),
                    std::out_of_range);

    // A different epoch gives a different dataset.
    std::vector<std::uint64_t> epoch1(200);
    ias::generate(test_pipeline, source, 100, 200, 2,
                  [&](std::uint64_t i, const ias::sample& s) { epoch1[i - 100] = ias_test::hash(s); },
                  {.seed = 1234, .epoch = 1});
    CHECK(epoch1 != one);
}

TEST_CASE("generate: golden hashes pin the streams", "[generate]") {
    // A change here means every dataset generated with ias so far would come out different.
    const auto h = hashes(1, 0, 3);
    CHECK(h[0] == 0x6936ae63dfdaa379ull);
    CHECK(h[1] == 0x67bf8713ba1a5db9ull);
    CHECK(h[2] == 0x063f4bf0b3f325f0ull);
}

TEST_CASE("generate: samples are validated, annotated and traced", "[generate]") {
    std::mutex m;
    int labelled = 0, traced = 0;
    ias::generate(
        test_pipeline, source, 0, 50, 2,
        [&](std::uint64_t, const ias::sample& s) {
            std::lock_guard lock(m);
            REQUIRE(s.mask.width() == s.image.width());
            REQUIRE(s.mask.height() == s.image.height());
            bool any = false;
            for (std::size_t i = 0; i < s.mask.size(); ++i) any = any || s.mask.data()[i] > 0.0f;
            CHECK(any == (s.label == 1));
            labelled += s.label;
            traced += s.trace && s.trace->size() >= 3;
        },
        {.seed = 9, .trace = true});
    CHECK(labelled > 25);
    CHECK(traced == 50);
}

TEST_CASE("generate: the first error stops the run and reaches the caller", "[generate]") {
    std::atomic<int> sunk{0};
    auto failing_source = [](std::uint64_t index, ias::sample& s) {
        if (index == 17) throw ias::error("cannot read input 17");
        source(index, s);
    };
    CHECK_THROWS_WITH(ias::generate(test_pipeline, failing_source, 0, 1000, 4,
                                    [&](std::uint64_t, const ias::sample&) { ++sunk; }),
                      "cannot read input 17");
    CHECK(sunk < 1000);

    auto bad_mask = [](std::uint64_t index, ias::sample& s) {
        source(index, s);
        s.mask.resize(3, 3, 1);
    };
    CHECK_THROWS_WITH(ias::generate(test_pipeline, bad_mask, 0, 4, 2, [](std::uint64_t, const ias::sample&) {}),
                      Catch::Contains("the mask is 3x3x1"));
    CHECK_THROWS_AS(ias::generate(test_pipeline, source, 0xFFFFFFF0ull, 100, 1, [](std::uint64_t, const ias::sample&) {}),
                    std::out_of_range);
}
