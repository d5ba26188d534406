// SPDX-License-Identifier: MIT
// thrown_message: the text of the exception a call throws, for tests that check several parts of it.
#pragma once

#include <catch2/catch.hpp>

#include <string>

namespace ias_test {

/// The message of the exception of type E that `f` throws; fails the test if it throws none.
template <class E, class F>
std::string thrown_message(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    FAIL("no exception was thrown");
    return {};
}

}  // namespace ias_test
