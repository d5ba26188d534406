// SPDX-License-Identifier: MIT
// One of two translation units that include all of ias: linking them proves there are no
// duplicate symbols (range-v3's multiple1.cpp / multiple2.cpp).
#include <ias/ias.hpp>
#include <ias/io/stb.hpp>

int ias_odr_first() {
    ias::sample s(ias::image<float>(4, 4, 1));
    ias::rng_stream rng(1, 1);
    ias::run(ias::pipeline(ias::sometimes(1.0, ias::repeat(1, 1, ias::pipeline()))), s, rng);
    return s.image.width();
}
