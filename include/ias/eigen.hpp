// SPDX-License-Identifier: MIT
// Eigen access to image channels: a strided Eigen::Map over one channel plane, without copying.
#pragma once

#include <Eigen/Core>
#include <type_traits>

#include "core/image_view.hpp"

namespace ias {

/// The row-major matrix type of one channel plane of pixel type `T`.
template <class T>
using plane_matrix = Eigen::Matrix<std::remove_const_t<T>, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// A height × width `Eigen::Map` of channel `c` of `view` (rows are image rows), with the
/// view's strides as an explicit `Eigen::Stride` (outer = row stride, inner = pixel stride).
/// Writable when `T` is not const. Throws std::out_of_range when there is no channel `c`.
template <class T>
[[nodiscard]] auto channel_map(image_view<T> view, int c = 0) {
    using matrix = std::conditional_t<std::is_const_v<T>, const plane_matrix<T>, plane_matrix<T>>;
    using stride = Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>;
    const image_view<T> plane = view.channel(c);
    return Eigen::Map<matrix, Eigen::Unaligned, stride>(plane.data(), plane.height(), plane.width(),
                                                         stride(plane.row_stride(), plane.pixel_stride()));
}

}  // namespace ias
