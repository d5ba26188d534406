// SPDX-License-Identifier: MIT
// Checks of transform settings, with errors that name the transform, the field and what is allowed.
#pragma once

#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>

#include "../core/describe.hpp"

namespace ias::detail::settings {

using describe::number;  ///< the shortest text that reads back as the value ("0.2", not "0.200000")

[[noreturn]] inline void fail(std::string_view transform, const std::string& what) {
    throw std::invalid_argument("ias::" + std::string(transform) + ": " + what);
}

/// Throws unless lo <= hi, both finite and within [floor, ceiling], naming the two fields.
inline void check_range(std::string_view transform, const char* lo_name, float lo, const char* hi_name, float hi, float floor,
                        float ceiling) {
    if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo >= floor) || !(hi <= ceiling) || !(lo <= hi))
        fail(transform, std::string(lo_name) + " = " + number(lo) + " and " + hi_name + " = " + number(hi) + " must satisfy " +
                            number(floor) + " <= " + lo_name + " <= " + hi_name + " <= " + number(ceiling));
}

/// Throws unless floor <= value <= ceiling (and finite), naming the field.
inline void check_value(std::string_view transform, const char* field, float value, float floor, float ceiling) {
    if (!std::isfinite(value) || !(value >= floor) || !(value <= ceiling))
        fail(transform, std::string(field) + " is " + number(value) + "; it must lie in [" + number(floor) + ", " +
                            number(ceiling) + "]");
}

}  // namespace ias::detail::settings
