// SPDX-License-Identifier: MIT
// ias::error, the exception for bad input and failed IO, and IAS_ASSERT for hot-loop preconditions.
#pragma once

#include <stdexcept>
#include <string>

namespace ias {

/// Thrown for bad input data and failed IO (corrupt files, mismatched shapes, disk errors).
/// Bad configuration values throw `std::invalid_argument` instead. Either message names the
/// file, field or value and says what is allowed.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

namespace detail {
[[noreturn]] void assertion_failed(const char* expr, const char* file, int line) noexcept;
}  // namespace detail

}  // namespace ias

/// Checks a precondition inside hot loops; compiled out when NDEBUG is defined.
#ifdef NDEBUG
#define IAS_ASSERT(cond) static_cast<void>(0)
#else
#include <cstdio>
#include <cstdlib>
#define IAS_ASSERT(cond) \
    ((cond) ? static_cast<void>(0) : ::ias::detail::assertion_failed(#cond, __FILE__, __LINE__))
inline void ias::detail::assertion_failed(const char* expr, const char* file, int line) noexcept {
    std::fprintf(stderr, "%s:%d: ias assertion failed: %s\n", file, line, expr);
    std::abort();
}
#endif
