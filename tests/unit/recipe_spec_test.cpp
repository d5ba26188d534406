// SPDX-License-Identifier: MIT
// What to synthesise, as a configuration says it: the JSON reader, configuration files with
// mixtures and a foreground estimate, the prompt recipe, and the dataset-folder layouts and
// contact sheets the apps share.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <ias/dataset/defect_folders.hpp>
#include <ias/dataset/job.hpp>
#include <ias/dataset/preview.hpp>
#include <ias/io/stb.hpp>
#include <ias/recipes/config.hpp>

#include "temp_folder.hpp"
#include "test_transforms.hpp"
#include "thrown_message.hpp"

namespace {

namespace rc = ias::recipes;
namespace fs = std::filesystem;
using Catch::Contains;
using kind = ias::json_node::kind;

ias::sample traced_run(const ias::any_transform& t, const ias::any_image& input, std::uint64_t index, std::uint64_t seed = 3) {
    ias::sample s(input);
    s.trace.emplace();
    ias::rng_stream rng(seed, index);
    ias::run(t, s, rng);
    return s;
}

ias::image<std::uint8_t> bottle(int size) {  // a dark disc on white: a foreground to estimate
    ias::image<std::uint8_t> im(size, size, 3, 250);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x)
            if ((x - size / 2) * (x - size / 2) + (y - size / 2) * (y - size / 2) <= size * size / 9)
                for (int c = 0; c < 3; ++c) im(x, y, c) = std::uint8_t(60 + (x * 7 + y * 3 + c * 20) % 50);
    return im;
}

std::string error_of(std::string_view json) {
    return ias_test::thrown_message<std::invalid_argument>([&] { (void)ias::parse_json(json); });
}

}  // namespace

TEST_CASE("json reader: values as written, members in order, errors with line and column", "[config]") {
    const ias::json_node doc = ias::parse_json(R"( {"b": [1, -0.30, 2e3, true, null], "a": "x\"\u00e9\ud83d\ude00\n"} )");
    REQUIRE(doc.type == kind::object);
    REQUIRE(doc.members.size() == 2);
    CHECK(doc.members[0].first == "b");  // in the order written
    const auto& items = doc.members[0].second.items;
    REQUIRE(items.size() == 5);
    CHECK(items[1].type == kind::number);
    CHECK(items[1].text == "-0.30");  // kept as written: a float setting parses it once
    CHECK(items[2].text == "2e3");
    CHECK((items[3].type == kind::boolean && items[3].boolean));
    CHECK(items[4].type == kind::null);
    CHECK(doc.members[1].second.text == "x\"\xc3\xa9\xf0\x9f\x98\x80\n");

    CHECK_THAT(error_of("{\n  \"a\": 1,\n}"), Contains("a member without a quoted name at line 3, column 1"));
    CHECK_THAT(error_of("{\"a\": 1"), Contains("an object not closed by '}'"));
    CHECK_THAT(error_of("[1, 2] x"), Contains("text after the JSON value"));
    CHECK_THAT(error_of("{\"a\": 1, \"a\": 2}"), Contains("the member \"a\" twice"));
    CHECK_THAT(error_of("[01]"), Contains("an array not closed"));
    CHECK_THAT(error_of("[1.]"), Contains("without digits after '.'"));
    CHECK_THAT(error_of("[\"\\ud800\"]"), Contains("half a character"));
    CHECK_THAT(error_of("[\"\xff\"]"), Contains("not UTF-8"));
    CHECK_THAT(error_of("[\"a\tb\"]"), Contains("control character"));
    CHECK_THAT(error_of("nul"), Contains("unknown word"));
    CHECK_THAT(error_of(""), Contains("the end of the text"));
    CHECK_THAT(error_of(std::string(100, '[') + std::string(100, ']')), Contains("more than 64 levels"));
}

