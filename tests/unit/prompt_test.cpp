// SPDX-License-Identifier: MIT
// parse_defect_prompt and to_prompt: a table of prompts and their specs, a table of bad prompts and
// their messages, and the round trip text -> spec -> text -> spec on the table and on random specs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ias/core/rng.hpp>
#include <ias/defects/prompt.hpp>

namespace Catch {
// Failed comparisons print specs as prompts, which show every attribute that is not a default.
template <>
struct StringMaker<ias::defect_spec> {
    static std::string convert(const ias::defect_spec& s) { return "\"" + ias::to_prompt(s) + "\""; }
};
}  // namespace Catch

namespace {

using ias::defect_location;
using ias::defect_polarity;
using ias::defect_range;
using ias::defect_spec;
using ias::defect_type;

// The word classes of the grammar, written out here so that the table below also pins them.
constexpr defect_range short_length{0.1f, 0.2f}, long_length{0.35f, 0.6f};
constexpr defect_range tiny_size{0.01f, 0.03f}, small_size{0.03f, 0.08f}, medium_size{0.08f, 0.15f}, large_size{0.15f, 0.3f},
    huge_size{0.3f, 0.5f};
constexpr defect_range hairline{0.5f, 1.0f}, thin{1.0f, 2.0f}, thick{3.0f, 6.0f};
constexpr defect_range faint{0.05f, 0.12f}, strong{0.35f, 0.6f};
constexpr std::array<float, 3> rust{0.55f, 0.27f, 0.07f}, red{0.8f, 0.1f, 0.1f}, grey{0.5f, 0.5f, 0.5f}, blue{0.1f, 0.2f, 0.8f},
    yellow{0.9f, 0.8f, 0.1f};

/// The defaults of `kind` with `edit` applied.
template <class Edit>
defect_spec spec(defect_type kind, Edit edit) {
    defect_spec s = defect_spec::of(kind);
    edit(s);
    return s;
}
defect_spec spec(defect_type kind) { return defect_spec::of(kind); }

void count(defect_spec& s, int min, int max) {
    s.count.min = min;
    s.count.max = max;
}

struct valid_case {
    std::string_view prompt;
    std::vector<defect_spec> expected;
};

std::vector<valid_case> valid_cases() {
    return {
        {"two long thin dark scratches near the top edge", {spec(defect_type::scratch, [](defect_spec& s) {
             count(s, 2, 2);
             s.size = long_length;
             s.thickness = thin;
             s.polarity = defect_polarity::dark;
             s.location = defect_location::top;
         })}},
        {"a large oily stain and a small pore",
         {spec(defect_type::stain,
               [](defect_spec& s) {
                   s.size = large_size;
                   s.polarity = defect_polarity::dark;
                   s.softness = 0.8f;
               }),
          spec(defect_type::pore, [](defect_spec& s) { s.size = small_size; })}},
        {"several tiny bright particles on the object", {spec(defect_type::particle, [](defect_spec& s) {
             count(s, 3, 5);
             s.size = tiny_size;
             s.polarity = defect_polarity::bright;
             s.location = defect_location::foreground;
         })}},
        {"a deep crack along the edge", {spec(defect_type::crack, [](defect_spec& s) {
             s.contrast = strong;
             s.location = defect_location::object_edge;
         })}},
        {"three vertical scratches", {spec(defect_type::scratch, [](defect_spec& s) {
             count(s, 3, 3);
             s.orientation = 90.0f;
         })}},
        {"a rusty stain in the centre", {spec(defect_type::stain, [](defect_spec& s) {
             s.colour = rust;
             s.polarity = defect_polarity::dark;
             s.location = defect_location::centre;
         })}},
        {"count=2-4 size=0.12-0.3 scratches", {spec(defect_type::scratch, [](defect_spec& s) {
             count(s, 2, 4);
             s.size = {0.12f, 0.3f};
         })}},
        {"scratches", {spec(defect_type::scratch, [](defect_spec& s) { count(s, 2, 4); })}},
        {"A Bump", {spec(defect_type::dent, [](defect_spec& s) { s.polarity = defect_polarity::bright; })}},
        {"dents", {spec(defect_type::dent, [](defect_spec& s) {
             count(s, 2, 4);
             s.polarity = defect_polarity::dark;
         })}},
        {"a bright dent", {spec(defect_type::dent, [](defect_spec& s) { s.polarity = defect_polarity::bright; })}},
        {"polarity=any dent", {spec(defect_type::dent)}},
        {"five foreign particles near the left edge", {spec(defect_type::particle, [](defect_spec& s) {
             count(s, 5, 5);
             s.location = defect_location::left;
         })}},
        {"a foreign body", {spec(defect_type::particle)}},
        {"a few faint horizontal hairline scratches", {spec(defect_type::scratch, [](defect_spec& s) {
             count(s, 2, 3);
             s.contrast = faint;
             s.orientation = 0.0f;
             s.thickness = hairline;
         })}},
        {"a couple of red spots at the bottom", {spec(defect_type::stain, [](defect_spec& s) {
             count(s, 2, 2);
             s.colour = red;
             s.location = defect_location::bottom;
         })}},
        {"many blowholes, some pits; 12 holes",
         {spec(defect_type::pore, [](defect_spec& s) { count(s, 5, 8); }),
          spec(defect_type::pore, [](defect_spec& s) { count(s, 2, 4); }),
          spec(defect_type::pore, [](defect_spec& s) { count(s, 12, 12); })}},
        {"a huge soft grey smudge everywhere", {spec(defect_type::stain, [](defect_spec& s) {
             s.size = huge_size;
             s.softness = 0.8f;
             s.colour = grey;
         })}},
        {"a short sharp diagonal crack on the rim", {spec(defect_type::crack, [](defect_spec& s) {
             s.size = short_length;
             s.softness = 0.05f;
             s.orientation = 45.0f;
             s.location = defect_location::object_edge;
         })}},
        {"a chip near the top of the object", {spec(defect_type::chip, [](defect_spec& s) { s.location = defect_location::top; })}},
        {"a chip anywhere", {spec(defect_type::chip, [](defect_spec& s) { s.location = defect_location::anywhere; })}},
        {"wear at the right side", {spec(defect_type::fray, [](defect_spec& s) { s.location = defect_location::right; })}},
        {"dust plus debris", {spec(defect_type::particle), spec(defect_type::particle)}},
        {"a big chip", {spec(defect_type::chip, [](defect_spec& s) { s.size = large_size; })}},
        {"a big crack", {spec(defect_type::crack, [](defect_spec& s) { s.size = long_length; })}},
        {"SEVERAL Medium Thick Yellow Stains!", {spec(defect_type::stain, [](defect_spec& s) {
             count(s, 3, 5);
             s.size = medium_size;
             s.thickness = thick;
             s.colour = yellow;
         })}},
        {"a single blue particle in the middle of the image", {spec(defect_type::particle, [](defect_spec& s) {
             s.colour = blue;
             s.location = defect_location::centre;
         })}},
        {"a very wide white scratch", {spec(defect_type::scratch, [](defect_spec& s) {
             s.thickness = thick;
             s.polarity = defect_polarity::bright;
         })}},
        {"angle=30 softness=0.4 region=0.1-0.2-0.5-0.6 colour=0.2-0.3-0.4 thickness=1.5-2.5 contrast=0.2-0.4 scratch",
         {spec(defect_type::scratch, [](defect_spec& s) {
             s.orientation = 30.0f;
             s.softness = 0.4f;
             s.region = {0.1f, 0.2f, 0.5f, 0.6f};
             s.location = defect_location::region;
             s.colour = std::array<float, 3>{0.2f, 0.3f, 0.4f};
             s.thickness = {1.5f, 2.5f};
             s.contrast = {0.2f, 0.4f};
         })}},
        {"a crack at the top region=0.1-0.1-0.9-0.4", {spec(defect_type::crack, [](defect_spec& s) {
             s.location = defect_location::top;
             s.region = {0.1f, 0.1f, 0.9f, 0.4f};
         })}},
        {"count=0 scratches", {spec(defect_type::scratch, [](defect_spec& s) { count(s, 0, 0); })}},
        {"contamination on the boundary", {spec(defect_type::stain, [](defect_spec& s) { s.location = defect_location::object_edge; })}},
        {"2 frays along the left border", {spec(defect_type::fray, [](defect_spec& s) {
             count(s, 2, 2);
             s.location = defect_location::left;
         })}},
        {"a stain, a pore.", {spec(defect_type::stain), spec(defect_type::pore)}},
        {"a scratch at the object edge", {spec(defect_type::scratch, [](defect_spec& s) { s.location = defect_location::object_edge; })}},
        {"a dark black scratch with color=0.25-0.5-1 angle=-12.5", {spec(defect_type::scratch, [](defect_spec& s) {
             s.polarity = defect_polarity::dark;
             s.colour = std::array<float, 3>{0.25f, 0.5f, 1.0f};
             s.orientation = -12.5f;
         })}},
        {"size=0.2 glossy smudges", {spec(defect_type::stain, [](defect_spec& s) {
             count(s, 2, 4);
             s.size = {0.2f, 0.2f};
             s.polarity = defect_polarity::bright;
         })}},
    };
}

struct invalid_case {
    std::string_view prompt;
    std::string_view fragment;
};

constexpr invalid_case invalid_cases[] = {
    {"a purple scratch", "unknown word 'purple' at position 3 in the prompt 'a purple scratch'"},
    {"a PURPLE scratch", "unknown word 'PURPLE' at position 3"},
    {"large dark", "'large dark' at position 1 names no defect kind"},
    {"a scratch and large dark", "'large dark' at position 15 names no defect kind"},
    {"a scratch pore", "'pore' at position 11 names a second defect kind after 'scratch' at position 3"},
    {"a long pore", "'long' at position 3 does not apply to a pore"},
    {"a stain near the top edge in the centre", "'centre' at position 34 conflicts with 'top' at position 18"},
    {"a dark bright scratch", "'bright' at position 8 conflicts with 'dark' at position 3"},
    {"count=3 two scratches", "'two' at position 9 conflicts with 'count=3' at position 1"},
    {"size=0.1-x scratch", "malformed value in 'size=0.1-x' at position 1"},
    {"count=2-4-6 scratches", "malformed value in 'count=2-4-6' at position 1"},
    {"size=1e-3 scratch", "malformed value in 'size=1e-3' at position 1"},
    {"a stain colour=1-2", "malformed value in 'colour=1-2' at position 9"},
    {"a dent polarity=up", "malformed value in 'polarity=up' at position 8"},
    {"foo=1 scratch", "unknown key in 'foo=1' at position 1"},
    {"", "the prompt is empty"},
    {" , ; . ", "the prompt is empty"},
    {"size=2 stain", "'size=2 stain' at position 1 is out of range (ias::defect_spec: parameter 'size' is"},
    {"region=0.5-0.5-0.2-0.9 scratch", "region must satisfy"},
    {"65 scratches", "'65' at position 1 is not a count from 1 to 64"},
    {"a foreign scratch", "'foreign' at position 3 must be followed by particle or body"},
    {"a long and thin scratch", "'a long' at position 1 names no defect kind"},
    {"a purple thing", "unknown word 'purple' at position 3"},
    {"a body", "unknown word 'body' at position 3"},
};

/// A valid spec with random values: word classes sometimes, arbitrary floats otherwise, so that
/// both the word and the key=value paths of to_prompt are exercised.
defect_spec random_spec(std::uint64_t index) {
    ias::rng_stream rng(2024, index);
    const auto coin = [&] { return rng.bernoulli(0.5); };
    defect_spec s = defect_spec::of(ias::all_defect_types[std::size_t(rng.integer(0, 7))]);
    const auto range = [&](float lo, float hi, std::initializer_list<defect_range> words) {
        if (coin()) return *(words.begin() + rng.integer(0, std::int64_t(words.size()) - 1));
        const float a = rng.uniform(lo, hi);
        return coin() ? defect_range{a, a} : defect_range{a, rng.uniform(a, hi)};
    };
    if (coin()) {
        s.count.min = int(rng.integer(0, coin() ? 10 : 64));
        s.count.max = coin() ? s.count.min : int(rng.integer(s.count.min, 64));
    }
    if (coin()) s.size = range(0.001f, 1.0f, {short_length, long_length, tiny_size, small_size, large_size, huge_size});
    if (coin()) s.thickness = range(0.25f, 64.0f, {hairline, thin, thick});
    if (coin()) s.contrast = range(0.0f, 1.0f, {faint, strong});
    if (coin()) s.polarity = defect_polarity(rng.integer(0, 2));
    if (coin()) s.orientation = coin() ? float(45 * rng.integer(0, 2)) : rng.uniform(-360.0f, 360.0f);
    if (coin()) s.location = defect_location(rng.integer(0, 8));
    if (coin()) {
        const float x0 = rng.uniform(0.0f, 0.9f), y0 = rng.uniform(0.0f, 0.9f);
        s.region = {x0, y0, std::min(1.0f, x0 + rng.uniform(0.01f, 1.0f - x0)), std::min(1.0f, y0 + rng.uniform(0.01f, 1.0f - y0))};
    }
    if (coin()) s.colour = coin() ? red : std::array<float, 3>{rng.uniform(), rng.uniform(), rng.uniform()};
    if (coin()) s.softness = coin() ? 0.05f : rng.uniform();
    return s;
}

}  // namespace

