// SPDX-License-Identifier: MIT
// texture_bank: anomaly source images (DTD or your own) loaded once, shared read-only, resized per sample.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../core/luma.hpp"
#include "../fn/resize.hpp"
#include "../textures/image_pool.hpp"
#include "../textures/texture_source.hpp"
#include "file_listing.hpp"
#include "files.hpp"
#include "stb.hpp"

namespace ias {

namespace detail {
/// Writes `rgb` (3 channels) into `out` of 1, 3 or 4 channels: luminance, copy, or copy with alpha 1.
inline void adapt_channels(image_view<const float> rgb, image_view<float> out) {
    for (int y = 0; y < out.height(); ++y)
        for (int x = 0; x < out.width(); ++x) {
            if (out.channels() == 1) {
                out(x, y) = luma(rgb(x, y, 0), rgb(x, y, 1), rgb(x, y, 2));
                continue;
            }
            for (int c = 0; c < 3; ++c) out(x, y, c) = rgb(x, y, c);
            if (out.channels() == 4) out(x, y, 3) = 1.0f;
        }
}
}  // namespace detail

/// Anomaly source images (DRAEM's DTD textures, or your own), loaded once and shared
/// read-only between threads and transforms (hold it as `std::shared_ptr<const texture_bank>`).
/// Every image is kept as RGB, 8-bit when it came so (files, `from_images` of uint8 images:
/// a quarter of the memory, and of the memory traffic per sample) and float in [0, 1]
/// otherwise; `fill` resizes one to the size a sample needs, as float.
/// As a `texture_source` it draws a texture uniformly per sample, as DRAEM draws a DTD image;
/// as an `image_pool` it gives the two-image methods (NSA, FPI, PII) their foreign images.
class texture_bank final : public texture_source, public image_pool {
public:
    /// Loads every PNG, JPEG, BMP and TGA file under `folder` (recursively, following links
    /// to folders and leaving out names that start with '.', as `list_files` lists them; in
    /// sorted path order, so indices are stable across machines). Throws ias::error naming the folder when
    /// it is missing or holds no image, and naming the file when one cannot be read.
    static std::shared_ptr<const texture_bank> load(const std::filesystem::path& folder, const load_settings& options = {}) {
        namespace fs = std::filesystem;
        std::error_code ec;
        if (!fs::is_directory(folder, ec))
            throw error("ias::texture_bank: '" + folder.string() + "' is not a folder");
        file_listing listing = list_files(
            folder,
            {.wanted = [](const fs::path& p) { return detail::is_image_extension(detail::lower_extension(p)); }, .follow_folder_links = true},
            ec);
        if (ec) throw error("ias::texture_bank: cannot list '" + folder.string() + "': " + ec.message());
        std::vector<fs::path> files = std::move(listing.files);
        if (files.empty())
            throw error("ias::texture_bank: '" + folder.string() + "' holds no .png, .jpg, .jpeg, .bmp or .tga file");
        std::sort(files.begin(), files.end());  // by path, not by generic string: the indices of earlier versions
        auto bank = std::shared_ptr<texture_bank>(new texture_bank());
        load_settings rgb = options;
        rgb.channels = 3;
        for (const auto& file : files) {
            bank->textures_.push_back(load_image(file, rgb));
            bank->paths_.push_back(file);
        }
        return bank;
    }

    /// A bank of images already in memory, 8-bit or float, each kept as RGB of its type (grey
    /// is repeated; a fourth channel dropped).
    static std::shared_ptr<const texture_bank> from_images(const std::vector<image<std::uint8_t>>& images) { return from(images); }
    static std::shared_ptr<const texture_bank> from_images(const std::vector<image<float>>& images) { return from(images); }


