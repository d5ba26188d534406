// SPDX-License-Identifier: MIT
// Settings descriptions (core/describe.hpp): parsing and canonical text of every field type,
// the allowed values and rules, included members under a prefix, and the errors' words.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <ias/core/describe.hpp>

#include "thrown_message.hpp"

namespace {

using Catch::Contains;

struct inner_settings {
    ias::range<int> steps{1, 3};
    float weight = 0.5f;

    static const ias::description<inner_settings>& describe() {
        static const auto d = ias::description<inner_settings>()
                                  .field("steps", &inner_settings::steps, 0, 10, "how many steps")
                                  .field("weight", &inner_settings::weight, 0, 1, "how much")
                                  .rule("steps must not exceed 5 when weight is 1",
                                        [](const inner_settings& s) { return s.weight < 1.0f || s.steps.max <= 5; });
        return d;
    }
};

struct outer_settings {
    float probability = 0.25f;
    int count = 4;
    std::string mode = "fast";
    std::string name{};
    ias::range<float> opacity{0.2f, 1.0f};
    inner_settings inner{};

    static const ias::description<outer_settings>& describe() {
        static const auto d = ias::description<outer_settings>()
                                  .field("probability", &outer_settings::probability, 0, 1, "share of samples")
                                  .field("count", &outer_settings::count, 1, 100, "items")
                                  .field("mode", &outer_settings::mode, {"fast", "exact"}, "which algorithm")
                                  .field("name", &outer_settings::name, {}, "any label")
                                  .field("opacity", &outer_settings::opacity, 0, 1, "blend weight")
                                  .include("inner_", &outer_settings::inner);
        return d;
    }
};
static_assert(ias::described<outer_settings>);
static_assert(!ias::described<ias::range<float>>);

const auto& d = outer_settings::describe();

std::string assign_error(const char* name, const char* text) {
    outer_settings s;
    return ias_test::thrown_message<std::invalid_argument>([&] { d.assign(s, name, text); });
}

}  // namespace

TEST_CASE("describe: fields list their type, default in canonical text, allowed values and help, included ones prefixed", "[describe]") {
    const auto fields = d.fields();
    std::vector<std::string> names, defaults;
    for (const auto& f : fields) names.push_back(f.name), defaults.push_back(f.default_value);
    CHECK(names == std::vector<std::string>{"probability", "count", "mode", "name", "opacity", "inner_steps", "inner_weight"});
    CHECK(defaults == std::vector<std::string>{"0.25", "4", "fast", "", "[0.2, 1]", "[1, 3]", "0.5"});
    CHECK(fields[0].type == ias::field_type::number);
    CHECK(fields[1].type == ias::field_type::integer);
    CHECK(fields[2].type == ias::field_type::text);
    CHECK(fields[2].choices == std::vector<std::string>{"fast", "exact"});
    CHECK(fields[3].choices.empty());
    CHECK(fields[4].type == ias::field_type::number_range);
    CHECK(fields[5].type == ias::field_type::integer_range);
    CHECK((fields[5].min == 0 && fields[5].max == 10 && fields[5].help == "how many steps" && fields[5].is_range()));
    CHECK(ias::name_of(ias::field_type::number_range) == "number range");
    CHECK(d.rules() == std::vector<std::string>{"steps must not exceed 5 when weight is 1"});
}

TEST_CASE("describe: assign parses each type as the field's own type and text reads it back", "[describe]") {
    outer_settings s;
    d.assign(s, "probability", "0.3");
    CHECK(s.probability == 0.3f);  // parsed as a float, not rounded through a double
    d.assign(s, "count", "7");
    d.assign(s, "mode", "exact");
    d.assign(s, "name", "any words at all");
    d.assign(s, "opacity", " [0.50,0.75] ");
    d.assign(s, "inner_steps", "[2, 2]");
    d.assign(s, "inner_weight", "1");
    CHECK(s.count == 7);
    CHECK(s.mode == "exact");
    CHECK(s.name == "any words at all");
    CHECK(s.opacity == ias::range<float>{0.5f, 0.75f});
    CHECK(s.inner.steps == ias::range<int>{2, 2});
    CHECK(s.inner.weight == 1.0f);
    CHECK(d.text(s, "opacity") == "[0.5, 0.75]");
    CHECK(d.text(s, "inner_steps") == "[2, 2]");
    CHECK(d.text(s, "probability") == "0.3");
    // The canonical text of every field reads back to the same settings.
    outer_settings again;
    for (const auto& f : d.fields()) d.assign(again, f.name, d.text(s, f.name));
    for (const auto& f : d.fields()) CHECK(d.text(again, f.name) == d.text(s, f.name));
    CHECK_NOTHROW(d.validate(s));
}