TEST_CASE("config: a configuration file gives the recipe, its parameters, a mixture and a foreground estimate", "[config]") {
    const rc::recipe_spec plain = rc::read_config(R"({"recipe": "draem", "parameters": {"texture_opacity": [0.5, 1.0], "mask_threshold": 0.6, "iterations": 5.0}})");
    CHECK(plain.recipe == "draem");
    CHECK(plain.parameters == rc::overrides{{"texture_opacity", "[0.5, 1]"}, {"mask_threshold", "0.6"}, {"iterations", "5"}});

    const rc::recipe_spec mixture = rc::read_config(R"({"recipe": "one_of", "estimate_foreground": {"method": "otsu", "foreground_above": false},
        "members": [{"recipe": "cutpaste", "weight": 3}, {"recipe": "prompt", "parameters": {"text": "a long scratch"}}]})");
    CHECK(mixture.recipe == "one_of");
    REQUIRE(mixture.members.size() == 2);
    CHECK(mixture.members[0].weight == 3.0f);
    CHECK(mixture.members[1].weight == 1.0f);
    CHECK(mixture.members[1].parameters.at("text") == "a long scratch");
    CHECK(*mixture.estimate_foreground == rc::overrides{{"method", "otsu"}, {"foreground_above", "false"}});
    CHECK_NOTHROW(rc::make(mixture));

    const auto error = [](std::string_view json) { return ias_test::thrown_message<std::invalid_argument>([&] { (void)rc::make(rc::read_config(json)); }); };
    CHECK_THAT(error(R"({"recipe": "draem", "colour": 1})"), Contains("unknown key \"colour\""));
    CHECK_THAT(error(R"({"parameters": {}})"), Contains("the key \"recipe\" is missing"));
    CHECK_THAT(error(R"({"recipe": "draem", "weight": 2})"), Contains("unknown key \"weight\""));  // only a member has one
    CHECK_THAT(error(R"({"recipe": "draem", "parameters": {"texture_opacity": [0.5]}})"),
               Contains("parameter \"texture_opacity\" is an array of 1 values"));
    CHECK_THAT(error(R"({"recipe": "one_of", "members": [{"recipe": "draem"}, {"recipe": "draem", "weight": -1}]})"),
               Contains("member 1: \"weight\" must be a number >= 0"));
    CHECK_THAT(error(R"({"recipe": "one_of", "members": [{"recipe": "draem"}, {"recipe": "nsa", "parameters": {"bogus": 1}}]})"),
               Contains("one_of member 1") && Contains("recipe 'nsa'") && Contains("unknown parameter 'bogus'"));
    CHECK_THAT(error(R"({"recipe": "one_of", "members": [{"recipe": "draem", "weight": 0}]})"), Contains("the weights sum to 0"));
    CHECK_THAT(error(R"({"recipe": "one_of", "members": []})"), Contains("one or more recipes"));
    CHECK_THAT(error(R"({"recipe": "one_of", "parameters": {"a": 1}, "members": [{"recipe": "draem"}]})"), Contains("not parameters ('a')"));
    CHECK_THAT(error(R"({"recipe": "draem", "members": [{"recipe": "draem"}]})"), Contains("only one_of takes members"));
    CHECK_THAT(error(R"({"recipe": "draem", "estimate_foreground": {"method": "magic"}})"),
               Contains("estimate_foreground") && Contains("'magic'") && Contains("otsu"));
    CHECK_THAT(error(R"({"recipe": "draem", "estimate_foreground": {"median_size": 4}})"), Contains("median_size must be 0 or odd, got 4"));
    CHECK_THAT(error("{\"recipe\": \"draem\",\n \"parameters\": {\"texture_opacity\": [0.5, 1]},}"), Contains("line 2"));
}

