// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <ias/core/sample.hpp>
#include <ias/eigen.hpp>

using ias::image;
using ias::image_view;

TEMPLATE_TEST_CASE("image: any size, 1, 3 or 4 channels, element access", "[image]", std::uint8_t, float) {
    for (const int channels : {1, 3, 4}) {
        image<TestType> im(7, 5, channels, TestType(3));
        CHECK(im.width() == 7);
        CHECK(im.height() == 5);
        CHECK(im.channels() == channels);
        CHECK(im.size() == std::size_t(7 * 5 * channels));
        CHECK(im(6, 4, channels - 1) == TestType(3));
        im(2, 3, 0) = TestType(9);
        CHECK(im.data()[(3 * 7 + 2) * channels] == TestType(9));
        CHECK(im.view().is_contiguous());
    }
    CHECK_THROWS_WITH(image<TestType>(4, 4, 2), Catch::Contains("channels must be 1, 3 or 4, got 2"));
    CHECK_THROWS_WITH(image<TestType>(-1, 4, 1), Catch::Contains("width and height must be >= 0"));
}

TEST_CASE("image: resize and assign reuse the allocation", "[image]") {
    image<float> im(64, 64, 3);
    const float* buffer = im.data();
    im.resize(32, 16, 1, 0.5f);
    CHECK(im.data() == buffer);
    CHECK(im(31, 15) == 0.5f);
    image<float> small(8, 8, 3, 1.0f);
    im.assign(small.view());
    CHECK(im.data() == buffer);
    CHECK(im == small);
    im.clear();
    CHECK(im.empty());
    im.resize(64, 64, 3);
    CHECK(im.data() == buffer);
}

TEST_CASE("image_view: strides, crop, channel and const conversion", "[image]") {
    image<std::uint8_t> im(6, 4, 3);
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 6; ++x)
            for (int c = 0; c < 3; ++c) im(x, y, c) = std::uint8_t(100 * c + 10 * y + x);

    const image_view<std::uint8_t> v = im.view();
    const auto crop = v.crop(2, 1, 3, 2);
    CHECK(crop.width() == 3);
    CHECK(crop.height() == 2);
    CHECK_FALSE(crop.is_contiguous());
    CHECK(crop(0, 0, 2) == 212);
    CHECK(crop(2, 1, 1) == 124);
    CHECK_THROWS_WITH(v.crop(4, 0, 3, 1), Catch::Contains("outside the 6x4 view"));

    const auto green = v.channel(1);
    CHECK(green.channels() == 1);
    CHECK(green(5, 3) == 135);
    CHECK_THROWS_AS(v.channel(3), std::out_of_range);

    // A view of every second column, by stride.
    const image_view<std::uint8_t> every_second(im.data(), 3, 4, 3, v.row_stride(), 2 * 3);
    CHECK(every_second(1, 2, 0) == 22);

    const image_view<const std::uint8_t> read_only = v;  // mutable -> const is implicit
    CHECK(read_only(1, 1, 1) == 111);
    const image<std::uint8_t>& const_ref = im;
    STATIC_REQUIRE(std::is_same_v<decltype(const_ref.view()), image_view<const std::uint8_t>>);
    STATIC_REQUIRE_FALSE(std::is_convertible_v<image_view<const std::uint8_t>, image_view<std::uint8_t>>);

    image<std::uint8_t> copy(crop);
    CHECK(copy.view().is_contiguous());
    CHECK(copy(2, 1, 1) == 124);
}

