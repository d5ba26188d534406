// SPDX-License-Identifier: MIT
// libFuzzer target for the image loader: any bytes must give an image or an ias::error,
// never a crash, a leak, undefined behaviour or an allocation beyond the limits.
#define IAS_STB_IMPLEMENTATION
#include <ias/io/stb.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ias::load_settings options{.limits = {.max_width = 2048, .max_height = 2048, .max_bytes = 16u << 20}};
    try {
        const ias::any_image im = ias::decode_image({data, size}, "fuzz input", options);
        if (im.width() <= 0 || im.height() <= 0 || im.width() > 2048 || im.height() > 2048) __builtin_trap();
        // Re-encoding a decoded image must work too.
        if (im.holds<std::uint8_t>()) static_cast<void>(ias::encode_image(im.get<std::uint8_t>().view(), ias::image_format::png));
    } catch (const ias::error&) {
    }
    return 0;
}
