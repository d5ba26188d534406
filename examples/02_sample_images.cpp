// SPDX-License-Identifier: MIT
// Generates the bundled sample images: procedural industrial surfaces written as PNG.
//
//   02_sample_images [OUT_DIR]     (default: samples)
//
// The project ships only images it makes itself, so the demo and the tests need no
// third-party data. Every pixel is a pure function of its coordinates, so the files are
// the same bytes on every run.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <numbers>

#include <ias/ias.hpp>
#include <ias/io/stb.hpp>

namespace {

/// A value in [0, 1) hashed from integer lattice coordinates (SplitMix64's finaliser).
float lattice(int x, int y, std::uint32_t salt) {
    std::uint64_t z = (std::uint64_t(std::uint32_t(x)) << 32 | std::uint32_t(y)) ^ (std::uint64_t(salt) * 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return float((z ^ (z >> 31)) >> 40) * 0x1p-24f;
}

/// Smooth value noise in [0, 1) at (x, y) in lattice units.
float value_noise(float x, float y, std::uint32_t salt) {
    const float fx = std::floor(x), fy = std::floor(y);
    const int ix = int(fx), iy = int(fy);
    auto smooth = [](float t) { return t * t * (3.0f - 2.0f * t); };
    const float tx = smooth(x - fx), ty = smooth(y - fy);
    const float top = std::lerp(lattice(ix, iy, salt), lattice(ix + 1, iy, salt), tx);
    const float bottom = std::lerp(lattice(ix, iy + 1, salt), lattice(ix + 1, iy + 1, salt), tx);
    return std::lerp(top, bottom, ty);
}

/// Fractal sum of value noise, normalised to [0, 1).
float fbm(float x, float y, int octaves, std::uint32_t salt) {
    float sum = 0.0f, amplitude = 0.5f, norm = 0.0f;
    for (int o = 0; o < octaves; ++o) {
        sum += amplitude * value_noise(x, y, salt + std::uint32_t(o));
        norm += amplitude;
        x *= 2.0f;
        y *= 2.0f;
        amplitude *= 0.5f;
    }
    return sum / norm;
}

using colour = std::array<float, 3>;
colour mix(const colour& a, const colour& b, float t) {
    return {std::lerp(a[0], b[0], t), std::lerp(a[1], b[1], t), std::lerp(a[2], b[2], t)};
}

/// Fills an 8-bit image from a function of (x, y) returning channel values in [0, 1].
template <int Channels>
ias::image<std::uint8_t> render(int size, const std::function<std::array<float, Channels>(int, int)>& shade) {
    ias::image<std::uint8_t> im(size, size, Channels);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
            const auto v = shade(x, y);
            for (int c = 0; c < Channels; ++c) im(x, y, c) = std::uint8_t(std::clamp(v[std::size_t(c)], 0.0f, 1.0f) * 255.0f + 0.5f);
        }
    return im;
}

}  // namespace

int main(int argc, char** argv) {
    const std::filesystem::path out = argc > 1 ? argv[1] : "samples";
    std::filesystem::create_directories(out);
    const int size = 256;

    // Brushed metal: grey, long horizontal streaks over a slow sheen.
    ias::save_image(out / "brushed_metal.png", render<1>(size, [](int x, int y) {
                        const float sheen = fbm(float(x) / 96.0f, float(y) / 96.0f, 3, 11);
                        const float streaks = fbm(float(x) / 64.0f, float(y) / 1.5f, 4, 23);
                        const float grain = lattice(x, y, 37) - 0.5f;
                        return std::array<float, 1>{0.35f + 0.3f * sheen + 0.18f * streaks + 0.03f * grain};
                    }).view());

    // Fabric weave: over-under threads with a period of 8 pixels, each thread shaded round.
    ias::save_image(out / "fabric_weave.png", render<3>(size, [](int x, int y) {
                        const int cell_x = x / 8, cell_y = y / 8;
                        const bool warp_on_top = (cell_x + cell_y) % 2 == 0;
                        const float across = float(warp_on_top ? x % 8 : y % 8) + 0.5f;
                        const float roundness = std::sin(across / 8.0f * std::numbers::pi_v<float>);
                        const float fuzz = fbm(float(x) / 3.0f, float(y) / 3.0f, 2, 41) - 0.5f;
                        const colour warp{0.16f, 0.24f, 0.42f}, weft{0.22f, 0.30f, 0.50f};
                        const colour base = warp_on_top ? warp : weft;
                        const float light = 0.55f + 0.6f * roundness + 0.15f * fuzz;
                        return colour{base[0] * light, base[1] * light, base[2] * light};
                    }).view());

    // Wood grain: growth rings around a centre far to the left, bent by noise.
    ias::save_image(out / "wood_grain.png", render<3>(size, [](int x, int y) {
                        const float dx = float(x) + 300.0f, dy = float(y) - 128.0f;
                        const float bend = fbm(float(x) / 80.0f, float(y) / 40.0f, 4, 53);
                        const float rings = std::sqrt(dx * dx + dy * dy) / 9.0f + 6.0f * bend;
                        const float t = std::pow(0.5f + 0.5f * std::sin(rings * 2.0f * std::numbers::pi_v<float>), 3.0f);
                        const float fibre = 0.06f * (fbm(float(x) / 30.0f, float(y) / 1.2f, 2, 59) - 0.5f);
                        const colour c = mix({0.78f, 0.58f, 0.36f}, {0.52f, 0.33f, 0.17f}, t);
                        return colour{c[0] + fibre, c[1] + fibre, c[2] + fibre};
                    }).view());

    // Speckled plastic: a moulded colour with soft shading and small dark and light flecks.
    ias::save_image(out / "speckled_plastic.png", render<3>(size, [](int x, int y) {
                        const float shade = 0.9f + 0.15f * (fbm(float(x) / 120.0f, float(y) / 120.0f, 2, 61) - 0.5f);
                        colour c{0.70f * shade, 0.74f * shade, 0.68f * shade};
                        const float fleck = value_noise(float(x) / 1.7f, float(y) / 1.7f, 67);
                        if (fleck > 0.93f) c = mix(c, {0.15f, 0.15f, 0.17f}, (fleck - 0.93f) / 0.07f);
                        if (fleck < 0.05f) c = mix(c, {0.97f, 0.97f, 0.95f}, (0.05f - fleck) / 0.05f);
                        return c;
                    }).view());

    std::printf("wrote 4 sample images to %s\n", out.string().c_str());
}
