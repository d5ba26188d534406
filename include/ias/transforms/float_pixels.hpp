// SPDX-License-Identifier: MIT
// edit_as_float: run float code on a sample's image whatever its pixel type.
#pragma once

#include <cstdint>
#include <utility>

#include "../core/image.hpp"
#include "../core/sample.hpp"

namespace ias::detail {

/// Calls `f(image<float>&)` with the sample's image: the image itself when it holds floats,
/// else a per-thread float copy (values / 255) that is converted back, rounded, afterwards.
/// Does nothing for an empty image. No allocation once the per-thread copy has its size.
template <class F>
void edit_as_float(sample& s, F&& f) {
    if (s.image.empty()) return;
    if (s.image.holds<float>()) {
        f(s.image.get<float>());
        return;
    }
    thread_local image<float> buffer;
    assign_as_float(buffer, s.image);
    f(buffer);
    convert_pixels(std::as_const(buffer).view(), s.image.get<std::uint8_t>().view());
}

}  // namespace ias::detail
