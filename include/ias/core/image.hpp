// SPDX-License-Identifier: MIT
// image<T>, an owning contiguous image; any_image, an image whose pixel type is chosen at run time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "../detail/grow.hpp"
#include "image_view.hpp"
#include "pixel_region.hpp"

namespace ias {

namespace detail {
/// Validates image dimensions and returns the element count; names the offending value.
inline std::size_t checked_extent(int width, int height, int channels) {
    if (width < 0 || height < 0)
        throw std::invalid_argument("ias::image: width and height must be >= 0, got " +
                                    std::to_string(width) + "x" + std::to_string(height));
    if (channels != 1 && channels != 3 && channels != 4)
        throw std::invalid_argument("ias::image: channels must be 1, 3 or 4, got " +
                                    std::to_string(channels));
    const auto count = std::uint64_t(width) * std::uint64_t(height) * std::uint64_t(channels);
    if (count > std::uint64_t(std::numeric_limits<std::ptrdiff_t>::max() / 4))
        throw std::invalid_argument("ias::image: " + std::to_string(width) + "x" +
                                    std::to_string(height) + "x" + std::to_string(channels) +
                                    " is too large");
    return std::size_t(count);
}
}  // namespace detail

/// An owning, contiguous, interleaved image of `uint8_t` or `float` pixels with 1, 3 or 4
/// channels. `resize` reuses the buffer, so a sample that is filled again and again does not
/// allocate once it has seen its largest size.
template <pixel T>
class image {
public:
    using value_type = T;

    image() = default;
    /// A `width` × `height` image with `channels` channels, every element set to `fill`.
    image(int width, int height, int channels, T fill = T{}) { resize(width, height, channels, fill); }
    /// A deep copy of `src`, which may be strided.
    explicit image(image_view<const T> src) { assign(src); }

    /// Sets the size and fills every element with `fill`; keeps the allocation when it is large enough.
    void resize(int width, int height, int channels, T fill = T{}) {
        const std::size_t n = detail::checked_extent(width, height, channels);
        detail::assign_grown(pixels_, n, fill);
        width_ = width;
        height_ = height;
        channels_ = channels;
    }
    /// Sets the size (every element to `fill`) unless the image already has it, in which case
    /// its values are kept: for buffers whose pixels are written before they are read.
    void ensure_size(int width, int height, int channels, T fill = T{}) {
        if (width != width_ || height != height_ || channels != channels_ || empty()) resize(width, height, channels, fill);
    }
    /// Makes this image a copy of `src` (any strides); keeps the allocation when it is large enough.
    void assign(image_view<const T> src) {
        const std::size_t n = detail::checked_extent(src.width(), src.height(), src.channels());
        detail::resize_grown(pixels_, n);
        width_ = src.width();
        height_ = src.height();
        channels_ = src.channels();
        const auto dst = view();
        for (int y = 0; y < height_; ++y) {
            if (src.is_contiguous() || src.pixel_stride() == channels_) {
                std::copy_n(src.row(y), std::size_t(width_) * std::size_t(channels_), dst.row(y));
            } else {
                for (int x = 0; x < width_; ++x)
                    for (int c = 0; c < channels_; ++c) dst(x, y, c) = src(x, y, c);
            }
        }
    }
    /// Sets every element to `value`.
    void fill(T value) noexcept { std::fill(pixels_.begin(), pixels_.end(), value); }
    /// Makes the image empty (0 × 0) but keeps the allocation.
    void clear() noexcept {
        pixels_.clear();
        width_ = height_ = 0;
    }

    [[nodiscard]] image_view<T> view() noexcept { return {pixels_.data(), width_, height_, channels_}; }
    [[nodiscard]] image_view<const T> view() const noexcept {
        return {pixels_.data(), width_, height_, channels_};
    }

    [[nodiscard]] T* data() noexcept { return pixels_.data(); }
    [[nodiscard]] const T* data() const noexcept { return pixels_.data(); }
    [[nodiscard]] int width() const noexcept { return width_; }
    [[nodiscard]] int height() const noexcept { return height_; }
    [[nodiscard]] int channels() const noexcept { return channels_; }
    [[nodiscard]] std::size_t size() const noexcept { return pixels_.size(); }
    [[nodiscard]] bool empty() const noexcept { return pixels_.empty(); }

