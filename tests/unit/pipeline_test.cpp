// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <map>

#include <ias/core.hpp>

#include "test_transforms.hpp"

using ias_test::add_noise;
using ias_test::paint_rect;
using ias_test::tag;

namespace {
ias::sample run(const auto& t, std::uint64_t index, bool trace = false) {
    ias::sample s = ias_test::gradient_sample(24, 16, 3);
    if (trace) s.trace.emplace();
    ias::rng_stream rng(77, index);
    ias::run(t, s, rng);
    return s;
}
std::string kinds(const auto& t, std::uint64_t index) { return run(t, index).defect_kind; }

struct not_a_transform {
    int x;
};
}  // namespace

TEST_CASE("transform concepts", "[pipeline]") {
    STATIC_REQUIRE(ias::transform<tag>);
    STATIC_REQUIRE(ias::transform<add_noise>);
    STATIC_REQUIRE(ias::parametrised_transform<paint_rect>);
    STATIC_REQUIRE_FALSE(ias::parametrised_transform<add_noise>);
    STATIC_REQUIRE_FALSE(ias::transform<not_a_transform>);
    STATIC_REQUIRE(ias::self_tracing_transform<ias::pipeline<tag, tag>>);
    STATIC_REQUIRE(ias::transform<ias::any_transform>);
    STATIC_REQUIRE(std::is_copy_constructible_v<ias::any_transform>);
}

TEST_CASE("pipeline: stages run in order, each with its own fork of the stream", "[pipeline]") {
    const auto p = ias::pipeline(tag{'a'}, tag{'b'}, tag{'c'});
    CHECK(kinds(p, 0) == "abc");
    CHECK(p.size() == 3);

    // Stage i sees rng.fork(i): calling the stages by hand with those forks gives the same bytes.
    const auto noisy = ias::pipeline(add_noise{}, paint_rect{}, add_noise{});
    ias::sample by_hand = ias_test::gradient_sample(24, 16, 3);
    const ias::rng_stream root(77, 5);
    auto r0 = root.fork(0), r1 = root.fork(1), r2 = root.fork(2);
    add_noise{}(by_hand, r0);
    paint_rect{}(by_hand, r1);
    add_noise{}(by_hand, r2);
    CHECK(ias_test::hash(run(noisy, 5)) == ias_test::hash(by_hand));
}

TEST_CASE("pipeline: a | b | c is pipeline(a, b, c), flattened", "[pipeline]") {
    using ias::operator|;  // found by ADL for ias types; user types in other namespaces import it
    const auto chained = add_noise{} | paint_rect{} | add_noise{};
    STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(chained)>, ias::pipeline<add_noise, paint_rect, add_noise>>);
    const auto nested = ias::pipeline(add_noise{}, paint_rect{}) | ias::pipeline(add_noise{});
    for (std::uint64_t i = 0; i < 5; ++i) {
        const auto expected = ias_test::hash(run(ias::pipeline(add_noise{}, paint_rect{}, add_noise{}), i));
        CHECK(ias_test::hash(run(chained, i)) == expected);
        CHECK(ias_test::hash(run(nested, i)) == expected);
    }
}

// The combinators' probabilities over 10,000 draws. With n = 10,000 a frequency p has a
// standard deviation of at most 0.005, so the tolerance of 0.02 is four standard deviations.
constexpr int draws = 10000;
constexpr double tolerance = 0.02;

TEST_CASE("sometimes: applies with probability p", "[compose]") {
    for (const double p : {0.0, 0.3, 0.5, 1.0}) {
        CAPTURE(p);
        const auto t = ias::sometimes(p, tag{'x'});
        int applied = 0;
        for (int i = 0; i < draws; ++i) applied += kinds(t, std::uint64_t(i)) == "x";
        CHECK(applied / double(draws) == Approx(p).margin(tolerance));
    }
    CHECK_THROWS_WITH(ias::sometimes(1.5, tag{'x'}), Catch::Contains("probability must lie in [0, 1], got 1.5"));
    CHECK_THROWS_AS(ias::sometimes(std::nan(""), tag{'x'}), std::invalid_argument);
}

TEST_CASE("one_of: picks transform k with probability w_k / sum", "[compose]") {
    const auto t = ias::one_of({1.0f, 2.0f, 7.0f}, tag{'a'}, tag{'b'}, tag{'c'});
    std::map<std::string, int> counts;
    for (int i = 0; i < draws; ++i) ++counts[kinds(t, std::uint64_t(i))];
    CHECK(counts.size() == 3);
    CHECK(counts["a"] / double(draws) == Approx(0.1).margin(tolerance));
    CHECK(counts["b"] / double(draws) == Approx(0.2).margin(tolerance));
    CHECK(counts["c"] / double(draws) == Approx(0.7).margin(tolerance));

    const auto uniform = ias::one_of(tag{'a'}, tag{'b'});
    int a = 0;
    for (int i = 0; i < draws; ++i) a += kinds(uniform, std::uint64_t(i)) == "a";
    CHECK(a / double(draws) == Approx(0.5).margin(tolerance));

    CHECK_THROWS_WITH(ias::one_of({1.0f}, tag{'a'}, tag{'b'}), Catch::Contains("got 1 weights for 2 transforms"));
    CHECK_THROWS_WITH(ias::one_of({1.0f, -1.0f}, tag{'a'}, tag{'b'}), Catch::Contains("weight 1 is -1"));
    CHECK_THROWS_WITH(ias::one_of({0.0f, 0.0f}, tag{'a'}, tag{'b'}), Catch::Contains("sum to 0"));
}