TEST_CASE("describe: errors name the field, the text and what is allowed", "[describe]") {
    struct error_case { const char *field, *text, *expected; };
    const error_case cases[] = {
        {"probablity", "0.5", "unknown parameter 'probablity'; the parameters are probability, count, mode, name, opacity, inner_steps, inner_weight"},
        {"probability", "half", "'probability' is 'half', which is not a finite number"},
        {"probability", "nan", "not a finite number"},
        {"probability", "", "not a finite number"},
        {"probability", "1.5", "'probability' is 1.5; it must lie in [0, 1]"},
        {"count", "2.5", "'count' is '2.5', which is not an integer"},
        {"count", "0", "'count' is 0; it must lie in [1, 100]"},
        {"mode", "slow", "'mode' is 'slow'; it must be one of fast, exact"},
        {"opacity", "0.5", "'opacity' is '0.5', which is not a range [min, max] of finite numbers"},
        {"opacity", "[0.5]", "not a range"},
        {"opacity", "[0.5, 1, 2]", "not a range"},
        {"opacity", "[0.9, 0.3]", "'opacity' is [0.9, 0.3]; it must be [min, max] with 0 <= min <= max <= 1"},
        {"inner_steps", "[1.5, 2]", "'inner_steps' is '[1.5, 2]', which is not a range [min, max] of integers"},
        {"inner_steps", "[-1, 2]", "'inner_steps' is [-1, 2]"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.field, c.text);
        CHECK_THAT(assign_error(c.field, c.text), Contains(c.expected));
    }
    // A failed assignment leaves the settings as they were.
    outer_settings s;
    CHECK_THROWS(d.assign(s, "opacity", "[0.9, 0.3]"));
    CHECK(s.opacity == outer_settings{}.opacity);
}

TEST_CASE("describe: validate checks settings built in C++, fields first, then the rules", "[describe]") {
    outer_settings s;
    CHECK_NOTHROW(ias::validate(s, "ias::outer"));
    s.inner.weight = 1.0f;
    s.inner.steps = {1, 6};
    CHECK_THAT(ias_test::thrown_message<std::invalid_argument>([&] { ias::validate(s, "ias::outer"); }),
               Contains("ias::outer: the parameters break a rule: steps must not exceed 5 when weight is 1"));
    s.opacity = {0.8f, 0.2f};
    CHECK_THAT(ias_test::thrown_message<std::invalid_argument>([&] { ias::validate(s, "ias::outer"); }),
               Contains("ias::outer: parameter 'opacity' is [0.8, 0.2]"));
    s = {};
    s.mode = "slow";
    CHECK_THROWS_AS(ias::validate(s, "ias::outer"), std::invalid_argument);
    s = {};
    s.probability = std::numeric_limits<float>::infinity();
    CHECK_THAT(ias_test::thrown_message<std::invalid_argument>([&] { ias::validate(s, "ias::outer"); }), Contains("'probability' is inf"));
}

TEST_CASE("describe: a float field takes its own bounds even where the double bound is not a float", "[describe]") {
    struct tiny_settings {
        float scale = 0.5f;
        ias::range<float> spread{0.1f, 0.3f};
        static const ias::description<tiny_settings>& describe() {
            static const auto d = ias::description<tiny_settings>()
                                      .field("scale", &tiny_settings::scale, 0.01, 0.3, "a scale")
                                      .field("spread", &tiny_settings::spread, 0.1, 0.3, "a spread");
            return d;
        }
    };
    tiny_settings s{.scale = 0.01f, .spread = {0.1f, 0.3f}};  // 0.01f < 0.01 and 0.3f > 0.3 as doubles
    CHECK_NOTHROW(ias::validate(s, "ias::tiny"));
    tiny_settings from_text;
    CHECK_NOTHROW(tiny_settings::describe().assign(from_text, "scale", "0.01"));
    CHECK_NOTHROW(tiny_settings::describe().assign(from_text, "spread", "[0.1, 0.3]"));
    s.scale = std::nextafter(0.01f, 0.0f);
    CHECK_THROWS_AS(ias::validate(s, "ias::tiny"), std::invalid_argument);
}