    [[nodiscard]] T& operator()(int x, int y, int c = 0) noexcept { return view()(x, y, c); }
    [[nodiscard]] const T& operator()(int x, int y, int c = 0) const noexcept { return view()(x, y, c); }

    friend bool operator==(const image&, const image&) = default;

private:
    std::vector<T> pixels_;
    int width_ = 0;
    int height_ = 0;
    int channels_ = 1;
};


namespace detail {
/// dst = convert(src) per element, row by row: a plain loop over each row's values when both
/// views have packed pixels (as images and their crops do), which vectorises.
template <class S, class D, class F>
void convert_rows(image_view<const S> src, image_view<D> dst, F&& convert) {
    const bool packed = src.pixel_stride() == src.channels() && dst.pixel_stride() == dst.channels();
    const std::size_t n = std::size_t(src.width()) * std::size_t(src.channels());
    for (int y = 0; y < src.height(); ++y) {
        if (packed) {
            const S* __restrict from = src.row(y);
            D* __restrict to = dst.row(y);
            for (std::size_t i = 0; i < n; ++i) to[i] = convert(from[i]);
            continue;
        }
        for (int x = 0; x < src.width(); ++x)
            for (int c = 0; c < src.channels(); ++c) dst(x, y, c) = convert(src(x, y, c));
    }
}
}  // namespace detail

/// Converts 8-bit pixels to float in [0, 1] (v / 255). Shapes must match.
inline void convert_pixels(image_view<const std::uint8_t> src, image_view<float> dst) {
    if (!same_extent(src, dst) || src.channels() != dst.channels())
        throw std::invalid_argument("ias::convert_pixels: source and destination shapes differ");
    detail::convert_rows(src, dst, [](std::uint8_t v) { return float(v) * (1.0f / 255.0f); });
}

/// Copies float pixels between views of any strides. Shapes must match.
inline void convert_pixels(image_view<const float> src, image_view<float> dst) {
    if (!same_extent(src, dst) || src.channels() != dst.channels())
        throw std::invalid_argument("ias::convert_pixels: source and destination shapes differ");
    detail::convert_rows(src, dst, [](float v) { return v; });
}

/// Converts float pixels to 8 bits: clamps to [0, 1], scales by 255, rounds to nearest
/// (NaN becomes 0). Shapes must match.
inline void convert_pixels(image_view<const float> src, image_view<std::uint8_t> dst) {
    if (!same_extent(src, dst) || src.channels() != dst.channels())
        throw std::invalid_argument("ias::convert_pixels: source and destination shapes differ");
    detail::convert_rows(src, dst, [](float v) {
        const float clamped = v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;  // NaN -> 0
        return std::uint8_t(clamped * 255.0f + 0.5f);
    });
}

/// An owning image whose pixel type, `uint8_t` or `float`, is chosen at run time: what a
/// `sample` holds, so that one pipeline serves 8-bit files and float tensors alike.
/// Transforms reach the pixels with `visit`, which hands a typed `image_view` to a generic lambda.
class any_image {
public:
    any_image() = default;
    any_image(image<std::uint8_t> im) : pixels_(std::move(im)) {}  // NOLINT(google-explicit-constructor)
    any_image(image<float> im) : pixels_(std::move(im)) {}         // NOLINT(google-explicit-constructor)

