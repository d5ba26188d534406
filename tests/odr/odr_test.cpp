// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

int ias_odr_first();
int ias_odr_second();

TEST_CASE("odr: two translation units including ias.hpp link into one program", "[odr]") {
    CHECK(ias_odr_first() + ias_odr_second() == 8);
}
