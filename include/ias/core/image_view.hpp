// SPDX-License-Identifier: MIT
// image_view<T>: a non-owning, strided, interleaved (HWC) view of uint8 or float pixels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "error.hpp"

namespace ias {

/// The pixel types ias works on: 8-bit (0..255) and 32-bit float (0..1 by convention).
template <class T>
concept pixel = std::same_as<T, std::uint8_t> || std::same_as<T, float>;

/// A non-owning view of an interleaved image: element (x, y, c) lives at
/// `data[y * row_stride + x * pixel_stride + c]`, strides counted in elements.
///
/// `T` is `uint8_t`, `float` or a const-qualified one of them; a view of `const T` cannot
/// be turned back into a view of `T`. Any width and height are allowed; a view made by
/// `channel()` has one channel inside a pixel of several. Views are cheap to copy, never own
/// memory, and must not outlive the buffer they look at (like `std::span` and `Eigen::Map`).
template <class T>
    requires pixel<std::remove_const_t<T>>
class image_view {
public:
    using value_type = std::remove_const_t<T>;

    constexpr image_view() noexcept = default;

    /// A contiguous view: rows of `width * channels` elements, one after the other.
    constexpr image_view(T* data, int width, int height, int channels) noexcept
        : image_view(data, width, height, channels, std::ptrdiff_t{width} * channels, channels) {}

    /// A strided view; `row_stride` and `pixel_stride` are in elements and may be negative.
    constexpr image_view(T* data, int width, int height, int channels, std::ptrdiff_t row_stride,
                         std::ptrdiff_t pixel_stride) noexcept
        : data_(data), width_(width), height_(height), channels_(channels),
          row_stride_(row_stride), pixel_stride_(pixel_stride) {
        IAS_ASSERT(width >= 0 && height >= 0 && channels >= 1);
    }

    /// A mutable view converts to a const one, never the other way round.
    template <class U>
        requires(std::is_const_v<T> && std::same_as<const U, T>)
    constexpr image_view(image_view<U> other) noexcept  // NOLINT(google-explicit-constructor)
        : image_view(other.data(), other.width(), other.height(), other.channels(),
                     other.row_stride(), other.pixel_stride()) {}

    [[nodiscard]] constexpr T* data() const noexcept { return data_; }
    [[nodiscard]] constexpr int width() const noexcept { return width_; }
    [[nodiscard]] constexpr int height() const noexcept { return height_; }
    [[nodiscard]] constexpr int channels() const noexcept { return channels_; }
    [[nodiscard]] constexpr std::ptrdiff_t row_stride() const noexcept { return row_stride_; }
    [[nodiscard]] constexpr std::ptrdiff_t pixel_stride() const noexcept { return pixel_stride_; }
    [[nodiscard]] constexpr bool empty() const noexcept { return width_ == 0 || height_ == 0; }
    /// Number of elements (width * height * channels).
    [[nodiscard]] constexpr std::size_t size() const noexcept {
        return std::size_t(width_) * std::size_t(height_) * std::size_t(channels_);
    }
    /// True when the rows are packed one after another with no gaps.
    [[nodiscard]] constexpr bool is_contiguous() const noexcept {
        return pixel_stride_ == channels_ && row_stride_ == std::ptrdiff_t{width_} * channels_;
    }

    /// Element access; bounds are checked by IAS_ASSERT only.
    [[nodiscard]] constexpr T& operator()(int x, int y, int c = 0) const noexcept {
        IAS_ASSERT(x >= 0 && x < width_ && y >= 0 && y < height_ && c >= 0 && c < channels_);
        return data_[y * row_stride_ + x * pixel_stride_ + c];
    }
    /// Pointer to the first element of row `y`.
    [[nodiscard]] constexpr T* row(int y) const noexcept {
        IAS_ASSERT(y >= 0 && y < height_);
        return data_ + y * row_stride_;
    }

    /// The rectangle [x, x+w) × [y, y+h); throws std::out_of_range if it leaves the view.
    [[nodiscard]] image_view crop(int x, int y, int w, int h) const {
        if (x < 0 || y < 0 || w < 0 || h < 0 || x > width_ - w || y > height_ - h)
            throw std::out_of_range("image_view::crop: rectangle (x=" + std::to_string(x) +
                                    ", y=" + std::to_string(y) + ", w=" + std::to_string(w) +
                                    ", h=" + std::to_string(h) + ") is outside the " +
                                    std::to_string(width_) + "x" + std::to_string(height_) +
                                    " view");
        return {data_ + y * row_stride_ + x * pixel_stride_, w, h, channels_, row_stride_,
                pixel_stride_};
    }

    /// A one-channel view of channel `c`; throws std::out_of_range if there is no such channel.
    [[nodiscard]] image_view channel(int c) const {
        if (c < 0 || c >= channels_)
            throw std::out_of_range("image_view::channel: channel " + std::to_string(c) +
                                    " requested from a view with " + std::to_string(channels_) +
                                    " channels");
        return {data_ + c, width_, height_, 1, row_stride_, pixel_stride_};
    }

private:
    T* data_ = nullptr;
    int width_ = 0;
    int height_ = 0;
    int channels_ = 1;
    std::ptrdiff_t row_stride_ = 0;
    std::ptrdiff_t pixel_stride_ = 1;
};

/// True when both views have the same width and height (channels may differ).
template <class T, class U>
[[nodiscard]] constexpr bool same_extent(image_view<T> a, image_view<U> b) noexcept {
    return a.width() == b.width() && a.height() == b.height();
}

}  // namespace ias