TEST_CASE("config: a configuration file is read with its name in every message", "[config]") {
    const ias_test::temp_folder tmp("config");
    CHECK_THAT(ias_test::thrown_message<std::invalid_argument>([&] { (void)rc::read_config_file(tmp.path); }), Contains("is a folder"));
    CHECK_THAT(ias_test::thrown_message<std::invalid_argument>([&] { (void)rc::read_config_file(tmp.path / "none.json"); }),
               Contains("none.json") && Contains("cannot open"));
    std::ofstream(tmp.path / "broken.json") << "{";
    CHECK_THAT(ias_test::thrown_message<std::invalid_argument>([&] { (void)rc::read_config_file(tmp.path / "broken.json"); }),
               Contains("the configuration '" + (tmp.path / "broken.json").string() + "': not valid JSON"));
    // What `ias recipe NAME --json` prints reads back as the recipe with its defaults.
    for (const auto& info : rc::list()) {
        CAPTURE(info.name);
        const rc::recipe_spec spec = rc::read_config(rc::to_config_json(info));
        CHECK(spec.recipe == info.name);
        CHECK(rc::values(info.name, spec.parameters) == rc::values(info.name));
    }
}

TEST_CASE("config: a mixture gives one_of's bytes and choices in proportion to the weights", "[config]") {
    const rc::recipe_spec spec{.recipe = "one_of", .members = {{.recipe = "cutpaste", .weight = 3}, {.recipe = "cutout"}}};
    const ias::any_transform mixture = rc::make(spec);
    // one_of over the same two recipes (held by a plain transform: a tuple of any_transform
    // does not compile, since any_transform's constructor takes any transform).
    struct held {
        ias::any_transform t;
        void operator()(ias::sample& s, ias::rng_stream& rng) const { ias::run(t, s, rng); }
    };
    const ias::any_transform fixed = ias::one_of({3.0f, 1.0f}, held{rc::make("cutpaste")}, held{rc::make("cutout")});
    const ias::any_image input = ias_test::random_image<std::uint8_t>(48, 40, 3, 5);
    int first = 0;
    constexpr int n = 600;
    for (std::uint64_t i = 0; i < n; ++i) {
        const ias::sample a = traced_run(mixture, input, i), b = traced_run(fixed, input, i);
        REQUIRE(ias_test::hash(a) == ias_test::hash(b));
        const auto& choice = a.trace->entries().front();
        REQUIRE(choice.stage == "one_of");
        first += choice.fields.front().values.front() == 0.0;
        ias::sample again(input);
        ias::replay(mixture, again, *a.trace);
        REQUIRE(ias_test::hash(again) == ias_test::hash(a));
    }
    // 3 : 1 gives the first member 3/4 of the samples; 5 standard deviations of a binomial.
    CHECK(std::abs(first - 0.75 * n) < 5 * std::sqrt(n * 0.75 * 0.25));
}

TEST_CASE("config: estimate_foreground runs before the recipe, which draws as it would without it", "[config]") {
    const ias::image<std::uint8_t> input = bottle(64);
    const ias::fn::foreground_settings otsu{.method = ias::fn::foreground_method::otsu, .foreground_above = false};
    const ias::any_transform spec = rc::make(rc::recipe_spec{.recipe = "draem", .estimate_foreground = rc::overrides{{"method", "otsu"}, {"foreground_above", "false"}}});
    const ias::any_transform draem = rc::make("draem");
    for (std::uint64_t i = 0; i < 20; ++i) {
        const ias::sample s = traced_run(spec, input, i);
        // The same as estimating by hand, then running the recipe on that sample with the same stream.
        ias::sample by_hand(input);
        ias::rng_stream rng(3, i);
        ias::estimate_foreground{otsu}(by_hand, rng);
        ias::run(draem, by_hand, rng);
        REQUIRE(ias_test::hash(s) == ias_test::hash(by_hand));
        REQUIRE(s.foreground == by_hand.foreground);
        ias::sample again(input);
        ias::replay(spec, again, *s.trace);
        REQUIRE(ias_test::hash(again) == ias_test::hash(s));
        // Anomalies stay on the object (the disc), never on the white background.
        for (int y = 0; y < 64; ++y)
            for (int x = 0; x < 64; ++x)
                if (s.mask(x, y) > 0) REQUIRE(s.foreground(x, y) > 0.5f);
    }
}

