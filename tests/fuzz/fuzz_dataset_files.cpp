// SPDX-License-Identifier: MIT
// libFuzzer target for the dataset files `--resume` reads back: a run description (run.json)
// and a sample's record. Any text must parse or throw ias::error; what parses must write back
// as text that parses to the same description; a record's checks must not crash on any line.
#include <cstdint>
#include <string>
#include <string_view>

#include <ias/dataset/run.hpp>
#include <ias/dataset/writer.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    namespace ds = ias::dataset;
    try {
        const ds::run_description run = ds::run_description::parse(text, "run.json");
        if (!(ds::run_description::parse(run.text(), "run.json") == run)) __builtin_trap();
        if (!run.difference_from(run).empty()) __builtin_trap();
        (void)run.difference_from(ds::run_description());
    } catch (const ias::error&) {
    }
    (void)ds::detail::record_problem(text, 7);
    for (const char* key : {"index", "image_bytes", "image_sha256", "mask_bytes", "mask_sha256"}) (void)ds::detail::record_field(text, key);
    return 0;
}