    /// This bank with every texture resized once to `width` × `height` (as `fill` would
    /// resize it): for training at one image size, samples of that size get exactly the same
    /// textures, `fill` becomes a copy instead of a resize per sample, and the bank takes
    /// W·H·3 floats per texture. Throws std::invalid_argument unless both sizes are >= 1.
    [[nodiscard]] std::shared_ptr<const texture_bank> resized(int width, int height) const {
        if (width < 1 || height < 1)
            throw std::invalid_argument("ias::texture_bank::resized: the size is " + std::to_string(width) + "x" +
                                        std::to_string(height) + "; both must be >= 1");
        auto bank = std::shared_ptr<texture_bank>(new texture_bank());
        fn::resize_scratch buffers;
        for (const auto& texture : textures_) {
            image<float> fitted(width, height, 3);
            texture.visit([&](auto pixels) { fn::resize_bilinear(pixels, fitted.view(), buffers); });
            bank->textures_.emplace_back(std::move(fitted));
        }
        bank->paths_ = paths_;
        return bank;
    }

    [[nodiscard]] std::size_t size() const noexcept override { return textures_.size(); }
    /// The memory the textures take, in bytes.
    [[nodiscard]] std::size_t bytes() const noexcept {
        std::size_t total = 0;
        for (const auto& texture : textures_) total += texture.bytes();
        return total;
    }
    /// Texture `i`: RGB, uint8 or float.
    [[nodiscard]] const any_image& operator[](std::size_t i) const noexcept { return textures_[i]; }
    /// The file texture `i` came from (empty for in-memory banks).
    [[nodiscard]] const std::filesystem::path& path(std::size_t i) const noexcept { return paths_[i]; }

    /// Writes texture `index`, resized bilinearly (as DRAEM's cv2.resize) to `out`'s size,
    /// into the pixels `where` of `out` (float, 1, 3 or 4 channels: grey is the luminance).
    /// `scratch` and `buffers` are reused between calls.
    void fill(std::size_t index, image_view<float> out, image<float>& scratch, fn::resize_scratch& buffers,
              const pixel_region& where = {}) const {
        if (index >= textures_.size())
            throw std::out_of_range("ias::texture_bank::fill: index " + std::to_string(index) + " of " + std::to_string(textures_.size()));
        textures_[index].visit([&](auto texture) {
            if (out.channels() == 3) {  // straight into place; a copy when the size already fits
                if (same_extent(texture, out) && out.is_contiguous())
                    copy_as_float(texture, out, where);
                else
                    fn::resize_bilinear(texture, out, buffers, where);
                return;
            }
            scratch.resize(out.width(), out.height(), 3);
            fn::resize_bilinear(texture, scratch.view(), buffers, where);
            detail::adapt_channels(std::as_const(scratch).view(), out);
        });
    }

    /// Image `index` resized to `out` at the pixels `where` (the `image_pool` interface).
    void fill(std::size_t index, image_view<float> out, const pixel_region& where) const override {
        thread_local image<float> scratch;  // per-thread resize buffers
        thread_local fn::resize_scratch buffers;
        fill(index, out, scratch, buffers, where);
    }

    /// A texture drawn uniformly from the bank, resized to `out` (the `texture_source` interface).
    void fill(rng_stream& rng, image_view<float> out) const override { fill_region(rng, out, pixel_region{}); }
    void fill_region(rng_stream& rng, image_view<float> out, const pixel_region& where) const override {
        fill(std::size_t(rng.integer(0, std::int64_t(textures_.size()) - 1)), out, where);
    }

private:
    texture_bank() = default;

    template <pixel T>
    static std::shared_ptr<const texture_bank> from(const std::vector<image<T>>& images) {
        if (images.empty()) throw std::invalid_argument("ias::texture_bank::from_images: no images given");
        auto bank = std::shared_ptr<texture_bank>(new texture_bank());
        for (const auto& im : images) {
            if (im.empty()) throw std::invalid_argument("ias::texture_bank::from_images: an image is empty");
            image<T> rgb(im.width(), im.height(), 3);
            for (int y = 0; y < im.height(); ++y)
                for (int x = 0; x < im.width(); ++x)
                    for (int c = 0; c < 3; ++c) rgb(x, y, c) = im(x, y, std::min(c, im.channels() - 1));
            bank->textures_.emplace_back(std::move(rgb));
            bank->paths_.emplace_back();
        }
        return bank;
    }

    std::vector<any_image> textures_;
    std::vector<std::filesystem::path> paths_;
};

}  // namespace ias
