// SPDX-License-Identifier: MIT
// The ias version: what a dataset's run description records, since another version may compute other bytes.
#pragma once

#include <string_view>

#define IAS_VERSION_MAJOR 0
#define IAS_VERSION_MINOR 2
#define IAS_VERSION_PATCH 0

namespace ias {

/// "MAJOR.MINOR.PATCH", the same as the CMake project's version (a test checks it).
inline constexpr std::string_view version = "0.2.0";

}  // namespace ias
