// SPDX-License-Identifier: MIT
// The demo: synthetic defects on a folder of normal images, written as a small dataset
// (images/, masks/) plus preview.png, on all cores, reproducibly.
//
//   03_demo INPUT_DIR OUT_DIR [COUNT=16] [SEED=7]
//
// Half of the defects are DRAEM-style: a Perlin-noise region painted with a procedural
// texture changed by DRAEM's texture operations, from the library. The others, a soft stain and a thin scratch, are small
// transforms written in this file to show how a transform is built.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <ias/ias.hpp>
#include <ias/io/stb.hpp>

namespace fs = std::filesystem;

namespace {

/// Moves every channel of pixel (x, y) towards `target` (in [0, 1]) by `amount` in [0, 1].
template <class T>
void pull_towards(ias::image_view<T> v, int x, int y, float target, float amount) {
    const float scale = std::is_same_v<T, float> ? 1.0f : 255.0f;
    for (int c = 0; c < std::min(v.channels(), 3); ++c) {
        const float p = float(v(x, y, c));
        v(x, y, c) = T(p + (target * scale - p) * amount);
    }
}

/// A soft elliptical stain: darker or lighter, fading out at the rim.
struct stain {
    static constexpr std::string_view name = "stain";
    void operator()(ias::sample& s, ias::rng_stream& rng) const {
        const float w = float(s.image.width()), h = float(s.image.height());
        const float cx = rng.uniform(0.15f, 0.85f) * w, cy = rng.uniform(0.15f, 0.85f) * h;
        const float rx = rng.uniform(0.05f, 0.15f) * w, ry = rng.uniform(0.05f, 0.15f) * h;
        const float angle = rng.uniform(0.0f, 3.14159265f), depth = rng.uniform(0.35f, 0.7f);
        const float target = rng.bernoulli(0.7) ? 0.05f : 0.95f;
        const float ca = std::cos(angle), sa = std::sin(angle);
        s.image.visit([&](auto v) {
            for (int y = 0; y < v.height(); ++y)
                for (int x = 0; x < v.width(); ++x) {
                    const float dx = float(x) - cx, dy = float(y) - cy;
                    const float u = (ca * dx + sa * dy) / rx, t = (-sa * dx + ca * dy) / ry;
                    const float m = std::clamp((1.0f - std::sqrt(u * u + t * t)) * 3.0f, 0.0f, 1.0f);
                    if (m <= 0.0f) continue;
                    pull_towards(v, x, y, target, depth * m);
                    s.mask(x, y) = std::max(s.mask(x, y), m);
                }
        });
        s.label = 1;
        s.defect_kind = "stain";
    }
};

/// A thin straight scratch with anti-aliased edges, darker or brighter than the surface.
struct scratch {
    static constexpr std::string_view name = "scratch";
    void operator()(ias::sample& s, ias::rng_stream& rng) const {
        const float w = float(s.image.width()), h = float(s.image.height());
        const float x0 = rng.uniform(0.1f, 0.9f) * w, y0 = rng.uniform(0.1f, 0.9f) * h;
        const float length = rng.uniform(0.2f, 0.6f) * std::min(w, h), angle = rng.uniform(0.0f, 6.2831853f);
        const float x1 = std::clamp(x0 + length * std::cos(angle), 0.0f, w - 1), y1 = std::clamp(y0 + length * std::sin(angle), 0.0f, h - 1);
        const float half_width = rng.uniform(0.6f, 1.8f), target = rng.bernoulli(0.5) ? 0.0f : 1.0f;
        const float lx = x1 - x0, ly = y1 - y0, len2 = std::max(lx * lx + ly * ly, 1e-6f);
        s.image.visit([&](auto v) {
            for (int y = 0; y < v.height(); ++y)
                for (int x = 0; x < v.width(); ++x) {
                    const float t = std::clamp(((float(x) - x0) * lx + (float(y) - y0) * ly) / len2, 0.0f, 1.0f);
                    const float d = std::hypot(float(x) - (x0 + t * lx), float(y) - (y0 + t * ly));
                    const float m = std::clamp(half_width + 0.5f - d, 0.0f, 1.0f);
                    if (m <= 0.0f) continue;
                    pull_towards(v, x, y, target, 0.8f * m);
                    s.mask(x, y) = std::max(s.mask(x, y), m);
                }
        });
        s.label = 1;
        s.defect_kind = s.defect_kind.empty() ? "scratch" : s.defect_kind + "+scratch";
    }
};

/// Copies `src` (any pixel type and channel count) into a cell of the RGB preview sheet,
/// scaled to cell × cell by nearest neighbour; `tint` paints the mask red over it.
void draw_cell(ias::image<std::uint8_t>& sheet, int cx, int cy, int cell, const ias::sample& s) {
    s.image.visit([&]<class T>(ias::image_view<const T> v) {
        for (int y = 0; y < cell; ++y)
            for (int x = 0; x < cell; ++x) {
                const int sx = x * v.width() / cell, sy = y * v.height() / cell;
                const float m = s.mask(sx, sy);
                for (int c = 0; c < 3; ++c) {
                    float p = float(v(sx, sy, std::min(c, v.channels() - 1))) / (std::is_same_v<T, float> ? 1.0f : 255.0f);
                    sheet(cx + x, cy + y, c) = std::uint8_t(std::clamp(p, 0.0f, 1.0f) * 255.0f + 0.5f);
                    const float overlay = c == 0 ? 1.0f : 0.0f;
                    sheet(cx + cell + x, cy + y, c) = std::uint8_t((0.3f * p + 0.7f * m * overlay) * 255.0f + 0.5f);
                }
            }
    });
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s INPUT_DIR OUT_DIR [COUNT=16] [SEED=7]\n", argv[0]);
        return 2;
    }
    const fs::path input = argv[1], out = argv[2];
    const std::uint64_t count = argc > 3 ? std::stoull(argv[3]) : 16, seed = argc > 4 ? std::stoull(argv[4]) : 7;

    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(input))
        if (entry.is_regular_file() && entry.path().extension() == ".png") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw ias::error("no .png images in '" + input.string() + "'");
    std::vector<ias::any_image> normals;
    for (const auto& f : files) normals.push_back(ias::load_image(f));  // loaded once, shared read-only

    fs::create_directories(out / "images");
    fs::create_directories(out / "masks");

    // DRAEM-style texture anomalies (Perlin region + procedural texture changed by 3 of
    // DRAEM's 10 operations) or one of the two hand-written defects above, sometimes with an
    // extra scratch.
    const auto draem_like = ias::perlin_mask({.empty_policy = ias::empty_mask_policy::redraw}) |
                            ias::texture_blend({.texture_opacity = {0.5f, 1.0f}, .texture_ops = {ias::recipes::draem_texture_ops()}});
    const auto synthesise =
        ias::pipeline(ias::one_of({2.0f, 1.0f, 1.0f}, draem_like, stain{}, scratch{}), ias::sometimes(0.3, scratch{}));

    const int cell = 96, columns = 4;
    const int rows = int((count + columns - 1) / columns);
    ias::image<std::uint8_t> sheet(columns * 2 * cell, rows * cell, 3);
    std::mutex sheet_mutex;

    ias::generate(
        synthesise,
        [&](std::uint64_t index, ias::sample& s) {
            std::as_const(normals[index % normals.size()]).visit([&](auto v) { s.image.assign(v); });
        },
        0, count, /*threads=*/0,
        [&](std::uint64_t index, const ias::sample& s) {
            char name[32];
            std::snprintf(name, sizeof name, "%06llu.png", static_cast<unsigned long long>(index));
            ias::save_image(out / "images" / name, s.image);
            ias::save_image(out / "masks" / name, s.mask.view());
            std::lock_guard lock(sheet_mutex);
            draw_cell(sheet, int(index % columns) * 2 * cell, int(index / columns) * cell, cell, s);
        },
        {.seed = seed});
    ias::save_image(out / "preview.png", sheet.view());
    std::printf("wrote %llu samples and preview.png to %s\n", static_cast<unsigned long long>(count), out.string().c_str());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "03_demo: %s\n", e.what());
    return 1;
}
