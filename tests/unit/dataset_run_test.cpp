// SPDX-License-Identifier: MIT
// The run description (run.hpp, run_settings.hpp) and the prepared inputs of a dataset run.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <ias/dataset/prepared_inputs.hpp>
#include <ias/dataset/run.hpp>
#include <ias/dataset/run_settings.hpp>
#include <ias/io/stb.hpp>
#include <ias/version.hpp>

#include <unistd.h>

#include "temp_folder.hpp"
#include "thrown_message.hpp"

namespace fs = std::filesystem;
namespace ds = ias::dataset;
using Catch::Contains;

namespace {
ias::image<std::uint8_t> gradient(int w, int h, int c) {
    ias::image<std::uint8_t> im(w, h, c);
    for (std::size_t i = 0; i < im.size(); ++i) im.data()[i] = std::uint8_t(i * 3 % 251);
    return im;
}
}  // namespace

TEST_CASE("dataset run: the version is the CMake project's", "[dataset]") {
    CHECK(ias::version == IAS_PROJECT_VERSION);
    CHECK(ias::version == std::to_string(IAS_VERSION_MAJOR) + "." + std::to_string(IAS_VERSION_MINOR) + "." + std::to_string(IAS_VERSION_PATCH));
}

TEST_CASE("dataset run: a run description reads back as written, and names what differs", "[dataset]") {
    ds::run_description run;
    run.add_text("recipe", "draem");
    run.add_number("seed", 7);
    run.add("input a \"quoted\" \\ name.png", R"({"bytes":3,"sha256":"abc"})");
    CHECK(run.text() == "{\n  \"recipe\": \"draem\",\n  \"seed\": 7,\n  \"input a \\\"quoted\\\" \\\\ name.png\": {\"bytes\":3,\"sha256\":\"abc\"}\n}\n");
    CHECK(ds::run_description::parse(run.text(), "run.json") == run);
    CHECK(ds::run_description::parse(ds::run_description().text(), "run.json") == ds::run_description());
    CHECK(run.difference_from(run).empty());

    ds::run_description other;
    other.add_text("recipe", "nsa");
    other.add_number("seed", 7);
    other.add_number("count", 10);
    CHECK(other.difference_from(run) == R"("recipe" is "draem" in the dataset and "nsa" in this run (and 2 more differences))");
    CHECK(run.difference_from(other) == R"("recipe" is "nsa" in the dataset and "draem" in this run (and 2 more differences))");
    ds::run_description fewer;
    fewer.add_text("recipe", "draem");
    fewer.add_number("seed", 7);
    CHECK(fewer.difference_from(run) == R"("input a \"quoted\" \\ name.png" is {"bytes":3,"sha256":"abc"} in the dataset and absent in this run)");

    for (const std::string bad : {"", "{", "{\n}\n}", "[\n]", "{\n  \"a\": 1\n  \"b\": 2\n}", "{\n  \"a\": 1,\n}", "{\n  \"a\" 1\n}",
                                  "{\n  \"a\": \n}", "{\n\"a\": 1\n}", "{\n  \"unterminated: 1\n}"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(ds::run_description::parse(bad, "x/run.json"), ias::error);
        CHECK_THROWS_WITH(ds::run_description::parse(bad, "x/run.json"), Contains("'x/run.json' line") && Contains("--force"));
    }
    CHECK_THROWS_WITH(ds::run_description::parse("{\n  \"a\": 1,\n  \"b\": 2,\n  \"a\": 1\n}\n", "x/run.json"),
                      Contains("'x/run.json' names the field \"a\" twice"));
}

TEST_CASE("dataset run: prepare_inputs decodes, fingerprints and pools every input, and names the bad ones", "[dataset]") {
    const ias_test::temp_folder tmp("prepare");
    const fs::path& dir = tmp.path;
    fs::create_directories(dir / "in");
    ias::save_image(dir / "in" / "a.png", gradient(8, 6, 3).view());
    ias::save_image(dir / "in" / "b.png", gradient(5, 5, 1).view());
    std::ofstream(dir / "in" / "c.png") << "not a png";
    fs::create_directories(dir / "masks");
    ias::save_image(dir / "masks" / "a.png", gradient(8, 6, 1).view());
    ias::save_image(dir / "masks" / "b.png", gradient(5, 5, 1).view());

    const ds::prepared_inputs inputs = ds::prepare_inputs(ds::find_inputs(dir / "in"), {.size = std::pair(4, 4), .foreground_masks = dir / "masks"});
    REQUIRE(inputs.inputs.size() == 3);
    for (int k = 0; k < 2; ++k) {
        const ds::prepared_input& in = inputs.inputs[std::size_t(k)];
        CHECK(in.problem.empty());
        CHECK((in.image.width() == 4 && in.image.height() == 4));
        CHECK((in.foreground.width() == 4 && in.foreground.height() == 4));
        CHECK(in.file == ds::fingerprint_file(dir / "in" / (k == 0 ? "a.png" : "b.png")));
        CHECK(in.foreground_file == ds::fingerprint_file(dir / "masks" / (k == 0 ? "a.png" : "b.png")));
    }
    const ds::prepared_input& bad = inputs.inputs[2];
    CHECK_THAT(bad.problem, Contains((dir / "in" / "c.png").string()) && Contains("not an image"));
    CHECK(bad.image.empty());
    CHECK(bad.file == ds::fingerprint_file(dir / "in" / "c.png"));
    CHECK(inputs.unusable() == 1);
    REQUIRE(inputs.pool);
    CHECK(inputs.pool->size() == 2);
    CHECK(inputs.pool_index == std::vector<std::int64_t>{0, 1, -1});
    CHECK(inputs.bytes == 4 * 4 * 3 + 4 * 4 * 1 + 2 * 4 * 4 * 4 + 2 * 4 * 4 * 3);  // images, masks as float, pool as RGB

    ias::sample s;
    inputs.fill(4, s);  // input 4 mod 3 = 1
    CHECK(s.image == inputs.inputs[1].image);
    CHECK(s.foreground == inputs.inputs[1].foreground);
    CHECK(s.source_index == 1);

    SECTION("a missing mask is the input's problem, naming it") {
        fs::remove(dir / "masks" / "b.png");
        const auto again = ds::prepare_inputs(ds::find_inputs(dir / "in"), {.foreground_masks = dir / "masks"});
        CHECK_THAT(again.inputs[1].problem, Contains("no foreground mask for 'b.png'"));
    }
    SECTION("too little memory is never an input's problem") {
        const std::string message = ias_test::thrown_message<ias::error>(
            [&] { (void)ds::prepare_inputs(ds::find_inputs(dir / "in"), {.memory_budget = 300}); });
        CHECK_THAT(message, Contains("more than the 0.3 KiB of memory available") && Contains("input 2 of 3") && Contains("b.png"));
        const std::string check = ias_test::thrown_message<ias::error>([&] { ds::check_memory(inputs, 1000, 2, 2000); });
        CHECK_THAT(check, Contains("needs about") && Contains("2 workers") && Contains("more than the 2.0 KiB available"));
        CHECK_NOTHROW(ds::check_memory(inputs, 1000, 2, 1 << 20));
    }
    SECTION("the pixel limit applies to inputs and masks") {
        const auto limited = ds::prepare_inputs(ds::find_inputs(dir / "in"), {.foreground_masks = dir / "masks", .limits = {.max_pixels = 30}});
        CHECK_THAT(limited.inputs[0].problem, Contains("a.png") && Contains("8x6 is 48 pixels, more than the limit of 30"));
        CHECK(limited.inputs[1].problem.empty());  // 25 pixels
    }
}

TEST_CASE("dataset run: describe_run has a field for everything the samples depend on", "[dataset]") {
    const ias_test::temp_folder tmp("describe");
    const fs::path& dir = tmp.path;
    fs::create_directories(dir / "in");
    ias::save_image(dir / "in" / "a.png", gradient(8, 6, 3).view());
    const auto describe = [&](const ds::run_settings& settings) {
        return ds::describe_run(settings, ds::prepare_inputs(ds::find_inputs(dir / "in"), {}), nullptr, {});
    };
    ds::run_settings settings{.recipe = {.recipe = "draem"}, .seed = 3, .count = 10, .size = std::pair(64, 32)};
    const ds::run_description run = describe(settings);
    const std::string text = run.text();
    CHECK_THAT(text, Contains("  \"ias\": \"" + std::string(ias::version) + "\",\n  \"recipe\": \"draem\",\n") &&
                         Contains("  \"parameter texture_opacity\": [0.2, 1],\n") && Contains("  \"seed\": 3,\n  \"epoch\": 0,\n  \"count\": 10,\n") &&
                         Contains("  \"size\": \"64x32\",\n  \"foreground\": \"none\",\n") &&
                         Contains("  \"input a.png\": " + ds::fingerprint_file(dir / "in" / "a.png").json() + "\n}\n"));

    // The same values written differently are the same run; any change is another.
    settings.recipe.parameters["texture_opacity"] = "[0.20,1.0]";
    CHECK(describe(settings) == run);
    settings.recipe.parameters["texture_opacity"] = "[0.25, 1]";
    CHECK(describe(settings).difference_from(run) ==
          R"("parameter texture_opacity" is [0.2, 1] in the dataset and [0.25, 1] in this run)");
    settings.recipe.parameters.clear();
    settings.epoch = 1;
    CHECK(describe(settings).difference_from(run) == R"("epoch" is 0 in the dataset and 1 in this run)");
    settings.epoch = 0;
    ias::save_image(dir / "in" / "a.png", gradient(8, 6, 1).view());
    CHECK_THAT(describe(settings).difference_from(run), Contains(R"("input a.png" is {"bytes":)"));

    const ds::run_settings prompt{.recipe = {.recipe = "prompt", .parameters = {{"text", "a scratch"}}}, .count = 1};
    CHECK_THAT(describe(prompt).text(), Contains("\"recipe\": \"prompt\",\n  \"parameter text\": \"a scratch\",\n"));

    // A mixture names each member's recipe, weight and parameters; a foreground estimate its settings.
    ds::run_settings mixture{.recipe = {.recipe = "one_of", .members = {{.recipe = "draem", .weight = 2}, {.recipe = "cutpaste"}}}, .count = 1};
    mixture.recipe.estimate_foreground = ias::recipes::overrides{{"method", "otsu"}};
    const std::string mixture_text = describe(mixture).text();
    CHECK_THAT(mixture_text, Contains("\"recipe\": \"one_of\",\n  \"member 0 recipe\": \"draem\",\n  \"member 0 weight\": 2,\n") &&
                         Contains("\"member 0 parameter texture_opacity\": [0.2, 1],") &&
                         Contains("\"member 1 recipe\": \"cutpaste\",\n  \"member 1 weight\": 1,\n") &&
                         Contains("\"estimate_foreground method\": \"otsu\",\n") && Contains("\"estimate_foreground median_size\": 0,"));
    mixture.recipe.members[0].weight = 3;
    CHECK(describe(mixture).difference_from(ias::dataset::run_description::parse(mixture_text, "run.json")) ==
          R"("member 0 weight" is 2 in the dataset and 3 in this run)");
}