TEST_CASE("prompt recipe: the procedural defects of the text, byte for byte, and the words it does not know named", "[config]") {
    const ias::any_image input = ias_test::random_image<std::uint8_t>(64, 48, 3, 9);
    const std::string text = "two long thin dark scratches and a small pore";
    const ias::any_transform recipe = rc::make("prompt", {{"text", text}});
    const ias::procedural_defects stage = ias::procedural_defects::from_prompt(text);
    const ias::procedural_defects binary({.specs = stage.settings().specs, .binary_mask = true, .mask_threshold = 0.3f});
    const ias::any_transform binary_recipe = rc::make("prompt", {{"text", text}, {"mask", "binary"}, {"mask_threshold", "0.3"}});
    for (std::uint64_t i = 0; i < 8; ++i) {
        CHECK(ias_test::hash(traced_run(recipe, input, i)) == ias_test::hash(traced_run(stage, input, i)));
        CHECK(ias_test::hash(traced_run(binary_recipe, input, i)) == ias_test::hash(traced_run(binary, input, i)));
    }
    CHECK_THAT(ias_test::thrown_message<std::invalid_argument>([] { rc::make("prompt", {{"text", "a purple scratch"}}); }),
               Contains("recipe 'prompt'") && Contains("parameter 'text'") && Contains("purple"));
    CHECK_THAT(ias_test::thrown_message<std::invalid_argument>([] { rc::make("prompt", {{"mask", "hard"}}); }), Contains("soft, binary"));
}

TEST_CASE("foreground settings: described once, every field read back as written", "[config]") {
    const auto& d = ias::fn::foreground_settings::describe();
    ias::fn::foreground_settings f;
    for (const auto& field : d.fields()) d.assign(f, field.name, field.default_value);
    CHECK(d.texts(f) == d.texts(ias::fn::foreground_settings{}));
    d.assign(f, "method", "background_distance");
    d.assign(f, "largest_component_only", "true");
    CHECK(f.method == ias::fn::foreground_method::background_distance);
    CHECK(f.largest_component_only);
    CHECK(d.text(f, "method") == "background_distance");
    CHECK_THAT(ias_test::thrown_message<std::invalid_argument>([&] { d.assign(f, "foreground_above", "yes"); }), Contains("'yes'") && Contains("false, true"));
    f.method = ias::fn::foreground_method(99);
    CHECK_THAT(ias_test::thrown_message<std::invalid_argument>([&] { d.validate(f); }), Contains("'method' has a value without a name"));
}

