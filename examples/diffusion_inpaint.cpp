// SPDX-License-Identifier: MIT
// Diffusion inpainting end to end without a downloaded model: the exact denoiser of a small
// set of normal patches fills a masked hole in a real image.
//
//   diffusion_inpaint IMAGE [OUT.png]     (default out: diffusion_inpaint.png)
//
// The "network" is the closed-form posterior mean of an equal mixture of Gaussians centred on
// 64 × 64 patches cut from IMAGE away from the window being edited (METHODS §3;
// ias::diffusion::gaussian_mixture_denoiser). Everything else is what a host with a real model
// would use: an ias mask stage, then diffusion_inpaint with a blended region, RePaint's
// resampling and a feathered paste-back. The sheet shows, per row, the window, the mask, the
// normal inpainting, and the same with RealNet's variance inflation (an anomalous fill).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <utility>
#include <vector>

#include <ias/ias.hpp>
#include <ias/io/stb.hpp>

namespace {

constexpr int window = 64;  // the edited crop, and the size of every mixture centre
constexpr int stride = 16;  // between the centres' corners

/// The centres: every window-sized patch on a grid that does not overlap the edited window,
/// in the model's range [−1, 1].
std::vector<float> normal_patches(const ias::image<float>& im, int wx, int wy) {
    std::vector<float> centres;
    for (int y = 0; y + window <= im.height(); y += stride)
        for (int x = 0; x + window <= im.width(); x += stride) {
            if (x < wx + window && wx < x + window && y < wy + window && wy < y + window) continue;
            for (int j = 0; j < window; ++j)
                for (int i = 0; i < window; ++i)
                    for (int c = 0; c < im.channels(); ++c) centres.push_back(2.0f * im(x + i, y + j, c) - 1.0f);
        }
    return centres;
}

/// Copies `tile` (float [0, 1]) into the sheet at column `col`, row `row`, 3× nearest, grey to RGB.
void put(ias::image<std::uint8_t>& sheet, const ias::image<float>& tile, int col, int row, const ias::image<float>* tint = nullptr) {
    constexpr int zoom = 3;
    for (int y = 0; y < window * zoom; ++y)
        for (int x = 0; x < window * zoom; ++x)
            for (int c = 0; c < 3; ++c) {
                float v = tile(x / zoom, y / zoom, tile.channels() == 3 ? c : 0);
                if (tint && (*tint)(x / zoom, y / zoom) > 0.5f) v = c == 0 ? 0.5f + 0.5f * v : 0.5f * v;  // the mask in red
                sheet(col * window * zoom + x, row * window * zoom + y, c) = std::uint8_t(std::clamp(v, 0.0f, 1.0f) * 255.0f + 0.5f);
            }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s IMAGE [OUT.png]\n", argv[0]);
        return 2;
    }
    const char* out = argc > 2 ? argv[2] : "diffusion_inpaint.png";
    try {
        ias::image<float> im;
        ias::assign_as_float(im, ias::load_image(argv[1]));
        if (im.width() < 3 * window || im.height() < 2 * window) {
            std::fprintf(stderr, "%s is %dx%d; it must be at least %dx%d\n", argv[1], im.width(), im.height(), 3 * window, 2 * window);
            return 2;
        }
        const int wx = (im.width() - window) / 2, wy = (im.height() - window) / 2;
        const ias::image<float> crop(im.view().crop(wx, wy, window, window));
        const std::vector<float> centres = normal_patches(im, wx, wy);
        const std::size_t count = centres.size() / (std::size_t(window) * window * std::size_t(im.channels()));

        // 50 respaced DDPM steps with RePaint's resampling (jumps of 5 steps, 3 passes each).
        const ias::diffusion::respaced_schedule schedule(ias::diffusion::noise_schedule::linear(),
                                                         ias::diffusion::ddim_timesteps(1000, 50));
        const ias::diffusion::gaussian_mixture_denoiser model{centres, 0.015f};
        const auto normal = std::make_shared<const ias::diffusion::sampler>(ias::diffusion::sampler{
            schedule, model, {.kind = ias::diffusion::sampler_kind::ddpm, .jump_length = 5, .resamplings = 3}});
        const auto inflated = std::make_shared<const ias::diffusion::sampler>(ias::diffusion::sampler{
            schedule, model, {.kind = ias::diffusion::sampler_kind::ddpm, .variance_inflation = 3.0f, .jump_length = 5, .resamplings = 3}});
        const auto stage = [](std::shared_ptr<const ias::diffusion::sampler> s) {
            return ias::pipeline(ias::ellipse_mask({.count = {1, 1}, .radius = {0.15f, 0.3f}}),
                                 ias::diffusion_inpaint({.sampler = std::move(s), .paste_back = {.feather_sigma = 1.0f}}));
        };

        constexpr int rows = 3;
        ias::image<std::uint8_t> sheet(4 * window * 3, rows * window * 3, 3);
        std::size_t changed_outside = 0, masked = 0;
        double change_inside = 0.0;
        const auto start = std::chrono::steady_clock::now();
        for (int row = 0; row < rows; ++row) {
            ias::sample plain{ias::any_image(crop)}, anomalous{ias::any_image(crop)};
            ias::rng_stream rng(2026, std::uint32_t(row));
            ias::run(stage(normal), plain, rng);
            rng = ias::rng_stream(2026, std::uint32_t(row));  // the same mask for the inflated fill
            ias::run(stage(inflated), anomalous, rng);
            const auto& filled = plain.image.get<float>();
            // The feather (σ = 1) reaches at most a few pixels past the mask: beyond 4, every
            // value must be the input's.
            ias::image<float> near(window, window, 1);
            ias::fn::dilate(plain.mask.view(), near.view(), {ias::fn::kernel_shape::disk, 9});
            for (int y = 0; y < window; ++y)
                for (int x = 0; x < window; ++x)
                    for (int c = 0; c < crop.channels(); ++c) {
                        const float d = std::abs(filled(x, y, c) - crop(x, y, c));
                        if (plain.mask(x, y) > 0.5f) {
                            change_inside += d;
                            ++masked;
                        }
                        if (near(x, y) == 0.0f && d != 0.0f) ++changed_outside;
                    }
            put(sheet, crop, 0, row);
            put(sheet, crop, 1, row, &plain.mask);
            put(sheet, filled, 2, row);
            put(sheet, anomalous.image.get<float>(), 3, row);
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        ias::save_image(out, std::as_const(sheet).view());
        std::printf("%zu normal patches of %dx%dx%d as the exact denoiser; %d rows in %.2f s\n", count, window, window,
                    im.channels(), rows, seconds);
        std::printf("inside the mask: mean |change| %.3f; more than 4 pixels from the mask: %zu values changed\n",
                    change_inside / double(masked), changed_outside);
        std::printf("wrote %s (window | mask | inpainted | with variance inflation)\n", out);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