TEST_CASE("convert_pixels: uint8 -> float -> uint8 is exact, float clamps and rounds", "[image]") {
    image<std::uint8_t> bytes(256, 1, 1);
    for (int i = 0; i < 256; ++i) bytes(i, 0) = std::uint8_t(i);
    image<float> floats(256, 1, 1);
    ias::convert_pixels(bytes.view(), floats.view());
    CHECK(floats(255, 0) == 1.0f);
    CHECK(floats(51, 0) == Approx(0.2f));
    image<std::uint8_t> back(256, 1, 1);
    ias::convert_pixels(floats.view(), back.view());
    CHECK(back == bytes);

    image<float> odd(4, 1, 1);
    odd(0, 0) = -0.5f;
    odd(1, 0) = 1.5f;
    odd(2, 0) = std::numeric_limits<float>::quiet_NaN();
    odd(3, 0) = 0.5f;
    image<std::uint8_t> out(4, 1, 1);
    ias::convert_pixels(odd.view(), out.view());
    CHECK(out(0, 0) == 0);
    CHECK(out(1, 0) == 255);
    CHECK(out(2, 0) == 0);
    CHECK(out(3, 0) == 128);
    CHECK_THROWS_WITH(ias::convert_pixels(odd.view(), image<std::uint8_t>(3, 1, 1).view()),
                      Catch::Contains("shapes differ"));
}

TEST_CASE("any_image: typed access, emplace and visit", "[image]") {
    ias::any_image im(image<std::uint8_t>(3, 2, 1, 7));
    CHECK(im.holds<std::uint8_t>());
    CHECK(im.width() == 3);
    CHECK(im.get<std::uint8_t>()(2, 1) == 7);
    CHECK_THROWS_WITH(im.get<float>(), Catch::Contains("requested float pixels, but the image holds uint8"));
    const int sum = im.visit([](auto v) {
        int s = 0;
        for (int y = 0; y < v.height(); ++y)
            for (int x = 0; x < v.width(); ++x) s += int(v(x, y));
        return s;
    });
    CHECK(sum == 42);
    auto& f = im.emplace<float>(5, 5, 3);
    CHECK(im.holds<float>());
    CHECK(f.width() == 5);
}

TEST_CASE("sample: validate names the field and the problem", "[sample]") {
    ias::sample s(image<float>(8, 6, 3, 0.5f));
    CHECK(s.mask.width() == 8);
    CHECK_NOTHROW(s.validate());

    s.mask(3, 3) = 1.5f;
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("mask has value 1.5") && Catch::Contains("[0, 1]"));
    s.mask.resize(8, 5, 1);
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("mask is 8x5x1, but it must be one channel of the image's size 8x6"));
    s.ensure_mask();
    s.feature_mask.resize(2, 2, 1, 0.5f);  // a feature grid: any size up to the image's
    CHECK_NOTHROW(s.validate());
    s.feature_mask.resize(9, 2, 1);
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("feature_mask is 9x2x1, but it must be one channel no larger than"));
    s.feature_mask.resize(2, 2, 1, 2.0f);
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("feature_mask has value 2"));
    s.clear_annotations();
    CHECK(s.feature_mask.empty());
    s.foreground.resize(8, 6, 3);
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("foreground is 8x6x3"));
    s.foreground.clear();
    s.image.get<float>()(1, 1, 1) = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("non-finite"));
    CHECK_THROWS_WITH(ias::sample{}.validate(), Catch::Contains("image is empty"));
}

TEST_CASE("channel_map: an Eigen::Map over a strided channel plane", "[eigen]") {
    image<float> im(5, 3, 3);
    for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 5; ++x) im(x, y, 2) = float(10 * y + x);
    auto blue = ias::channel_map(im.view(), 2);
    CHECK(blue.rows() == 3);
    CHECK(blue.cols() == 5);
    CHECK(blue(2, 4) == 24.0f);
    CHECK(blue.sum() == Approx(3 * (0 + 1 + 2 + 3 + 4) + 5 * (0 + 10 + 20)));
    blue *= 2.0f;  // writes through to the image, leaving the other channels alone
    CHECK(im(4, 2, 2) == 48.0f);
    CHECK(im(4, 2, 1) == 0.0f);
    const auto read_only = ias::channel_map(std::as_const(im).view(), 2);
    CHECK(read_only.maxCoeff() == 48.0f);
    CHECK_THROWS_AS(ias::channel_map(im.view(), 3), std::out_of_range);
}
