// SPDX-License-Identifier: MIT
// A pipeline stage that is not a transform is rejected by the `transform` concept.
// expect: transform
// max-lines: 30
#include <ias/core.hpp>

struct counter {
    int calls = 0;
#ifndef IAS_COMPILE_FAIL
    void operator()(ias::sample&, ias::rng_stream&) const {}
#endif
};

int main() {
    auto p = ias::pipeline(counter{}, counter{});
    static_cast<void>(p);
}