TEST_CASE("prompt: each prompt of the table parses to its specs", "[prompt]") {
    for (const valid_case& c : valid_cases()) {
        INFO("prompt: " << c.prompt);
        CHECK(ias::parse_defect_prompt(c.prompt) == c.expected);
    }
}

TEST_CASE("prompt: bad prompts throw ias::error quoting the word and its position", "[prompt]") {
    for (const invalid_case& c : invalid_cases) {
        INFO("prompt: '" << c.prompt << "'");
        CHECK_THROWS_AS(ias::parse_defect_prompt(c.prompt), ias::error);
        CHECK_THROWS_WITH(ias::parse_defect_prompt(c.prompt), Catch::Contains(std::string(c.fragment)));
    }
}

TEST_CASE("prompt: error messages list the vocabulary", "[prompt]") {
    const std::string vocabulary = ias::defect_prompt_vocabulary();
    CHECK_THROWS_WITH(ias::parse_defect_prompt("a purple scratch"), Catch::EndsWith("the vocabulary is:\n" + vocabulary));
    CHECK_THROWS_WITH(ias::parse_defect_prompt("a long pore"), Catch::Contains(vocabulary));
    for (std::string_view group : {"kinds", "counts", "length", "size", "thickness", "contrast", "polarity", "colour",
                                   "edge softness", "orientation", "location", "ignored", "separators", "exact values"}) {
        INFO(group);
        CHECK(vocabulary.find(std::string("  ") + std::string(group)) != std::string::npos);
    }
    for (std::string_view word : {"pore (blowhole, pit, hole)", "dent (bump)", "foreign body", "a (an, one, single)",
                                  "short (small, tiny)", "thin (fine, narrow)", "grey (gray)", "top (upper)", "region=x0-y0-x1-y1"}) {
        INFO(word);
        CHECK(vocabulary.find(word) != std::string::npos);
    }
}

