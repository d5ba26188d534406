// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <ias/dataset/inputs.hpp>
#include <ias/core/json.hpp>
#include <ias/dataset/run.hpp>
#include <ias/dataset/writer.hpp>
#include <ias/io/files.hpp>
#include <ias/io/sha256.hpp>
#include <ias/io/stb.hpp>

#include <unistd.h>

#include "temp_folder.hpp"

namespace fs = std::filesystem;
namespace ds = ias::dataset;
using Catch::Contains;

namespace {

using ias_test::temp_folder;

void write_text(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}
std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
std::vector<std::string> generic(const std::vector<fs::path>& paths) {
    std::vector<std::string> out;
    for (const auto& p : paths) out.push_back(p.generic_string());
    return out;
}
std::string json_string(std::string_view s) {
    std::string out;
    ias::append_json_string(out, s);
    return out;
}
std::string json_number(double v) {
    std::string out;
    ias::append_json_number(out, v);
    return out;
}
std::string json_numbers(const std::vector<double>& v) {
    std::string out;
    ias::append_json_numbers(out, v);
    return out;
}

/// Parameters as a transform would sample them: a scalar of each kind, a pair, an empty list.
struct blob_params {
    int x = 3;
    float opacity = 0.25f;
    std::array<double, 2> scale{0.1, 2.5};
    std::vector<int> none;
    template <class F>
    void visit_fields(F&& f) const {
        f("x", x);
        f("opacity", opacity);
        f("scale", scale);
        f("none", none);
    }
};
struct threshold_params {
    double threshold = 0.5;
    template <class F>
    void visit_fields(F&& f) const {
        f("threshold", threshold);
    }
};

/// A small traced sample that depends only on `index`, as a generated one does.
ias::sample make_sample(std::uint64_t index) {
    ias::image<std::uint8_t> pixels(6, 5, 3);
    for (std::size_t i = 0; i < pixels.size(); ++i) pixels.data()[i] = std::uint8_t((i * 7 + index * 31) % 256);
    ias::sample s(std::move(pixels));
    s.mask(int(index % 6), 2) = 1.0f;
    s.label = 1;
    s.defect_kind = "blob";
    s.trace.emplace();
    s.trace->record("threshold", threshold_params{0.25 * double(index)});
    return s;
}
ds::record_info info_of(std::uint64_t index) { return {"in/" + std::to_string(index % 3) + ".png", "test"}; }

/// `record_line` of a sample with its own encoded files, as `write_sample` writes it.
std::string record_of(std::uint64_t index, const ias::sample& s, const ds::record_info& info) {
    return ds::record_line(index, s, info, ds::encode_sample(index, s));
}

/// A run description of a single field.
ds::run_description run_named(std::string_view name) {
    ds::run_description run;
    run.add_text("recipe", name);
    return run;
}

/// Every file name in the tree below `root`.
std::vector<std::string> all_file_names(const fs::path& root) {
    std::vector<std::string> names;
    for (const auto& entry : fs::recursive_directory_iterator(root)) names.push_back(entry.path().filename().string());
    return names;
}

}  // namespace

TEST_CASE("dataset inputs: images are found in subfolders and sorted by generic path", "[dataset]") {
    const temp_folder tmp("inputs");
    const fs::path& dir = tmp.path;
    for (const char* name : {"b.png", "A.JPG", "sub/e.tga", "sub/c.Jpeg", "sub/deeper/d.BMP", "notes.txt", "b.png.bak",
                             ".hidden.png", ".git/x.png", "sub/.cache/y.png"})
        write_text(dir / name, "not decoded here");
    fs::create_directories(dir / "folder.png");  // a folder with an image's name is no image
    fs::create_directories(dir / "empty");

    const ds::input_set inputs = ds::find_inputs(dir);
    CHECK(inputs.root == dir);
    CHECK(generic(inputs.relative) == std::vector<std::string>{"A.JPG", "b.png", "sub/c.Jpeg", "sub/deeper/d.BMP", "sub/e.tga"});
}

TEST_CASE("dataset inputs: an MVTec AD category reads train/good only", "[dataset]") {
    const temp_folder tmp("mvtec");
    const fs::path& dir = tmp.path;
    for (const char* name : {"train/good/001.png", "train/good/000.png", "test/good/000.png", "test/crack/000.png",
                             "ground_truth/crack/000_mask.png", "license.txt"})
        write_text(dir / name, "x");
    const ds::input_set inputs = ds::find_inputs(dir);
    CHECK(inputs.root == dir / "train" / "good");
    CHECK(generic(inputs.relative) == std::vector<std::string>{"000.png", "001.png"});
}

