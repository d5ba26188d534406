// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <ias/io/stb.hpp>

namespace fs = std::filesystem;
using ias::image;

namespace {
/// A fresh, empty folder for one test case.
fs::path scratch_dir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("ias_stb_test_" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::vector<std::uint8_t> read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}
void write_bytes(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

template <class T>
image<T> pattern(int w, int h, int c) {
    image<T> im(w, h, c);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int k = 0; k < c; ++k) {
                const int v = (x * 7 + y * 13 + k * 50) % 256;
                im(x, y, k) = std::is_same_v<T, float> ? T(float(v) / 255.0f) : T(v);
            }
    return im;
}

// A minimal 16-bit greyscale PNG encoder (stored deflate blocks), because stb writes only 8 bits.
std::uint32_t crc32(const std::uint8_t* p, std::size_t n, std::uint32_t crc = 0) {
    crc = ~crc;
    for (std::size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(std::uint8_t(v >> s));
}
void chunk(std::vector<std::uint8_t>& out, const char* type, const std::vector<std::uint8_t>& data) {
    put32(out, std::uint32_t(data.size()));
    std::vector<std::uint8_t> body(type, type + 4);
    body.insert(body.end(), data.begin(), data.end());
    out.insert(out.end(), body.begin(), body.end());
    put32(out, crc32(body.data(), body.size()));
}
std::vector<std::uint8_t> png16(int w, int h, const std::vector<std::uint16_t>& values) {
    std::vector<std::uint8_t> raw;
    for (int y = 0; y < h; ++y) {
        raw.push_back(0);  // filter: none
        for (int x = 0; x < w; ++x) {
            raw.push_back(std::uint8_t(values[std::size_t(y * w + x)] >> 8));
            raw.push_back(std::uint8_t(values[std::size_t(y * w + x)]));
        }
    }
    std::vector<std::uint8_t> z{0x78, 0x01};
    for (std::size_t at = 0; at < raw.size(); at += 65535) {
        const std::size_t n = std::min<std::size_t>(65535, raw.size() - at);
        z.push_back(at + n == raw.size() ? 1 : 0);
        z.push_back(std::uint8_t(n));
        z.push_back(std::uint8_t(n >> 8));
        z.push_back(std::uint8_t(~n));
        z.push_back(std::uint8_t(~n >> 8));
        z.insert(z.end(), raw.begin() + std::ptrdiff_t(at), raw.begin() + std::ptrdiff_t(at + n));
    }
    std::uint32_t a = 1, b = 0;
    for (auto v : raw) {
        a = (a + v) % 65521;
        b = (b + a) % 65521;
    }
    put32(z, (b << 16) | a);
    std::vector<std::uint8_t> out{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    std::vector<std::uint8_t> ihdr;
    put32(ihdr, std::uint32_t(w));
    put32(ihdr, std::uint32_t(h));
    ihdr.insert(ihdr.end(), {16, 0, 0, 0, 0});  // 16-bit, greyscale
    chunk(out, "IHDR", ihdr);
    chunk(out, "IDAT", z);
    chunk(out, "IEND", {});
    return out;
}
}  // namespace

TEST_CASE("io: lossless round trips through PNG, BMP and TGA", "[io]") {
    const auto dir = scratch_dir("roundtrip");
    for (const char* ext : {".png", ".bmp", ".tga", ".PNG"}) {
        for (const int channels : {1, 3, 4}) {
            if (std::string(ext) == ".bmp" && channels == 1) continue;  // stb writes grey BMP as RGB
            CAPTURE(ext, channels);
            const auto original = pattern<std::uint8_t>(37, 23, channels);
            const fs::path path = dir / ("im" + std::to_string(channels) + ext);
            ias::save_image(path, original.view());
            const ias::any_image loaded = ias::load_image(path);
            REQUIRE(loaded.holds<std::uint8_t>());
            CHECK(loaded.get<std::uint8_t>() == original);
        }
    }
    // Strided views save what they show.
    const auto big = pattern<std::uint8_t>(40, 30, 3);
    ias::save_image(dir / "crop.png", big.view().crop(5, 7, 11, 13));
    CHECK(ias::load_image(dir / "crop.png").get<std::uint8_t>() == image<std::uint8_t>(big.view().crop(5, 7, 11, 13)));
    // Float pixels are written as 8 bits.
    const auto floats = pattern<float>(9, 8, 3);
    ias::save_image(dir / "float.png", floats.view());
    CHECK(ias::load_image(dir / "float.png").get<std::uint8_t>() == pattern<std::uint8_t>(9, 8, 3));
    // Only the final file remains: the temporary files were renamed into place.
    for (const auto& entry : fs::directory_iterator(dir))
        CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);
}

TEST_CASE("io: JPEG round trip is close, channels can be converted on load", "[io]") {
    const auto dir = scratch_dir("jpeg");
    auto original = image<std::uint8_t>(64, 48, 3, 0);
    for (int y = 0; y < 48; ++y)
        for (int x = 0; x < 64; ++x)
            for (int c = 0; c < 3; ++c) original(x, y, c) = std::uint8_t(60 + x + y + 20 * c);
    ias::save_image(dir / "a.jpg", original.view(), {.jpeg_quality = 95});
    const auto loaded = ias::load_image(dir / "a.jpg").get<std::uint8_t>();
    REQUIRE(loaded.width() == 64);
    double error = 0;
    for (std::size_t i = 0; i < loaded.size(); ++i) error += std::abs(int(loaded.data()[i]) - int(original.data()[i]));
    CHECK(error / double(loaded.size()) < 2.0);

    const auto grey = ias::load_image(dir / "a.jpg", {.channels = 1});
    CHECK(grey.channels() == 1);
    const auto rgba = ias::load_image(dir / "a.jpg", {.channels = 4});
    CHECK(rgba.channels() == 4);
    CHECK_THROWS_WITH(ias::load_image(dir / "a.jpg", {.channels = 2}), Catch::Contains("must be 0, 1, 3 or 4, got 2"));
}

TEST_CASE("io: 16-bit PNG loads as float in 0..1", "[io]") {
    const int w = 300, h = 250;  // more than one stored deflate block
    std::vector<std::uint16_t> values(std::size_t(w * h));
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = std::uint16_t(i * 37 % 65536);
    const auto loaded = ias::decode_image(png16(w, h, values), "sixteen.png");
    REQUIRE(loaded.holds<float>());
    const auto& im = loaded.get<float>();
    REQUIRE(im.width() == w);
    REQUIRE(im.channels() == 1);
    for (std::size_t i = 0; i < values.size(); i += 97) CHECK(im.data()[i] == float(values[i]) / 65535.0f);
}

TEST_CASE("io: each kind of bad file gets a clear error naming it", "[io]") {
    const auto dir = scratch_dir("bad");
    const auto good = pattern<std::uint8_t>(64, 64, 3);
    ias::save_image(dir / "good.png", good.view());
    ias::save_image(dir / "good.jpg", good.view());
    ias::save_image(dir / "good.bmp", good.view());
    ias::save_image(dir / "good.tga", good.view());

    SECTION("missing") {
        CHECK_THROWS_WITH(ias::load_image(dir / "nope.png"),
                          Catch::Contains("nope.png") && Catch::Contains("No such file or directory"));
    }
    SECTION("a directory") { CHECK_THROWS_WITH(ias::load_image(dir), Catch::Contains("is a directory")); }
    SECTION("empty") {
        write_bytes(dir / "empty.png", {});
        CHECK_THROWS_WITH(ias::load_image(dir / "empty.png"), Catch::Contains("empty.png") && Catch::Contains("empty"));
    }
    SECTION("truncated, in every format") {
        for (const char* name : {"good.png", "good.jpg", "good.bmp", "good.tga"}) {
            CAPTURE(name);
            auto bytes = read_bytes(dir / name);
            bytes.resize(bytes.size() * 2 / 3);
            write_bytes(dir / ("cut_" + std::string(name)), bytes);
            CHECK_THROWS_AS(ias::load_image(dir / ("cut_" + std::string(name))), ias::error);
            CHECK_THROWS_WITH(ias::load_image(dir / ("cut_" + std::string(name))),
                              Catch::Contains("cut_" + std::string(name)) &&
                                  (Catch::Contains("truncated") || Catch::Contains("corrupt")));
        }
    }
    SECTION("corrupt PNG data") {
        auto bytes = read_bytes(dir / "good.png");
        for (std::size_t i = 40; i < bytes.size() - 20; i += 3) bytes[i] = std::uint8_t(bytes[i] * 31 + 7);
        write_bytes(dir / "corrupt.png", bytes);
        CHECK_THROWS_WITH(ias::load_image(dir / "corrupt.png"), Catch::Contains("corrupt or truncated PNG"));
    }
    SECTION("a JPEG scan that uses an undefined Huffman table") {
        auto bytes = read_bytes(dir / "good.jpg");
        std::size_t sos = 2;  // find the start-of-scan segment by walking the segments
        while (sos + 3 < bytes.size() && bytes[sos + 1] != 0xDA) sos += 2 + (std::size_t(bytes[sos + 2]) << 8 | bytes[sos + 3]);
        REQUIRE(sos + 6 < bytes.size());
        bytes[sos + 6] = 0x03;  // component 1: DC table 0, AC table 3, which no segment defines
        write_bytes(dir / "undefined_table.jpg", bytes);
        CHECK_THROWS_WITH(ias::load_image(dir / "undefined_table.jpg"),
                          Catch::Contains("undefined_table.jpg") && Catch::Contains("Huffman table that no earlier segment defines"));
    }
    SECTION("unsupported formats") {
        write_bytes(dir / "a.gif", {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0});
        CHECK_THROWS_WITH(ias::load_image(dir / "a.gif"),
                          Catch::Contains("unsupported format GIF") && Catch::Contains("PNG, JPEG, BMP and TGA"));
        write_bytes(dir / "a.txt", {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n'});
        CHECK_THROWS_WITH(ias::load_image(dir / "a.txt"), Catch::Contains("not an image ias can read"));
    }
    SECTION("over the limits") {
        CHECK_THROWS_WITH(ias::load_image(dir / "good.png", {.limits = {.max_width = 32}}),
                          Catch::Contains("64x64 exceeds the limit of 32x"));
        CHECK_THROWS_WITH(ias::load_image(dir / "good.bmp", {.limits = {.max_bytes = 1000}}),
                          Catch::Contains("more than the limit of 1000"));
        CHECK_THROWS_WITH(ias::load_image(dir / "good.png", {.limits = {.max_bytes = 64 * 64 * 3 - 1}}),
                          Catch::Contains("decoding needs 12288 bytes"));
        CHECK_THROWS_WITH(ias::load_image(dir / "good.png", {.limits = {.max_pixels = 4095}}),
                          Catch::Contains("64x64 is 4096 pixels, more than the limit of 4095"));
    }
    SECTION("a decompression bomb is refused from its header, before anything is decoded") {
        // 12000 x 12000 grey: 144 megapixels, above the default limit of 100, in a file of 69 bytes.
        std::vector<std::uint8_t> bomb{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        std::vector<std::uint8_t> ihdr;
        put32(ihdr, 12000);
        put32(ihdr, 12000);
        ihdr.insert(ihdr.end(), {8, 0, 0, 0, 0});
        chunk(bomb, "IHDR", ihdr);
        chunk(bomb, "IDAT", {0x78, 0x01, 0x03, 0x00});
        chunk(bomb, "IEND", {});
        write_bytes(dir / "bomb.png", bomb);
        CHECK_THROWS_WITH(ias::load_image(dir / "bomb.png"),
                          Catch::Contains("bomb.png") && Catch::Contains("12000x12000 is 144000000 pixels, more than the limit of 100000000"));
        // With the limit raised, the header passes and the data is found wanting.
        CHECK_THROWS_WITH(ias::load_image(dir / "bomb.png", {.limits = {.max_pixels = 200'000'000}}),
                          Catch::Contains("bomb.png") && Catch::Contains("corrupt or truncated PNG"));
    }
    SECTION("saving: bad extension, missing folder, existing file kept on failure") {
        CHECK_THROWS_WITH(ias::save_image(dir / "x.gif", good.view()), Catch::Contains("'.gif'; use .png"));
        CHECK_THROWS_WITH(ias::save_image(dir / "no" / "such" / "x.png", good.view()),
                          Catch::Contains("cannot create a temporary file"));
        CHECK_THROWS_WITH(ias::save_image(dir / "good.png", image<std::uint8_t>().view()), Catch::Contains("empty"));
        CHECK(ias::load_image(dir / "good.png").get<std::uint8_t>() == good);
        CHECK_THROWS_WITH(ias::save_image(dir / "q.jpg", good.view(), {.jpeg_quality = 0}),
                          Catch::Contains("jpeg_quality must lie in [1, 100], got 0"));
    }
}