TEST_CASE("prompt: to_prompt prints canonical words and reads back", "[prompt]") {
    const auto round = [](std::string_view text) { return ias::to_prompt(ias::parse_defect_prompt(text).front()); };
    CHECK(round("two long thin dark scratches near the top edge") == "two long thin dark scratches near the top edge");
    CHECK(round("count=2-4 size=0.12-0.3 scratches") == "count=2-4 size=0.12-0.3 scratches");
    CHECK(round("some fine shadowed scratches") == "count=2-4 thin dark scratches");
}

TEST_CASE("prompt: to_prompt of defaults and of dent polarity", "[prompt]") {
    CHECK(ias::to_prompt(defect_spec::of(defect_type::scratch)) == "a scratch");
    CHECK(ias::to_prompt(defect_spec::of(defect_type::chip)) == "a chip");
    CHECK(ias::to_prompt(defect_spec::of(defect_type::dent)) == "a polarity=any dent");
    CHECK(ias::to_prompt(spec(defect_type::dent, [](defect_spec& s) { s.polarity = defect_polarity::bright; })) == "a bump");
    CHECK(ias::to_prompt(spec(defect_type::dent, [](defect_spec& s) { s.polarity = defect_polarity::dark; })) == "a dent");
    CHECK(ias::to_prompt(spec(defect_type::pore, [](defect_spec& s) { s.polarity = defect_polarity::bright; })) == "a bright pore");
    CHECK(ias::to_prompt(spec(defect_type::stain, [](defect_spec& s) { s.colour = std::array<float, 3>{0.95f, 0.5f, 0.1f}; })) ==
          "an orange stain");
    CHECK(ias::to_prompt(spec(defect_type::chip, [](defect_spec& s) { s.region = {0.0f, 0.0f, 0.5f, 0.5f}; })) ==
          "a chip at the object edge region=0-0-0.5-0.5");
    CHECK(ias::to_prompt(spec(defect_type::particle, [](defect_spec& s) { count(s, 12, 12); })) == "12 particles");
    CHECK(ias::to_prompt(ias::parse_defect_prompt("a rusty stain in the centre").front()) == "a rusty stain in the centre");
    CHECK(ias::to_prompt(spec(defect_type::stain, [](defect_spec& s) { s.colour = rust; })) == "a colour=0.55-0.27-0.07 stain");
}

