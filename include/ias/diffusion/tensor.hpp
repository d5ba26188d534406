// SPDX-License-Identifier: MIT
// tensor: the state of a diffusion sampler, a batch of equally sized HWC float planes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/image_view.hpp"
#include "../detail/grow.hpp"

namespace ias::diffusion {

/// The extent of a batch: `batch` planes of `height` × `width` × `channels` floats. The layout
/// is NHWC, row-major (plane b, then row, column, channel): each plane is an interleaved image
/// as ias images are, and a host converts to its network's layout (NCHW for most) at the hook.
struct tensor_shape {
    int batch = 1;
    int height = 0;
    int width = 0;
    int channels = 1;

    /// Floats in one plane (height × width × channels).
    [[nodiscard]] constexpr std::size_t plane_size() const noexcept {
        return std::size_t(height) * std::size_t(width) * std::size_t(channels);
    }
    /// Floats in the batch.
    [[nodiscard]] constexpr std::size_t size() const noexcept { return std::size_t(batch) * plane_size(); }
    /// The same batch and grid with another channel count (a mask is `with_channels(1)`).
    [[nodiscard]] constexpr tensor_shape with_channels(int c) const noexcept { return {batch, height, width, c}; }
    friend constexpr bool operator==(const tensor_shape&, const tensor_shape&) = default;
};

/// "NxHxWxC", for error messages.
inline std::string to_string(const tensor_shape& s) {
    return std::to_string(s.batch) + "x" + std::to_string(s.height) + "x" + std::to_string(s.width) + "x" +
           std::to_string(s.channels);
}

/// A non-owning view of a contiguous NHWC batch (`T` is float or const float). Views are cheap
/// to copy, never own memory and must not outlive the buffer they look at.
template <class T>
    requires std::is_same_v<std::remove_const_t<T>, float>
class basic_tensor_view {
public:
    constexpr basic_tensor_view() noexcept = default;
    constexpr basic_tensor_view(T* data, tensor_shape shape) noexcept : data_(data), shape_(shape) {}
    /// A mutable view converts to a const one.
    template <class U>
        requires(std::is_const_v<T> && std::same_as<const U, T>)
    constexpr basic_tensor_view(basic_tensor_view<U> other) noexcept  // NOLINT(google-explicit-constructor)
        : data_(other.data()), shape_(other.shape()) {}

    [[nodiscard]] constexpr T* data() const noexcept { return data_; }
    [[nodiscard]] constexpr const tensor_shape& shape() const noexcept { return shape_; }
    [[nodiscard]] constexpr std::size_t size() const noexcept { return shape_.size(); }
    [[nodiscard]] constexpr bool empty() const noexcept { return data_ == nullptr || shape_.size() == 0; }
    /// Every value, plane after plane.
    [[nodiscard]] constexpr std::span<T> values() const noexcept { return {data_, size()}; }
    /// The values of plane `b`.
    [[nodiscard]] constexpr std::span<T> plane(int b) const noexcept {
        return {data_ + std::size_t(b) * shape_.plane_size(), shape_.plane_size()};
    }
    /// Plane `b` as an interleaved image (what ias::fn kernels take).
    [[nodiscard]] constexpr image_view<T> image(int b) const noexcept {
        return {plane(b).data(), shape_.width, shape_.height, shape_.channels};
    }
    /// Plane `b` alone, as a batch of one.
    [[nodiscard]] constexpr basic_tensor_view item(int b) const noexcept {
        return {plane(b).data(), {1, shape_.height, shape_.width, shape_.channels}};
    }

private:
    T* data_ = nullptr;
    tensor_shape shape_{0, 0, 0, 1};
};

using tensor_view = basic_tensor_view<float>;
using const_tensor_view = basic_tensor_view<const float>;

/// An owning NHWC batch of floats. `resize` keeps the allocation when it is large enough, so
/// buffers reused step after step and sample after sample do not allocate once warm.
class tensor {
public:
    tensor() = default;
    explicit tensor(tensor_shape shape, float fill = 0.0f) { resize(shape, fill); }

    /// Sets the shape and every value to `fill`.
    void resize(tensor_shape shape, float fill = 0.0f) {
        check(shape);
        ias::detail::assign_grown(values_, shape.size(), fill);
        shape_ = shape;
    }
    /// Sets the shape, leaving the values unspecified: for buffers written before they are read.
    void reshape(tensor_shape shape) {
        check(shape);
        ias::detail::resize_grown(values_, shape.size());
        shape_ = shape;
    }
    /// Makes this tensor a copy of `src`.
    void assign(const_tensor_view src) {
        reshape(src.shape());
        std::copy_n(src.data(), src.size(), values_.data());
    }

    [[nodiscard]] tensor_view view() noexcept { return {values_.data(), shape_}; }
    [[nodiscard]] const_tensor_view view() const noexcept { return {values_.data(), shape_}; }
    operator tensor_view() noexcept { return view(); }              // NOLINT(google-explicit-constructor)
    operator const_tensor_view() const noexcept { return view(); }  // NOLINT(google-explicit-constructor)

    [[nodiscard]] const tensor_shape& shape() const noexcept { return shape_; }
    [[nodiscard]] float* data() noexcept { return values_.data(); }
    [[nodiscard]] const float* data() const noexcept { return values_.data(); }
    [[nodiscard]] std::size_t size() const noexcept { return shape_.size(); }
    [[nodiscard]] bool empty() const noexcept { return shape_.size() == 0; }
    [[nodiscard]] std::span<float> values() noexcept { return {values_.data(), size()}; }
    [[nodiscard]] std::span<const float> values() const noexcept { return {values_.data(), size()}; }
    [[nodiscard]] std::span<float> plane(int b) noexcept { return view().plane(b); }
    [[nodiscard]] std::span<const float> plane(int b) const noexcept { return view().plane(b); }

private:
    static void check(const tensor_shape& s) {
        if (s.batch < 0 || s.height < 0 || s.width < 0 || s.channels < 1)
            throw std::invalid_argument("ias::diffusion::tensor: the shape " + to_string(s) +
                                        " is invalid; batch, height and width must be >= 0 and channels >= 1");
    }

    std::vector<float> values_;
    tensor_shape shape_{0, 0, 0, 1};
};

}  // namespace ias::diffusion
