// SPDX-License-Identifier: MIT
// Checks of transform settings, with errors that name the transform, the field and what is allowed.
#pragma once

#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ias::detail::settings {

[[noreturn]] inline void fail(std::string_view transform, const std::string& what) {
    throw std::invalid_argument("ias::" + std::string(transform) + ": " + what);
}

/// Throws unless lo <= hi, both finite and within [floor, ceiling], naming the two fields.
inline void check_range(std::string_view transform, const char* lo_name, float lo, const char* hi_name, float hi, float floor,
                        float ceiling) {
    if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo >= floor) || !(hi <= ceiling) || !(lo <= hi))
        fail(transform, std::string(lo_name) + " = " + std::to_string(lo) + " and " + hi_name + " = " + std::to_string(hi) +
                            " must satisfy " + std::to_string(floor) + " <= " + lo_name + " <= " + hi_name + " <= " + std::to_string(ceiling));
}

/// Throws unless floor <= value <= ceiling (and finite), naming the field.
inline void check_value(std::string_view transform, const char* field, float value, float floor, float ceiling) {
    if (!std::isfinite(value) || !(value >= floor) || !(value <= ceiling))
        fail(transform, std::string(field) + " is " + std::to_string(value) + "; it must lie in [" + std::to_string(floor) +
                            ", " + std::to_string(ceiling) + "]");
}

}  // namespace ias::detail::settings