TEST_CASE("prompt: every prompt of the table survives to_prompt and back", "[prompt]") {
    for (const valid_case& c : valid_cases()) {
        const std::vector<defect_spec> specs = ias::parse_defect_prompt(c.prompt);
        for (const defect_spec& s : specs) {
            const std::string text = ias::to_prompt(s);
            INFO("prompt: " << c.prompt << "; printed: " << text);
            CHECK(ias::parse_defect_prompt(text) == std::vector<defect_spec>{s});
        }
        const std::string joined = ias::to_prompt(specs);
        INFO("prompt: " << c.prompt << "; printed: " << joined);
        CHECK(ias::parse_defect_prompt(joined) == specs);
    }
}

TEST_CASE("prompt: 200 random valid specs survive to_prompt and back bit for bit", "[prompt]") {
    for (std::uint64_t i = 0; i < 200; ++i) {
        const defect_spec s = random_spec(i);
        REQUIRE_NOTHROW(s.validate());
        const std::string text = ias::to_prompt(s);
        INFO("spec " << i << " printed: " << text);
        std::vector<defect_spec> back;
        REQUIRE_NOTHROW(back = ias::parse_defect_prompt(text));
        CHECK(back == std::vector<defect_spec>{s});
    }
}

TEST_CASE("prompt: to_prompt of several specs joins them with and", "[prompt]") {
    const std::vector<defect_spec> specs{defect_spec::of(defect_type::scratch), spec(defect_type::pore, [](defect_spec& s) {
                                             count(s, 3, 3);
                                             s.size = small_size;
                                         })};
    CHECK(ias::to_prompt(specs) == "a scratch and three pores");
    CHECK(ias::to_prompt(std::span<const defect_spec>(specs).first(1)) == "a scratch");
    CHECK(ias::to_prompt(std::span<const defect_spec>()).empty());
    CHECK(ias::parse_defect_prompt(ias::to_prompt(specs)) == specs);
}
