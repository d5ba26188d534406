// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>

#include <ias/io/texture_bank.hpp>
#include <ias/textures/procedural_textures.hpp>

namespace fs = std::filesystem;
using ias::fn::texture_pattern;

TEST_CASE("resize_bilinear: OpenCV INTER_LINEAR known answers", "[textures]") {
    ias::image<float> src(7, 5, 3);
    for (int y = 0; y < 5; ++y)
        for (int x = 0; x < 7; ++x)
            for (int k = 0; k < 3; ++k) src(x, y, k) = float((y * 7 + x) * 3 + k);
    ias::image<float> dst(11, 4, 3);
    ias::fn::resize_scratch weights;
    ias::fn::resize_bilinear(std::as_const(src).view(), dst.view(), weights);
    // cv2.resize(src, (11, 4), interpolation=cv2.INTER_LINEAR) gives these values.
    CHECK(dst(0, 0, 0) == 2.625f);
    CHECK(dst(0, 0, 2) == 4.625f);
    CHECK(dst(10, 3, 1) == 100.375f);
    CHECK(dst(5, 2, 0) == 64.125f);
    // Same size is the identity; uint8 sources come out in [0, 1].
    ias::image<float> same(7, 5, 3);
    ias::fn::resize_bilinear(std::as_const(src).view(), same.view(), weights);
    CHECK(same == src);
    ias::image<std::uint8_t> bytes(2, 2, 1, 255);
    ias::image<float> up(5, 3, 1);
    ias::fn::resize_bilinear(std::as_const(bytes).view(), up.view(), weights);
    for (std::size_t i = 0; i < up.size(); ++i) REQUIRE(up.data()[i] == 1.0f);
    CHECK_THROWS_WITH(ias::fn::resize_bilinear(std::as_const(src).view(), up.view(), weights), Catch::Contains("3 and 1 channels"));
}

TEST_CASE("procedural_texture: every pattern stays between its colours, deterministic per seed", "[textures]") {
    std::vector<float> scratch;
    for (int k = 0; k < ias::fn::texture_pattern_count; ++k) {
        CAPTURE(k);
        const ias::fn::procedural_texture_params p{.pattern = texture_pattern(k), .scale = 12, .angle = 0.3f,
                                                   .colour_a = {0.2f, 0.1f, 0.6f}, .colour_b = {0.8f, 0.5f, 0.7f}, .seed = 5};
        ias::image<float> a(70, 50, 3), b(70, 50, 3), c(70, 50, 3);
        ias::fn::procedural_texture(a.view(), p, scratch);
        ias::fn::procedural_texture(b.view(), p, scratch);
        auto other = p;
        other.seed = 6;
        ias::fn::procedural_texture(c.view(), other, scratch);
        CHECK(a == b);
        const bool seeded = p.pattern != texture_pattern::stripes && p.pattern != texture_pattern::checker;
        CHECK((a == c) == !seeded);
        double lowest = 1, highest = 0;
        for (int y = 0; y < 50; ++y)
            for (int x = 0; x < 70; ++x) {
                REQUIRE(a(x, y, 0) >= 0.2f - 1e-6f);
                REQUIRE(a(x, y, 0) <= 0.8f + 1e-6f);
                REQUIRE(a(x, y, 2) >= 0.6f - 1e-6f);
                lowest = std::min(lowest, double(a(x, y, 0)));
                highest = std::max(highest, double(a(x, y, 0)));
            }
        CHECK(highest - lowest > 0.3);  // the pattern is visible
    }
    // Checkerboard at angle 0: cells of `scale` pixels alternate.
    ias::image<float> board(32, 32, 1);
    ias::fn::procedural_texture(board.view(), {.pattern = texture_pattern::checker, .scale = 8}, scratch);
    CHECK(board(0, 0) == 0.0f);
    CHECK(board(8, 0) == 1.0f);
    CHECK(board(8, 8) == 0.0f);
    // A strided RGBA view: alpha is 1.
    ias::image<float> rgba(20, 10, 4);
    ias::fn::procedural_texture(rgba.view(), {.pattern = texture_pattern::dots, .scale = 5}, scratch);
    for (int y = 0; y < 10; ++y)
        for (int x = 0; x < 20; ++x) REQUIRE(rgba(x, y, 3) == 1.0f);
    CHECK_THROWS_WITH(ias::fn::procedural_texture(board.view(), {.scale = 0.5f}, scratch), Catch::Contains("scale is 0.5"));
}

