// SPDX-License-Identifier: MIT
// Errors of transforms that name the transform (their settings are checked by their descriptions).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "../core/describe.hpp"

namespace ias::detail::settings {

using describe::number;  ///< the shortest text that reads back as the value ("0.2", not "0.200000")

[[noreturn]] inline void fail(std::string_view transform, const std::string& what) {
    throw std::invalid_argument("ias::" + std::string(transform) + ": " + what);
}

}  // namespace ias::detail::settings
