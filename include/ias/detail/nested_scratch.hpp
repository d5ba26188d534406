// SPDX-License-Identifier: MIT
// Per-thread scratch that stays correct when a call nests another call of the same code.
#pragma once

#include <cstddef>
#include <deque>

namespace ias::detail {

/// This thread's `T` for the current nesting depth, for the lifetime of the object: a
/// transform whose callbacks or inner stages may run the same transform again on this thread
/// (run_on_region's chains, a generator that runs ias stages, a filter in a filter) gets a
/// buffer of its own at each depth instead of overwriting its caller's. The buffers are kept
/// and reused, so the steady state does not allocate; a deque keeps references valid as it grows.
template <class T>
class nested_scratch {
public:
    nested_scratch() : value_(acquire()) {}
    ~nested_scratch() { --depth(); }
    nested_scratch(const nested_scratch&) = delete;
    nested_scratch& operator=(const nested_scratch&) = delete;
    [[nodiscard]] T& get() noexcept { return value_; }

private:
    static std::size_t& depth() noexcept {
        thread_local std::size_t d = 0;
        return d;
    }
    static T& acquire() {
        thread_local std::deque<T> pool;
        if (depth() == pool.size()) pool.emplace_back();
        return pool[depth()++];
    }
    T& value_;
};

}  // namespace ias::detail