TEST_CASE("defect folders: images with their masks in the three layouts", "[dataset]") {
    const ias_test::temp_folder tmp("layouts");
    const ias::image<std::uint8_t> im(8, 6, 1, 100), mask(8, 6, 1, 255);
    const auto save = [&](const fs::path& p, const ias::image<std::uint8_t>& what) {
        fs::create_directories(p.parent_path());
        ias::save_image(p, what.view());
    };
    // Magnetic tiles: X.jpg beside its mask X.png.
    save(tmp.path / "tiles" / "b.jpg", im), save(tmp.path / "tiles" / "b.png", mask);
    save(tmp.path / "tiles" / "a.jpg", im), save(tmp.path / "tiles" / "a.png", mask);
    auto found = ias::dataset::find_masked_images(tmp.path / "tiles");
    REQUIRE(found.size() == 2);
    CHECK((found[0].image == tmp.path / "tiles" / "a.jpg" && found[0].mask == tmp.path / "tiles" / "a.png"));
    CHECK(ias::dataset::find_images(tmp.path / "tiles").size() == 2);  // the masks are not images
    // MVTec AD: test/<kind>/X.png with ground_truth/<kind>/X_mask.png; test/good has none.
    const fs::path cat = tmp.path / "bottle";
    save(cat / "train" / "good" / "000.png", im);
    save(cat / "test" / "good" / "000.png", im);
    save(cat / "test" / "crack" / "000.png", im), save(cat / "ground_truth" / "crack" / "000_mask.png", mask);
    save(cat / "test" / "dent" / "001.png", im), save(cat / "ground_truth" / "dent" / "001_mask.png", mask);
    found = ias::dataset::find_masked_images(cat);
    REQUIRE(found.size() == 2);
    CHECK(found[1].mask == cat / "ground_truth" / "dent" / "001_mask.png");
    CHECK(ias::dataset::find_masked_images(cat / "test" / "crack").size() == 1);
    // An ias dataset: images/X.png with masks/X.png.
    save(tmp.path / "ds" / "images" / "000000.png", im), save(tmp.path / "ds" / "masks" / "000000.png", mask);
    CHECK(ias::dataset::find_masked_images(tmp.path / "ds").at(0).mask == tmp.path / "ds" / "masks" / "000000.png");
    // A missing mask is named.
    save(tmp.path / "tiles" / "c.jpg", im);
    CHECK_THAT(ias_test::thrown_message<ias::error>([&] { (void)ias::dataset::find_masked_images(tmp.path / "tiles"); }),
               Contains("no mask '" + (tmp.path / "tiles" / "c.png").string() + "'"));
}

TEST_CASE("contact sheet and preview: tiles where they belong, the mask in red, the same sheet on every run", "[dataset]") {
    ias::dataset::contact_sheet sheet(2, 1, 4);
    const ias::image<float> mask(8, 8, 1, 1.0f);
    sheet.put(0, 0, ias::image<std::uint8_t>(8, 8, 1, 255));
    sheet.put(1, 0, ias::image<float>(2, 2, 1, 0.25f), &mask, 2.0f);
    const auto& out = sheet.image();
    REQUIRE((out.width() == 8 && out.height() == 4 && out.channels() == 3));
    CHECK((out(1, 1, 0) == 255 && out(1, 1, 2) == 255));
    // 0.5 (0.25 times the gain 2) moved 60% of the way to pure red.
    CHECK((out(5, 2, 0) == 204 && out(5, 2, 1) == 51 && out(5, 2, 2) == 51));

    const ias_test::temp_folder tmp("preview");
    ias::save_image(tmp.path / "a.png", ias_test::random_image<std::uint8_t>(40, 30, 3, 1).view());
    ias::save_image(tmp.path / "b.png", ias_test::random_image<std::uint8_t>(40, 30, 3, 2).view());
    const ias::dataset::job j = ias::dataset::prepare_job({.input = tmp.path}, {.recipe = "cutpaste"}, 2);
    const auto a = ias::dataset::preview_sheet(j, 3, 7, 16), b = ias::dataset::preview_sheet(j, 3, 7, 16);
    REQUIRE((a.width() == 48 && a.height() == 48));
    CHECK(std::equal(a.data(), a.data() + a.size(), b.data()));
}

TEST_CASE("parse_size: WxH within the pixel limit, or the text named", "[dataset]") {
    CHECK(ias::dataset::parse_size("256x128", 1 << 20) == std::pair(256, 128));
    CHECK_THAT(ias_test::thrown_message<std::invalid_argument>([] { (void)ias::dataset::parse_size("256", 1 << 20); }), Contains("'256'") && Contains("WxH"));
    CHECK_THAT(ias_test::thrown_message<std::invalid_argument>([] { (void)ias::dataset::parse_size("0x5", 1 << 20); }), Contains("from 1 to 65536"));
    CHECK_THAT(ias_test::thrown_message<std::invalid_argument>([] { (void)ias::dataset::parse_size("2048x2048", 1 << 20); }), Contains("more than the limit of 1048576"));
}
