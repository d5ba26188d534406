// SPDX-License-Identifier: MIT
// A const image gives only a view of const pixels; a mutable view of it does not compile.
// expect: image_view
// max-lines: 30
#include <ias/core.hpp>

int main() {
    const ias::image<float> im(4, 4, 1);
#ifdef IAS_COMPILE_FAIL
    ias::image_view<float> v = im.view();
#else
    ias::image_view<const float> v = im.view();
#endif
    static_cast<void>(v);
}