TEST_CASE("dataset inputs: a missing or empty folder or a file is an error naming it", "[dataset]") {
    const temp_folder tmp("inputs_errors");
    const fs::path missing = tmp.path / "missing";
    CHECK_THROWS_AS(ds::find_inputs(missing), ias::error);
    CHECK_THROWS_WITH(ds::find_inputs(missing), Contains(missing.string()) && Contains("does not exist"));

    const fs::path empty = tmp.path / "empty";
    fs::create_directories(empty);
    CHECK_THROWS_AS(ds::find_inputs(empty), ias::error);
    CHECK_THROWS_WITH(ds::find_inputs(empty), Contains(empty.string()) && Contains("no image") &&
                                                  Contains(".png .jpg .jpeg .bmp .tga"));

    const fs::path no_images = tmp.path / "text_only";
    write_text(no_images / "a.txt", "x");
    write_text(no_images / ".hidden.png", "x");
    CHECK_THROWS_WITH(ds::find_inputs(no_images), Contains(no_images.string()) && Contains("no image"));

    const fs::path file = tmp.path / "file.png";
    write_text(file, "x");
    CHECK_THROWS_AS(ds::find_inputs(file), ias::error);
    CHECK_THROWS_WITH(ds::find_inputs(file), Contains(file.string()) && Contains("not a folder"));
}

TEST_CASE("dataset inputs: matching_mask finds the same name or the MVTec _mask name", "[dataset]") {
    const temp_folder tmp("masks");
    const fs::path masks = tmp.path / "masks";
    write_text(masks / "a.png", "x");
    write_text(masks / "crack" / "000_mask.png", "x");
    write_text(masks / "both.png", "x");
    write_text(masks / "both_mask.png", "x");

    CHECK(ds::matching_mask(masks, "a.jpg") == masks / "a.png");
    CHECK(ds::matching_mask(masks, "a.png") == masks / "a.png");
    CHECK(ds::matching_mask(masks, fs::path("crack") / "000.png") == masks / "crack" / "000_mask.png");
    CHECK(ds::matching_mask(masks, "both.bmp") == masks / "both.png");  // the same name wins
    CHECK(ds::matching_mask(masks, "none.png").empty());
    CHECK(ds::matching_mask(masks, fs::path("crack") / "001.png").empty());
}

