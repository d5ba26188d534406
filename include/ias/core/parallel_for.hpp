// SPDX-License-Identifier: MIT
// parallel_for: indices 0 .. count-1 handed out to a pool of std::threads, the first exception rethrown.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ias::detail {

/// Calls `body(k)` for every k in [0, count) on `threads` std::threads (0: the hardware's
/// count; never more than `count`; 1 runs on the calling thread, in order). Each worker calls
/// `make_body()` once and keeps what it returns, so a body may own buffers reused from one k
/// to the next; workers take the next k from a shared counter. The first exception stops the
/// work (no worker takes a new k) and is rethrown here once every worker has finished.
template <class MakeBody>
void parallel_for(std::uint64_t count, unsigned threads, MakeBody&& make_body) {
    if (count == 0) return;
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    threads = unsigned(std::min<std::uint64_t>(threads, count));

    std::atomic<std::uint64_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr first_error;
    std::mutex error_mutex;
    const auto worker = [&] {
        try {
            auto body = make_body();
            for (;;) {
                if (failed.load(std::memory_order_relaxed)) return;
                const std::uint64_t k = next.fetch_add(1, std::memory_order_relaxed);
                if (k >= count) return;
                body(k);
            }
        } catch (...) {
            const std::lock_guard lock(error_mutex);
            if (!first_error) first_error = std::current_exception();
            failed = true;
        }
    };
    if (threads == 1) {
        worker();
    } else {
        std::vector<std::jthread> pool;
        pool.reserve(threads);
        for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
    }  // jthreads join here
    if (first_error) std::rethrow_exception(first_error);
}

}  // namespace ias::detail