TEST_CASE("procedural_textures: patterns, scales and colours drawn as documented", "[textures]") {
    const ias::procedural_textures source{.enabled = {true, false, true, true, true, true, true, true}};
    std::map<int, int> patterns;
    for (std::uint64_t i = 0; i < 3500; ++i) {
        ias::rng_stream rng(3, i);
        const auto p = source.draw(rng, 512, 512);
        ++patterns[int(p.pattern)];
        REQUIRE(p.scale >= 8.0f * 0.999f);  // 4..48 px at 256, doubled at 512
        REQUIRE(p.scale <= 96.0f * 1.001f);
        const float a = (p.colour_a[0] + p.colour_a[1] + p.colour_a[2]) / 3, b = (p.colour_b[0] + p.colour_b[1] + p.colour_b[2]) / 3;
        REQUIRE(std::abs(a - b) >= 0.2f - 1e-5f);
        for (int c = 0; c < 3; ++c) REQUIRE((p.colour_b[std::size_t(c)] >= 0.0f && p.colour_b[std::size_t(c)] <= 1.0f));
    }
    CHECK(patterns.count(int(texture_pattern::stripes)) == 0);
    for (const auto& [pattern, count] : patterns) CHECK(count / 3500.0 == Approx(1.0 / 7).margin(0.03));
    CHECK_THROWS_WITH((ias::procedural_textures{.enabled = {}}.validate()), Catch::Contains("at least one pattern"));
}

TEST_CASE("texture_bank: loads a folder recursively in sorted order, fills any size, names bad input", "[textures]") {
    const fs::path dir = fs::temp_directory_path() / "ias_texture_bank_test";
    fs::remove_all(dir);
    fs::create_directories(dir / "b_sub");
    ias::image<std::uint8_t> red(8, 6, 3, 0), grey(5, 5, 1, 128);
    for (int y = 0; y < 6; ++y)
        for (int x = 0; x < 8; ++x) red(x, y, 0) = 255;
    ias::save_image(dir / "b_sub" / "red.PNG", red.view());
    ias::save_image(dir / "a_grey.bmp", grey.view());
    std::ofstream(dir / "notes.txt") << "not an image";

    const auto bank = ias::texture_bank::load(dir);
    REQUIRE(bank->size() == 2);
    CHECK(bank->path(0).filename() == "a_grey.bmp");  // sorted paths
    CHECK(bank->path(1).filename() == "red.PNG");
    CHECK((*bank)[0].channels() == 3);
    REQUIRE((*bank)[1].holds<std::uint8_t>());  // kept as 8 bits, as the file holds it
    CHECK((*bank)[1].get<std::uint8_t>()(3, 3, 0) == 255);
    CHECK((*bank)[1].get<std::uint8_t>()(3, 3, 1) == 0);

    ias::image<float> out(16, 12, 1), scratch;
    ias::fn::resize_scratch weights;
    bank->fill(1, out.view(), scratch, weights);
    for (std::size_t i = 0; i < out.size(); ++i) REQUIRE(out.data()[i] == Approx(0.299f));  // red as luminance

    // A bank resized once gives the same textures at that size as resizing per sample.
    const auto fitted = bank->resized(16, 12);
    ias::image<float> direct(16, 12, 3), cached(16, 12, 3);
    for (std::size_t k = 0; k < bank->size(); ++k) {
        bank->fill(k, direct.view(), scratch, weights);
        fitted->fill(k, cached.view(), scratch, weights);
        CHECK(cached == direct);
    }
    CHECK(fitted->path(1) == bank->path(1));
    CHECK_THROWS_WITH(bank->resized(0, 12), Catch::Contains("both must be >= 1"));

    CHECK_THROWS_WITH(ias::texture_bank::load(dir / "missing"), Catch::Contains("is not a folder"));
    fs::create_directories(dir / "empty");
    CHECK_THROWS_WITH(ias::texture_bank::load(dir / "empty"), Catch::Contains("holds no .png"));
    std::ofstream(dir / "broken.png") << "\x89PNG\r\n\x1a\n garbage";
    CHECK_THROWS_WITH(ias::texture_bank::load(dir), Catch::Contains("broken.png"));
    CHECK_THROWS_AS(bank->fill(2, out.view(), scratch, weights), std::out_of_range);
    const auto memory = ias::texture_bank::from_images({ias::image<float>(4, 4, 1, 0.5f)});
    CHECK((*memory)[0].get<float>()(2, 2, 2) == 0.5f);  // grey repeated into RGB
    // 8-bit images stay 8-bit, and fill as v / 255, at their own size and resized.
    const auto bytes = ias::texture_bank::from_images({ias::image<std::uint8_t>(4, 4, 3, 51)});
    CHECK((*bytes)[0].get<std::uint8_t>()(1, 1, 1) == 51);
    for (const int size : {4, 9}) {
        ias::image<float> filled(size, size, 3);
        bytes->fill(0, filled.view(), scratch, weights);
        for (std::size_t i = 0; i < filled.size(); ++i) REQUIRE(filled.data()[i] == Approx(0.2f).margin(1e-6));
    }
}