    /// True when the pixels are of type `T`.
    template <pixel T>
    [[nodiscard]] bool holds() const noexcept {
        return std::holds_alternative<image<T>>(pixels_);
    }
    /// The typed image; throws ias::error naming both types when the pixels are of the other type.
    template <pixel T>
    [[nodiscard]] image<T>& get() {
        if (!holds<T>()) throw error(wrong_type_message<T>());
        return std::get<image<T>>(pixels_);
    }
    template <pixel T>
    [[nodiscard]] const image<T>& get() const {
        if (!holds<T>()) throw error(wrong_type_message<T>());
        return std::get<image<T>>(pixels_);
    }
    /// Makes the pixels an image<T> of the given size (zero-filled), reusing the buffer when
    /// the type is already T, and returns it.
    template <pixel T>
    image<T>& emplace(int width, int height, int channels) {
        image<T>& im = typed<T>();
        im.resize(width, height, channels);
        return im;
    }
    /// Makes the pixels an image<T> of the given size, keeping its values when it already is
    /// one of that size (`image::ensure_size`), and returns it.
    template <pixel T>
    image<T>& ensure_size(int width, int height, int channels) {
        image<T>& im = typed<T>();
        im.ensure_size(width, height, channels);
        return im;
    }
    /// Makes the pixels a copy of `src`, reusing the buffer when the type is already T.
    template <pixel T>
    void assign(image_view<const T> src) {
        typed<T>().assign(src);
    }
    template <pixel T>
    void assign(image_view<T> src) {
        assign(image_view<const T>(src));
    }

    /// Calls `f(image_view<T>)` with the typed pixels and returns what it returns.
    template <class F>
    decltype(auto) visit(F&& f) {
        return std::visit([&](auto& im) -> decltype(auto) { return f(im.view()); }, pixels_);
    }
    /// Calls `f(image_view<const T>)` with the typed pixels and returns what it returns.
    template <class F>
    decltype(auto) visit(F&& f) const {
        return std::visit([&](const auto& im) -> decltype(auto) { return f(im.view()); }, pixels_);
    }

    [[nodiscard]] int width() const noexcept {
        return std::visit([](const auto& im) { return im.width(); }, pixels_);
    }
    [[nodiscard]] int height() const noexcept {
        return std::visit([](const auto& im) { return im.height(); }, pixels_);
    }
    [[nodiscard]] int channels() const noexcept {
        return std::visit([](const auto& im) { return im.channels(); }, pixels_);
    }
    [[nodiscard]] bool empty() const noexcept {
        return std::visit([](const auto& im) { return im.empty(); }, pixels_);
    }
    /// The memory the pixels take, in bytes.
    [[nodiscard]] std::size_t bytes() const noexcept {
        return std::visit([](const auto& im) { return im.size() * sizeof(*im.data()); }, pixels_);
    }
    /// Empties the image and keeps its buffer and pixel type.
    void clear() noexcept {
        std::visit([](auto& im) { im.clear(); }, pixels_);
    }

    friend bool operator==(const any_image&, const any_image&) = default;

private:
    /// The pixels as an image<T>: themselves when they are one, else a new empty image.
    template <pixel T>
    image<T>& typed() {
        if (!holds<T>()) pixels_.template emplace<image<T>>();
        return std::get<image<T>>(pixels_);
    }
    template <pixel T>
    [[nodiscard]] std::string wrong_type_message() const {
        return std::string("ias::any_image: requested ") +
               (std::same_as<T, float> ? "float" : "uint8") + " pixels, but the image holds " +
               (std::same_as<T, float> ? "uint8" : "float") + " pixels";
    }

    std::variant<image<std::uint8_t>, image<float>> pixels_;
};

/// Writes the pixels `where` of `src` into `dst` of the same shape as floats in [0, 1]
/// (8-bit values / 255). Both must be packed, as images are.
template <pixel T>
void copy_as_float(image_view<const T> src, image_view<float> dst, const pixel_region& where = {}) {
    IAS_ASSERT(same_extent(src, dst) && src.channels() == dst.channels() && src.is_contiguous() && dst.is_contiguous());
    const int c = src.channels();
    where.for_each_span(src.width(), src.height(), [&](int y, int x0, int x1) {
        const T* from = src.row(y);
        float* to = dst.row(y);
        for (int i = x0 * c; i < x1 * c; ++i) to[i] = std::is_same_v<T, float> ? float(from[i]) : float(from[i]) * (1.0f / 255.0f);
    });
}

/// Makes `dst` a float copy of `src` in [0, 1] (8-bit values / 255), reusing its buffer.
inline void assign_as_float(image<float>& dst, const any_image& src) {
    src.visit([&]<class T>(image_view<const T> v) {
        if constexpr (std::is_same_v<T, float>) {
            dst.assign(v);
        } else {
            dst.resize(v.width(), v.height(), v.channels());
            convert_pixels(v, dst.view());
        }
    });
}

}  // namespace ias
