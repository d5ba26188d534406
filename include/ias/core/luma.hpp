// SPDX-License-Identifier: MIT
// luma: the one grey level of a colour, ITU-R BT.601, used by every grey conversion in ias.
#pragma once

namespace ias {

/// ITU-R BT.601 luma, 0.299 R + 0.587 G + 0.114 B: PIL's "L" and OpenCV's RGB2GRAY, as the
/// published methods convert. Written once, in this order of operations, since every grey
/// image's bytes depend on it.
constexpr float luma(float r, float g, float b) noexcept { return 0.299f * r + 0.587f * g + 0.114f * b; }

}  // namespace ias
