// SPDX-License-Identifier: MIT
// Vector sizing that grows the capacity geometrically, for per-thread buffers whose size varies per sample.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace ias::detail {

/// `v.assign(n, value)`, but growing the capacity geometrically: per-thread buffers whose
/// size varies from sample to sample (patches, crops) stop allocating after a few samples.
template <class T>
void assign_grown(std::vector<T>& v, std::size_t n, const T& value) {
    if (n > v.capacity()) v.reserve(std::max(n, 2 * v.capacity()));
    v.assign(n, value);
}

/// `v.resize(n)`, growing the capacity geometrically (see `assign_grown`).
template <class T>
void resize_grown(std::vector<T>& v, std::size_t n) {
    if (n > v.capacity()) v.reserve(std::max(n, 2 * v.capacity()));
    v.resize(n);
}

}  // namespace ias::detail
