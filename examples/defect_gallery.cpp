// SPDX-License-Identifier: MIT
// The defect gallery: every procedural defect kind, asked for by a prompt, on every bundled
// sample image, in one PNG sheet (docs/defect_gallery.png in the README).
//
//   defect_gallery SAMPLES_DIR OUT.png [SEED=7]
//
// Each sample image becomes a round part on a dark table (the foreground is the disk), so
// that chips bite into its rim and fray wears it. Rows: the sample images in name order, then
// the soft masks of the last row. Columns: the kinds in the order of `prompts` below.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <ias/ias.hpp>
#include <ias/io/stb.hpp>

namespace fs = std::filesystem;

namespace {

constexpr std::array<const char*, 8> prompts{"two long scratches", "a long thick crack", "three large pores", "a large brown stain",
                                              "a large dent",       "two large chips",    "a long heavy fray", "six particles"};
constexpr int tile = 128;  // each 256 × 256 result, halved

/// The sample image as RGB floats, inside a disk on a dark table; the disk is the foreground.
ias::sample round_part(const ias::any_image& texture) {
    const int w = texture.width(), h = texture.height(), channels = texture.channels();
    ias::image<float> pixels(w, h, 3), disk(w, h, 1, 0.0f);
    ias::image<float> source;
    ias::assign_as_float(source, texture);
    const float r = 0.44f * float(std::min(w, h));
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const bool on_part = std::hypot(float(x) + 0.5f - 0.5f * float(w), float(y) + 0.5f - 0.5f * float(h)) < r;
            disk(x, y) = on_part ? 1.0f : 0.0f;
            for (int c = 0; c < 3; ++c) pixels(x, y, c) = on_part ? source(x, y, std::min(c, channels - 1)) : 0.08f;
        }
    ias::sample s{ias::any_image(std::move(pixels))};
    s.foreground = std::move(disk);
    return s;
}

/// Writes `im` (float, 1 or 3 channels), halved by 2 × 2 averaging, into the sheet at tile (column, row).
void put_tile(ias::image<std::uint8_t>& sheet, const ias::image<float>& im, int column, int row) {
    for (int y = 0; y < tile; ++y)
        for (int x = 0; x < tile; ++x)
            for (int c = 0; c < 3; ++c) {
                const int k = std::min(c, im.channels() - 1);
                const float v = 0.25f * (im(2 * x, 2 * y, k) + im(2 * x + 1, 2 * y, k) + im(2 * x, 2 * y + 1, k) + im(2 * x + 1, 2 * y + 1, k));
                sheet(column * tile + x, row * tile + y, c) = std::uint8_t(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
            }
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc < 3) {
        std::fprintf(stderr, "usage: defect_gallery SAMPLES_DIR OUT.png [SEED=7]\n");
        return 2;
    }
    const std::uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 7;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(argv[1]))
        if (entry.path().extension() == ".png") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw ias::error(std::string("defect_gallery: no .png images in ") + argv[1]);

    const int rows = int(files.size()) + 1, columns = int(prompts.size());
    ias::image<std::uint8_t> sheet(columns * tile, rows * tile, 3, 0);
    std::array<int, prompts.size()> labelled{}, consistent{};
    for (int row = 0; row < int(files.size()); ++row) {
        const ias::sample part = round_part(ias::load_image(files[std::size_t(row)]));
        if (part.image.width() != 2 * tile || part.image.height() != 2 * tile)
            throw ias::error("defect_gallery: " + files[std::size_t(row)].string() + " is not 256 x 256");
        for (int k = 0; k < columns; ++k) {
            const auto stage = ias::procedural_defects::from_prompt(prompts[std::size_t(k)]);
            ias::sample s = part;
            ias::rng_stream rng(seed, std::uint64_t(row * columns + k));
            ias::run(stage, s, rng);
            // The mask must be positive exactly where the pixels changed.
            const auto& before = part.image.get<float>();
            const auto& after = s.image.get<float>();
            bool matches = true;
            for (int y = 0; y < after.height(); ++y)
                for (int x = 0; x < after.width(); ++x) {
                    bool changed = false;
                    for (int c = 0; c < 3; ++c) changed = changed || after(x, y, c) != before(x, y, c);
                    matches = matches && changed == (s.mask(x, y) > 0.0f);
                }
            labelled[std::size_t(k)] += s.label;
            consistent[std::size_t(k)] += matches;
            put_tile(sheet, after, k, row);
            if (row + 1 == int(files.size())) put_tile(sheet, s.mask, k, rows - 1);
        }
    }
    for (int k = 0; k < columns; ++k) {
        const auto specs = ias::parse_defect_prompt(prompts[std::size_t(k)]);
        std::printf("%-8s \"%s\" (%s): labelled %d of %zu, mask = changed pixels in %d of %zu\n",
                    std::string(ias::to_string(specs[0].kind)).c_str(), prompts[std::size_t(k)], ias::to_prompt(specs).c_str(),
                    labelled[std::size_t(k)], files.size(), consistent[std::size_t(k)], files.size());
    }
    ias::save_image(argv[2], std::as_const(sheet).view());
    std::printf("wrote %s: %d kinds on %zu images, %d x %d\n", argv[2], columns, files.size(), sheet.width(), sheet.height());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
}