TEST_CASE("dataset json: strings escape quotes and backslashes and control characters", "[dataset]") {
    CHECK(json_string("plain") == R"("plain")");
    CHECK(json_string(R"(a"b\c)") == R"("a\"b\\c")");
    CHECK(json_string("\x01") == R"("\u0001")");
    CHECK(json_string("line\nbreak\ttab\x1f") == R"("line\u000abreak\u0009tab\u001f")");
    CHECK(json_string(std::string_view("a\0b", 3)) == R"("a\u0000b")");
    CHECK(json_string("") == R"("")");
    // Well-formed UTF-8 passes through; bytes that are not UTF-8 become U+FFFD.
    CHECK(json_string("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x94\xa9") == "\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x94\xa9\"");
    CHECK(json_string("a\xff" "b") == R"("a\ufffdb")");
    CHECK(json_string("cut\xc3") == R"("cut\ufffd")");
    CHECK(json_string("\xc0\xaf") == R"("\ufffd\ufffd")");          // overlong '/'
    CHECK(json_string("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");  // a surrogate
}

TEST_CASE("dataset json: numbers in shortest round-trip form and null for NaN and Inf", "[dataset]") {
    CHECK(json_number(0.1) == "0.1");
    CHECK(json_number(3) == "3");
    CHECK(json_number(0) == "0");
    CHECK(json_number(-2.5) == "-2.5");
    CHECK(json_number(1e-7) == "1e-07");
    CHECK(json_number(1e21) == "1e+21");
    CHECK(json_number(double(0.1f)) == "0.10000000149011612");
    CHECK(json_number(std::numeric_limits<double>::quiet_NaN()) == "null");
    CHECK(json_number(std::numeric_limits<double>::infinity()) == "null");
    CHECK(json_number(-std::numeric_limits<double>::infinity()) == "null");
    for (const double v : {1.0 / 3.0, 123456.789, 5e-324, 1.7976931348623157e308})
        CHECK(std::strtod(json_number(v).c_str(), nullptr) == v);

    CHECK(json_numbers({2}) == "2");
    CHECK(json_numbers({}) == "[]");
    CHECK(json_numbers({0.5, 2, std::numeric_limits<double>::quiet_NaN()}) == "[0.5,2,null]");
}

TEST_CASE("dataset writer: sample names have at least 6 digits", "[dataset]") {
    CHECK(ds::sample_name(0) == "000000");
    CHECK(ds::sample_name(12) == "000012");
    CHECK(ds::sample_name(999999) == "999999");
    CHECK(ds::sample_name(1234567) == "1234567");
    CHECK(ds::sample_name(std::numeric_limits<std::uint64_t>::max()) == "18446744073709551615");

    const ds::layout out{"data"};
    CHECK(out.image(12) == fs::path("data") / "images" / "000012.png");
    CHECK(out.mask(12) == fs::path("data") / "masks" / "000012.png");
    CHECK(out.record(12) == fs::path("data") / "records" / "000012.json");
    CHECK(out.manifest() == fs::path("data") / "manifest.jsonl");
}

TEST_CASE("dataset writer: record_line is one exact JSON line", "[dataset]") {
    ias::sample s(ias::image<std::uint8_t>(4, 4, 3, 7));
    s.mask(0, 0) = 1.0f;
    s.mask(1, 0) = 0.5f;
    s.mask(2, 0) = 0.49f;  // below half: not counted
    s.mask(3, 3) = 0.75f;
    s.label = 1;
    s.defect_kind = "scratch";
    s.trace.emplace();
    s.trace->record("blob", blob_params{});
    s.trace->record("threshold", threshold_params{});

    // The files' fingerprints, as `sha256sum` would give them: "abc" and "".
    const ds::encoded_sample files{{'a', 'b', 'c'}, {}};
    CHECK(ds::record_line(12, s, {"sub/a \"b\".png", "draem"}, files) ==
          R"({"index":12,"source":"sub/a \"b\".png","recipe":"draem","label":1,"defect_kind":"scratch",)"
          R"("mask_area":0.1875,"image":"images/000012.png","image_bytes":3,)"
          R"("image_sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","mask":"masks/000012.png",)"
          R"("mask_bytes":0,"mask_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","params":[)"
          R"({"stage":"blob","fields":{"x":3,"opacity":0.25,"scale":[0.1,2.5],"none":[]}},)"
          R"({"stage":"threshold","fields":{"threshold":0.5}}]})");

    SECTION("no trace, an empty mask and a non-finite parameter") {
        ias::sample plain;
        plain.image = ias::image<float>(2, 2, 1, 0.5f);
        CHECK_THAT(ds::record_line(1234567, plain, {"x.png", "none"}, files),
                   Contains(R"({"index":1234567,"source":"x.png","recipe":"none","label":0,"defect_kind":"","mask_area":0,)"
                            R"("image":"images/1234567.png","image_bytes":3,)") &&
                       Contains(R"("mask":"masks/1234567.png","mask_bytes":0,)") && Contains(R"(,"params":[]})"));
        plain.trace.emplace();
        plain.trace->record("threshold", threshold_params{std::numeric_limits<double>::infinity()});
        CHECK_THAT(ds::record_line(0, plain, {}, files), Contains(R"("params":[{"stage":"threshold","fields":{"threshold":null}}]})"));
    }
}

TEST_CASE("dataset writer: write_sample writes the image and the mask and then the record atomically", "[dataset]") {
    const temp_folder tmp("write");
    const ds::layout out{tmp.path / "out"};
    ds::prepare_output(out, run_named("test"), false, false);

    ias::image<std::uint8_t> pixels(7, 5, 3);
    for (std::size_t i = 0; i < pixels.size(); ++i) pixels.data()[i] = std::uint8_t(i * 5 % 256);
    ias::sample s(pixels);
    const std::array<float, 8> levels{0.0f, 0.1f, 0.25f, 0.49999997f, 0.5f, 0.7f, 0.999f, 1.0f};
    for (int y = 0; y < 5; ++y)
        for (int x = 0; x < 7; ++x) s.mask(x, y) = levels[std::size_t(x + y) % levels.size()];
    s.label = 1;
    s.defect_kind = "scratch";
    const ds::record_info info{"a/b.png", "draem"};

    CHECK_FALSE(ds::finished(out, 3));
    ds::write_sample(out, 3, s, info);
    CHECK(ds::finished(out, 3));
    CHECK_FALSE(ds::finished(out, 4));

    const ias::any_image image = ias::load_image(out.image(3));
    REQUIRE(image.holds<std::uint8_t>());
    CHECK(image.get<std::uint8_t>() == pixels);
    const ias::any_image mask = ias::load_image(out.mask(3));
    REQUIRE(mask.holds<std::uint8_t>());
    REQUIRE(mask.channels() == 1);
    REQUIRE((mask.width() == 7 && mask.height() == 5));
    for (int y = 0; y < 5; ++y)
        for (int x = 0; x < 7; ++x)
            CHECK(int(mask.get<std::uint8_t>()(x, y)) == int(std::lround(double(s.mask(x, y)) * 255.0)));
    // A level is >= 128 exactly where the mask is >= 0.5, as mask_area counts.
    std::size_t high = 0;
    for (std::size_t i = 0; i < mask.get<std::uint8_t>().size(); ++i) high += mask.get<std::uint8_t>().data()[i] >= 128;
    CHECK(double(high) / 35.0 == ds::mask_area(s.mask));
    CHECK(read_text(out.record(3)) == record_of(3, s, info) + "\n");
    // The record fingerprints the files as written.
    CHECK_THAT(read_text(out.record(3)), Contains("\"image_bytes\":" + std::to_string(fs::file_size(out.image(3))) + ",") &&
                                             Contains("\"image_sha256\":\"" + ias::sha256_hex(read_text(out.image(3))) + "\"") &&
                                             Contains("\"mask_sha256\":\"" + ias::sha256_hex(read_text(out.mask(3))) + "\""));
    for (const std::string& name : all_file_names(out.root)) CHECK(name.find(".tmp") == std::string::npos);

    SECTION("float pixels are written as 8 bits and an empty mask as zeros") {
        ias::image<float> floats(7, 5, 3);
        for (std::size_t i = 0; i < floats.size(); ++i) floats.data()[i] = float(pixels.data()[i]) / 255.0f;
        ias::sample f;
        f.image = floats;
        ds::write_sample(out, 4, f, info);
        CHECK(ias::load_image(out.image(4)).get<std::uint8_t>() == pixels);
        CHECK(ias::load_image(out.mask(4)).get<std::uint8_t>() == ias::image<std::uint8_t>(7, 5, 1, 0));
        CHECK_THAT(read_text(out.record(4)), Contains(R"("mask_area":0,)"));
    }
    SECTION("a mask of the wrong size or an empty image writes nothing") {
        ias::sample bad(pixels);
        bad.mask = ias::image<float>(6, 5, 1);
        CHECK_THROWS_AS(ds::write_sample(out, 5, bad, info), ias::error);
        CHECK_THROWS_WITH(ds::write_sample(out, 5, bad, info), Contains("sample 5") && Contains("6x5x1") && Contains("7x5"));
        CHECK_THROWS_WITH(ds::write_sample(out, 5, ias::sample{}, info), Contains("sample 5") && Contains("empty image"));
        CHECK_FALSE(fs::exists(out.image(5)));
        CHECK_FALSE(fs::exists(out.mask(5)));
        CHECK_FALSE(ds::finished(out, 5));
    }
}

TEST_CASE("dataset writer: prepare_output refuses a non-empty folder unless forced or resumed", "[dataset]") {
    const temp_folder tmp("prepare");
    const ds::layout out{tmp.path / "out"};
    const ds::run_description run = run_named("draem");
    const auto has_subfolders = [&] {
        return fs::is_directory(out.images_dir()) && fs::is_directory(out.masks_dir()) && fs::is_directory(out.records_dir());
    };

    SECTION("a missing or empty folder is used, and gets the run description first") {
        const ds::layout missing{tmp.path / "missing"};
        ds::prepare_output(missing, run, false, false);
        CHECK((fs::is_directory(missing.images_dir()) && fs::is_directory(missing.masks_dir()) && fs::is_directory(missing.records_dir())));
        CHECK(read_text(missing.run_file()) == run.text());
        const ds::layout empty{tmp.path / "empty"};
        fs::create_directories(empty.root);
        ds::prepare_output(empty, run, false, false);
        CHECK(fs::is_directory(empty.records_dir()));
    }
    SECTION("an empty path is refused") {
        CHECK_THROWS_AS(ds::prepare_output(ds::layout{""}, run, false, true), std::invalid_argument);
        CHECK_THROWS_WITH(ds::prepare_output(ds::layout{""}, run, true, false), Contains("empty path"));
    }

    // A folder that holds an earlier run and files of the user's, beside and among the dataset's.
    ds::prepare_output(out, run, false, false);
    write_text(out.root / "marker.txt", "mine");
    write_text(out.root / "other" / "keep.txt", "mine");
    write_text(out.images_dir() / "holiday.jpg", "mine");
    write_text(out.images_dir() / "0001.png", "mine");  // not a sample's name: four digits
    write_text(out.records_dir() / "000000.json.bak", "mine");
    fs::create_directories(out.masks_dir() / "000009.png");  // a folder, whatever its name
    write_text(out.image(0), "old image");
    write_text(out.mask(0), "old mask");
    write_text(out.record(0), "old record");
    write_text(out.manifest(), "old manifest");
    const auto users_files_intact = [&] {
        return read_text(out.root / "marker.txt") == "mine" && read_text(out.root / "other" / "keep.txt") == "mine" &&
               read_text(out.images_dir() / "holiday.jpg") == "mine" && read_text(out.images_dir() / "0001.png") == "mine" &&
               read_text(out.records_dir() / "000000.json.bak") == "mine" && fs::is_directory(out.masks_dir() / "000009.png");
    };

    SECTION("without a flag nothing is touched") {
        CHECK_THROWS_AS(ds::prepare_output(out, run, false, false), std::invalid_argument);
        CHECK_THROWS_WITH(ds::prepare_output(out, run, false, false),
                          "ias::dataset::prepare_output: the output folder '" + out.root.string() +
                              "' is not empty; pass --force to overwrite it or --resume to continue it");
        CHECK(users_files_intact());
        CHECK(read_text(out.image(0)) == "old image");
        CHECK(read_text(out.manifest()) == "old manifest");
    }
    SECTION("force removes the dataset's own files, keeps the others and names them") {
        const ds::run_description other = run_named("cutpaste");
        const ds::prepare_report report = ds::prepare_output(out, other, true, false);
        CHECK(has_subfolders());
        CHECK_FALSE(fs::exists(out.image(0)));
        CHECK_FALSE(fs::exists(out.mask(0)));
        CHECK_FALSE(fs::exists(out.record(0)));
        CHECK_FALSE(fs::exists(out.manifest()));
        CHECK(read_text(out.run_file()) == other.text());
        CHECK(users_files_intact());
        CHECK(report.kept == std::vector<fs::path>{out.images_dir() / "0001.png", out.images_dir() / "holiday.jpg",
                                                   out.root / "marker.txt", out.masks_dir() / "000009.png", out.root / "other",
                                                   out.records_dir() / "000000.json.bak"});
    }
    SECTION("resume keeps everything when the run is the same") {
        ds::prepare_output(out, run, false, true);
        CHECK(has_subfolders());
        CHECK(read_text(out.image(0)) == "old image");
        CHECK(read_text(out.mask(0)) == "old mask");
        CHECK(read_text(out.record(0)) == "old record");
        CHECK(read_text(out.manifest()) == "old manifest");
        CHECK(read_text(out.run_file()) == run.text());
        CHECK(users_files_intact());
    }
    SECTION("resume refuses another run, naming the field and both values, and touches nothing") {
        ds::run_description other = run_named("draem");
        other.add_number("seed", 7);
        CHECK_THROWS_AS(ds::prepare_output(out, other, false, true), std::invalid_argument);
        CHECK_THROWS_WITH(ds::prepare_output(out, other, false, true),
                          Contains(out.root.string()) && Contains(R"("seed" is 7 in this run and absent in the dataset)") && Contains("--force"));
        CHECK_THROWS_WITH(ds::prepare_output(out, run_named("nsa"), false, true),
                          Contains(R"("recipe" is "draem" in the dataset and "nsa" in this run)"));
        CHECK(read_text(out.image(0)) == "old image");
        CHECK(read_text(out.run_file()) == run.text());
    }
    SECTION("resume refuses dataset files without a run description") {
        fs::remove(out.run_file());
        CHECK_THROWS_WITH(ds::prepare_output(out, run, false, true), Contains("no run.json") && Contains("--force"));
        CHECK_FALSE(fs::exists(out.run_file()));
        CHECK(read_text(out.image(0)) == "old image");
    }
    SECTION("both flags at once are refused and touch nothing") {
        CHECK_THROWS_AS(ds::prepare_output(out, run, true, true), std::invalid_argument);
        CHECK(read_text(out.image(0)) == "old image");
    }
    SECTION("a file in place of the folder is refused, naming it") {
        const ds::layout file{out.root / "marker.txt"};
        CHECK_THROWS_AS(ds::prepare_output(file, run, false, true), std::invalid_argument);
        CHECK_THROWS_WITH(ds::prepare_output(file, run, true, false), Contains(file.root.string()) && Contains("not a folder"));
        CHECK(read_text(file.root) == "mine");
    }
}

TEST_CASE("dataset writer: prepare_output removes the temporary files no writer holds, and only those", "[dataset]") {
    const temp_folder tmp("temporaries");
    const ds::layout out{tmp.path / "out"};
    const ds::run_description run = run_named("draem");
    ds::prepare_output(out, run, false, false);
    const fs::path stale_image = out.images_dir() / "000003.png.tmp-host-123-0";
    const fs::path stale_manifest = out.root / "manifest.jsonl.tmp-otherhost-1-12";
    const fs::path not_ours = out.images_dir() / "holiday.jpg.tmp-host-123-1";
    for (const fs::path& p : {stale_image, stale_manifest, not_ours}) write_text(p, "partial");
    ias::atomic_file being_written(out.record(3));  // a writer at work, in this process or another
    fs::path live;
    for (const auto& entry : fs::directory_iterator(out.records_dir())) live = entry.path();
    REQUIRE(ias::detail::temporary_final_name(live.filename().string()) == "000003.json");

    SECTION("resume") {
        const ds::prepare_report report = ds::prepare_output(out, run, false, true);
        CHECK(report.stale_temporaries == 2);
        CHECK(report.busy.empty());
    }
    SECTION("force") {
        const ds::prepare_report report = ds::prepare_output(out, run, true, false);
        CHECK(report.stale_temporaries == 2);
        CHECK(report.kept == std::vector<fs::path>{not_ours});
        CHECK(report.busy == std::vector<fs::path>{live});
    }
    CHECK_FALSE(fs::exists(stale_image));
    CHECK_FALSE(fs::exists(stale_manifest));
    CHECK(fs::exists(live));  // its writer renames it into place
    CHECK(fs::exists(not_ours));
}

TEST_CASE("dataset writer: prepare_output never writes or removes through a link in place of a folder", "[dataset]") {
    const temp_folder tmp("linked");
    const fs::path photos = tmp.path / "photos";
    write_text(photos / "000001.png", "a photo");
    const ds::layout out{tmp.path / "out"};
    fs::create_directories(out.root);
    fs::create_directory_symlink(photos, out.images_dir());
    for (const bool force : {false, true}) {
        CAPTURE(force);
        CHECK_THROWS_AS(ds::prepare_output(out, run_named("draem"), force, !force), std::invalid_argument);
        CHECK_THROWS_WITH(ds::prepare_output(out, run_named("draem"), force, !force),
                          Contains("'" + out.images_dir().string() + "' is a link") && Contains("folders of their own"));
    }
    CHECK(read_text(photos / "000001.png") == "a photo");
    CHECK_FALSE(fs::exists(out.run_file()));
}

TEST_CASE("dataset writer: resume refuses a folder of other files, and a damaged run.json", "[dataset]") {
    const temp_folder tmp("resume_refusals");
    const ds::layout docs{tmp.path / "docs"};
    write_text(docs.root / "notes.txt", "mine");
    CHECK_THROWS_AS(ds::prepare_output(docs, run_named("draem"), false, true), std::invalid_argument);
    CHECK_THROWS_WITH(ds::prepare_output(docs, run_named("draem"), false, true), Contains("holds no run.json") && Contains("other files"));
    CHECK(all_file_names(docs.root) == std::vector<std::string>{"notes.txt"});

    const ds::layout damaged{tmp.path / "damaged"};
    ds::prepare_output(damaged, run_named("draem"), false, false);
    write_text(damaged.run_file(), "{\n  \"recipe\": \"draem\"");
    CHECK_THROWS_AS(ds::prepare_output(damaged, run_named("draem"), false, true), std::invalid_argument);
    CHECK_THROWS_WITH(ds::prepare_output(damaged, run_named("draem"), false, true), Contains("is not as ias writes a run description"));
}

TEST_CASE("dataset writer: rebuild_manifest waits for the folder lock", "[dataset]") {
    const temp_folder tmp("manifest_lock");
    const ds::layout out{tmp.path / "out"};
    ds::prepare_output(out, run_named("test"), false, false);
    ds::write_sample(out, 0, make_sample(0), info_of(0));
    std::atomic<bool> rebuilt{false};
    std::jthread other;
    {
        const ias::detail::folder_lock held(out.root);  // another shard process, rebuilding
        other = std::jthread([&] {
            ds::rebuild_manifest(out);
            rebuilt = true;
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        CHECK_FALSE(rebuilt);
    }
    other.join();
    CHECK(rebuilt);
    CHECK(read_text(out.manifest()) == record_of(0, make_sample(0), info_of(0)) + "\n");
}

TEST_CASE("dataset writer: a sample is finished when its record exists and its files match it", "[dataset]") {
    const temp_folder tmp("finished");
    const ds::layout out{tmp.path / "out"};
    ds::prepare_output(out, run_named("test"), false, false);
    for (const std::uint64_t i : {0, 1, 2, 3, 4, 5}) ds::write_sample(out, i, make_sample(i), info_of(i));
    for (const std::uint64_t i : {0, 1, 2, 3, 4, 5}) CHECK(ds::sample_problem(out, i).empty());
    CHECK(ds::sample_problem(out, 6) == "no record");

    // A crash after the record but before the image reached the disk; a changed mask; a
    // record of another sample; a record without fingerprints; a missing image.
    fs::resize_file(out.image(1), 0);
    std::string mask = read_text(out.mask(2));
    mask[mask.size() / 2] ^= 1;
    write_text(out.mask(2), mask);
    write_text(out.record(3), record_of(4, make_sample(4), info_of(4)) + "\n");
    write_text(out.record(4), R"({"index":4,"image":"images/000004.png"})");
    fs::remove(out.image(5));
    CHECK_THAT(ds::sample_problem(out, 1), Contains(out.image(1).string()) && Contains("has 0 bytes, its record says"));
    CHECK_THAT(ds::sample_problem(out, 2), Contains(out.mask(2).string()) && Contains("SHA-256"));
    CHECK_THAT(ds::sample_problem(out, 3), Contains("record of sample 4"));
    CHECK_THAT(ds::sample_problem(out, 4), Contains("no size and SHA-256"));
    CHECK_THAT(ds::sample_problem(out, 5), Contains(out.image(5).string()) && Contains("cannot be read"));
    CHECK(ds::finished(out, 0));
    CHECK_FALSE(ds::finished(out, 1));

    const ds::record_check check = ds::check_records(out, {}, 2);
    CHECK(check.finished == std::vector<std::uint64_t>{0});
    REQUIRE(check.damaged.size() == 5);
    for (std::size_t k = 0; k < 5; ++k) {
        CHECK(check.damaged[k].first == k + 1);
        CHECK(check.damaged[k].second == ds::sample_problem(out, k + 1));
    }
    // A shard checks only its own samples, which are the ones it makes again.
    const ds::record_check odd = ds::check_records(out, ds::parse_shard("1/2"), 1);
    CHECK(odd.finished.empty());
    REQUIRE(odd.damaged.size() == 3);
    CHECK((odd.damaged[0].first == 1 && odd.damaged[1].first == 3 && odd.damaged[2].first == 5));
    // Written again, each is finished.
    for (const std::uint64_t i : {1, 2, 3, 4, 5}) ds::write_sample(out, i, make_sample(i), info_of(i));
    CHECK(ds::check_records(out).damaged.empty());
}

TEST_CASE("dataset writer: rebuild_manifest orders records by index and ignores other files", "[dataset]") {
    const temp_folder tmp("manifest");
    const ds::layout out{tmp.path / "out"};
    ds::prepare_output(out, run_named("test"), false, false);
    for (const std::uint64_t i : {10, 2, 0, 1}) ds::write_sample(out, i, make_sample(i), info_of(i));
    write_text(out.records_dir() / "000003.json.tmp-host-12345-0", "half a rec");  // an interrupted write
    write_text(out.records_dir() / "0000004.json", "not a sample name");
    write_text(out.records_dir() / "notes.txt", "x");
    fs::create_directories(out.records_dir() / "000005.json");

    CHECK(ds::rebuild_manifest(out) == 4);
    std::string expected;
    for (const std::uint64_t i : {0, 1, 2, 10}) expected += record_of(i, make_sample(i), info_of(i)) + "\n";
    CHECK(read_text(out.manifest()) == expected);
    for (const auto& entry : fs::directory_iterator(out.root))
        CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);

    SECTION("a record that is not one JSON line of its own index is an error naming it") {
        for (const std::string bad : {"not json\n", "", "{\"index\":7,\"a\":1}\n{\"index\":7,\"a\":1}\n", "{\"index\":7,\"a\":1",
                                      "{\"index\":x,\"a\":1}", "{\"index\":7}"}) {
            CAPTURE(bad);
            write_text(out.record(7), bad);
            CHECK_THROWS_AS(ds::rebuild_manifest(out), ias::error);
            CHECK_THROWS_WITH(ds::rebuild_manifest(out), Contains(out.record(7).string()) && Contains("{\"index\":"));
        }
        write_text(out.record(7), record_of(8, make_sample(8), info_of(8)) + "\n");
        CHECK_THROWS_WITH(ds::rebuild_manifest(out), Contains(out.record(7).string()) && Contains("record of sample 8"));
        CHECK(read_text(out.manifest()) == expected);  // a failed rebuild keeps the last manifest
        for (const auto& entry : fs::directory_iterator(out.root))
            CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);  // and its temporary file is gone
    }
    SECTION("records without a final newline are accepted") {
        write_text(out.record(7), record_of(7, make_sample(7), info_of(7)));
        CHECK(ds::rebuild_manifest(out) == 5);
    }
    SECTION("an empty records folder gives an empty manifest") {
        const ds::layout empty{tmp.path / "empty"};
        ds::prepare_output(empty, run_named("test"), false, false);
        CHECK(ds::rebuild_manifest(empty) == 0);
        CHECK(fs::exists(empty.manifest()));
        CHECK(read_text(empty.manifest()).empty());
    }
}

TEST_CASE("dataset writer: two shards written into one folder at once give the bytes of a full run", "[dataset]") {
    const temp_folder tmp("shards");
    constexpr std::uint64_t count = 9;
    const ds::run_description run = run_named("test");
    const ds::layout full{tmp.path / "full"};
    ds::prepare_output(full, run, false, false);
    for (std::uint64_t i = 0; i < count; ++i) ds::write_sample(full, i, make_sample(i), info_of(i));
    CHECK(ds::rebuild_manifest(full) == count);

    const ds::layout sharded{tmp.path / "sharded"};
    ds::prepare_output(sharded, run, false, false);
    ds::write_sample(sharded, 4, make_sample(4), info_of(4));  // finished by an interrupted earlier run
    const auto run_shard = [&](ds::shard part) {
        ds::prepare_output(sharded, run, false, true);
        for (std::uint64_t i = 0; i < count; ++i)
            if (part.contains(i) && !ds::finished(sharded, i)) ds::write_sample(sharded, i, make_sample(i), info_of(i));
        ds::rebuild_manifest(sharded);
    };
    {
        std::jthread first(run_shard, ds::parse_shard("0/2"));
        std::jthread second(run_shard, ds::parse_shard("1/2"));
    }
    CHECK(read_text(sharded.manifest()) == read_text(full.manifest()));
    for (std::uint64_t i = 0; i < count; ++i) {
        CHECK(read_text(sharded.image(i)) == read_text(full.image(i)));
        CHECK(read_text(sharded.mask(i)) == read_text(full.mask(i)));
        CHECK(read_text(sharded.record(i)) == read_text(full.record(i)));
    }
    for (const std::string& name : all_file_names(sharded.root)) CHECK(name.find(".tmp") == std::string::npos);
}

TEST_CASE("dataset writer: for_each_pending_chunk lists a shard's wanted indices in order, in bounded chunks", "[dataset]") {
    std::vector<std::vector<std::uint64_t>> chunks;
    ds::for_each_pending_chunk(
        23, ds::parse_shard("1/3"), [](std::uint64_t i) { return i != 10; },
        [&](std::span<const std::uint64_t> indices) { chunks.emplace_back(indices.begin(), indices.end()); }, 3);
    CHECK(chunks == std::vector<std::vector<std::uint64_t>>{{1, 4, 7}, {13, 16, 19}, {22}});
    chunks.clear();
    ds::for_each_pending_chunk(
        ds::max_count, ds::parse_shard("4294967294/4294967295"), [](std::uint64_t) { return true; },
        [&](std::span<const std::uint64_t> indices) { chunks.emplace_back(indices.begin(), indices.end()); });
    CHECK(chunks == std::vector<std::vector<std::uint64_t>>{{4294967294u}});
}

TEST_CASE("dataset inputs: check_apart refuses an output that is, contains or lies inside another folder", "[dataset]") {
    const temp_folder tmp("apart");
    const fs::path project = tmp.path / "proj", photos = project / "images";
    fs::create_directories(photos);
    fs::create_symlink(photos, tmp.path / "link_to_photos");
    const auto refusal = [](const fs::path& out, const fs::path& folder) {
        try {
            ds::check_apart(out, folder, "the --input folder");
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK_THAT(refusal(project, photos), Contains("'" + project.string() + "'") && Contains("contains it"));
    CHECK_THAT(refusal(photos / "out", photos), Contains("lies inside it") && Contains("--input"));
    CHECK_THAT(refusal(photos, photos), Contains("the same folder"));
    CHECK_THAT(refusal(project / "images/", photos), Contains("the same folder"));
    CHECK_THAT(refusal(photos / ".." / "images" / "new", photos), Contains("lies inside it"));
    CHECK_THAT(refusal(tmp.path / "link_to_photos" / "out", photos), Contains("lies inside it"));  // links resolved
    CHECK(refusal(project / "synthetic", photos).empty());
    CHECK(refusal(tmp.path / "proj_images", photos).empty());  // a shared prefix of the name is no folder
    CHECK(refusal(project, "").empty());
}

TEST_CASE("dataset inputs: broken links, loops and links to folders are skipped by name", "[dataset]") {
    const temp_folder tmp("links");
    const fs::path& dir = tmp.path;
    write_text(dir / "a.png", "x");
    write_text(dir / "elsewhere" / "b.png", "x");
    fs::create_symlink(dir / "a.png", dir / "good_link.png");
    fs::create_symlink(dir / "missing.png", dir / "dangling.png");
    fs::create_symlink(dir / "loop2.png", dir / "loop1.png");
    fs::create_symlink(dir / "loop1.png", dir / "loop2.png");
    fs::create_directories(dir / "sub");
    fs::create_directory_symlink(dir, dir / "sub" / "back_up");

    const ds::input_set inputs = ds::find_inputs(dir);
    CHECK(generic(inputs.relative) == std::vector<std::string>{"a.png", "elsewhere/b.png", "good_link.png"});
    REQUIRE(inputs.skipped.size() == 4);
    CHECK(inputs.skipped[0].path == dir / "dangling.png");
    CHECK(inputs.skipped[0].reason == "a symbolic link whose target does not exist");
    CHECK(inputs.skipped[1].path == dir / "loop1.png");
    CHECK(inputs.skipped[1].reason == "a symbolic link in a loop");
    CHECK(inputs.skipped[3].path == dir / "sub" / "back_up");
    CHECK(inputs.skipped[3].reason == "a symbolic link to a folder, which is not followed");
}

TEST_CASE("dataset writer: parse_shard accepts K/N and rejects anything else", "[dataset]") {
    const ds::shard a = ds::parse_shard("0/1");
    CHECK((a.k == 0 && a.n == 1));
    const ds::shard b = ds::parse_shard("3/4");
    CHECK((b.k == 3 && b.n == 4));
    CHECK(b.contains(3));
    CHECK(b.contains(7));
    CHECK_FALSE(b.contains(4));
    CHECK(ds::shard{}.contains(12345));
    const ds::shard big = ds::parse_shard("4294967294/4294967295");
    CHECK(big.contains(4294967294u));

    for (const char* text : {"", "1", "/", "1/", "/4", "4/4", "5/4", "0/0", "-1/4", "1/-4", "+1/4", "a/b", " 1/4", "1/4 ",
                             "1//4", "1/4/2", "1.0/4", "1/4294967296", "0x1/4"}) {
        CAPTURE(text);
        CHECK_THROWS_AS(ds::parse_shard(text), std::invalid_argument);
        CHECK_THROWS_WITH(ds::parse_shard(text), Contains("--shard '" + std::string(text) + "'") && Contains("K/N") &&
                                                     Contains("0 <= K < N"));
    }
    CHECK_THROWS_WITH(ds::parse_shard("0/0"), Contains("N must be at least 1"));
    CHECK_THROWS_WITH(ds::parse_shard("4/4"), Contains("K >= N"));
}

TEST_CASE("dataset writer: progress and summary lines", "[dataset]") {
    CHECK(ds::progress_line(45, 100, 4.5) == "[#########...........] 45/100  10.0 samples/s  ETA 6s");
    CHECK(ds::progress_line(0, 100, 0.0) == "[....................] 0/100  -- samples/s  ETA --");
    CHECK(ds::progress_line(0, 100, 3.0) == "[....................] 0/100  -- samples/s  ETA --");
    CHECK(ds::progress_line(100, 100, 8.0) == "[####################] 100/100  12.5 samples/s  ETA 0s");
    CHECK(ds::progress_line(0, 0, 0.0) == "[####################] 0/0  -- samples/s  ETA 0s");
    CHECK(ds::progress_line(1, 126, 1.0) == "[....................] 1/126  1.0 samples/s  ETA 2m05s");
    CHECK(ds::progress_line(1, 3723, 1.0) == "[....................] 1/3723  1.0 samples/s  ETA 1h02m");
    CHECK(ds::progress_line(1, 61, 1.0) == "[....................] 1/61  1.0 samples/s  ETA 1m00s");
    CHECK(ds::progress_line(10, 20, std::numeric_limits<double>::quiet_NaN()) ==
          "[##########..........] 10/20  -- samples/s  ETA --");
    CHECK_THAT(ds::progress_line(1, std::numeric_limits<std::uint64_t>::max(), 1e6), Contains("ETA 99999h59m"));

    CHECK(ds::summary_line(100, 3, 0, 2.1) == "wrote 100 samples (skipped 3 finished, 0 failed) in 2.1 s, 47.6 samples/s");
    CHECK(ds::summary_line(1, 0, 2, 0.5) == "wrote 1 sample (skipped 0 finished, 2 failed) in 0.5 s, 2.0 samples/s");
    CHECK(ds::summary_line(0, 5, 0, 0.0) == "wrote 0 samples (skipped 5 finished, 0 failed) in 0.0 s, -- samples/s");
}