TEST_CASE("some_of: n distinct transforms, every ordered choice equally likely", "[compose]") {
    const auto t = ias::some_of(2, tag{'a'}, tag{'b'}, tag{'c'}, tag{'d'});
    std::map<std::string, int> counts;
    for (int i = 0; i < draws; ++i) {
        const std::string k = kinds(t, std::uint64_t(i));
        REQUIRE(k.size() == 2);
        REQUIRE(k[0] != k[1]);
        ++counts[k];
    }
    CHECK(counts.size() == 12);  // 4 * 3 ordered pairs
    for (const auto& [k, c] : counts) {
        CAPTURE(k);
        CHECK(c / double(draws) == Approx(1.0 / 12).margin(tolerance));
    }
    CHECK(kinds(ias::some_of(0, tag{'a'}), 0).empty());
    CHECK(kinds(ias::some_of(3, tag{'a'}, tag{'b'}, tag{'c'}), 0).size() == 3);
    CHECK_THROWS_WITH(ias::some_of(3, tag{'a'}, tag{'b'}), Catch::Contains("count must lie in [0, 2], got 3"));
}

TEST_CASE("repeat: the count is uniform over lo..hi", "[compose]") {
    const auto t = ias::repeat(1, 4, tag{'r'});
    std::array<int, 5> counts{};
    for (int i = 0; i < draws; ++i) ++counts[kinds(t, std::uint64_t(i)).size()];
    CHECK(counts[0] == 0);
    for (int n = 1; n <= 4; ++n) CHECK(counts[std::size_t(n)] / double(draws) == Approx(0.25).margin(tolerance));
    CHECK_THROWS_WITH(ias::repeat(3, 2, tag{'r'}), Catch::Contains("0 <= min_count <= max_count, got [3, 2]"));
}

TEST_CASE("any_transform and dynamic_pipeline give the same bytes as pipeline", "[any_transform]") {
    const auto fixed = ias::pipeline(add_noise{}, ias::sometimes(0.5, paint_rect{}), add_noise{});
    ias::dynamic_pipeline dynamic{add_noise{}, ias::sometimes(0.5, paint_rect{})};
    dynamic.push_back(ias::any_transform(add_noise{}));
    CHECK(dynamic.size() == 3);
    const ias::any_transform erased = fixed;
    const ias::any_transform copy = erased;  // copies share the held transform
    CHECK(copy.stage_name() == "pipeline");
    for (std::uint64_t i = 0; i < 20; ++i) {
        const auto expected = ias_test::hash(run(fixed, i));
        CHECK(ias_test::hash(run(dynamic, i)) == expected);
        CHECK(ias_test::hash(run(copy, i)) == expected);
    }
}

TEST_CASE("trace: records every sampled parameter, and replay gives the same bytes", "[trace]") {
    const auto p = ias::pipeline(add_noise{}, ias::one_of(paint_rect{}, tag{'t'}), ias::repeat(0, 3, paint_rect{.max_fraction = 0.2f}),
                                 ias::some_of(1, tag{'u'}, add_noise{}), ias::sometimes(0.5, paint_rect{}));
    int rects = 0;
    for (std::uint64_t i = 0; i < 30; ++i) {
        const ias::sample recorded = run(p, i, true);
        REQUIRE(recorded.trace);
        const auto& entries = recorded.trace->entries();
        REQUIRE(entries.size() >= 5);
        CHECK(entries[0].stage == "add_noise");
        CHECK(entries[1].stage == "one_of");
        for (const auto& e : entries) {
            if (e.stage != "paint_rect") continue;
            ++rects;
            REQUIRE(e.fields.size() == 5);
            CHECK(e.fields[0].name == "x");
            CHECK(e.fields[4].name == "value");
        }
        // Replay on the untouched input, from the trace alone: the same bytes.
        ias::sample again = ias_test::gradient_sample(24, 16, 3);
        ias::replay(p, again, *recorded.trace);
        CHECK(ias_test::hash(again) == ias_test::hash(recorded));
        // Tracing does not change the result.
        CHECK(ias_test::hash(run(p, i, false)) == ias_test::hash(recorded));
        // Replay through any_transform and dynamic_pipeline reads the same trace.
        ias::sample erased = ias_test::gradient_sample(24, 16, 3);
        ias::replay(ias::dynamic_pipeline{ias::any_transform(p)}, erased, *recorded.trace);
        CHECK(ias_test::hash(erased) == ias_test::hash(recorded));
    }
    CHECK(rects > 20);
}

TEST_CASE("trace: an edited parameter is applied on replay, a foreign trace is an error", "[trace]") {
    const auto p = ias::pipeline(paint_rect{});
    ias::sample s = run(p, 3, true);
    ias::trace edited;
    auto params = s.trace->entries()[0].params_as<paint_rect::params_type>();
    params.x = 0;
    params.y = 0;
    params.width = 2;
    params.height = 2;
    edited.record("paint_rect", params);
    ias::sample replayed = ias_test::gradient_sample(24, 16, 3);
    ias::replay(p, replayed, edited);
    double area = 0;
    for (std::size_t i = 0; i < replayed.mask.size(); ++i) area += replayed.mask.data()[i];
    CHECK(area == 4.0);
    CHECK(replayed.mask(1, 1) == 1.0f);

    ias::trace wrong;
    wrong.record("sometimes", ias::sometimes<tag>::params_type{true});
    CHECK_THROWS_WITH(ias::replay(p, replayed, wrong),
                      Catch::Contains("trace entry 0 is from stage 'sometimes'") && Catch::Contains("'paint_rect'"));
    edited.record("paint_rect", params);
    CHECK_THROWS_WITH(ias::replay(p, replayed, edited), Catch::Contains("the pipeline used only 1"));
    CHECK_THROWS_WITH(ias::replay(ias::pipeline(paint_rect{}, paint_rect{}, paint_rect{}), replayed, edited),
                      Catch::Contains("wants more"));
}
