// SPDX-License-Identifier: MIT
// The inputs of a dataset run, prepared once before anything is written: decoded within limits, fingerprinted, resized, with their foreground masks and the image pool.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/image.hpp"
#include "../core/sample.hpp"
#include "../fn/resize.hpp"
#include "../io/files.hpp"
#include "../io/stb.hpp"
#include "../io/texture_bank.hpp"
#include "inputs.hpp"
#include "run.hpp"

namespace ias::dataset {

/// How `prepare_inputs` reads and prepares the input images.
struct input_settings {
    /// Resize every input (and its foreground mask) to width x height; none keeps each size.
    std::optional<std::pair<int, int>> size{};
    /// A folder of foreground masks matching the inputs (`matching_mask`); empty for none.
    std::filesystem::path foreground_masks{};
    /// Checked against every image and mask file's header, before it is decoded.
    load_limits limits{};
    /// The most memory, in bytes, that the prepared images and the pool may take; 0: no limit.
    std::uint64_t memory_budget = 0;
};

/// One input image, decoded and prepared, or why it cannot be used.
struct prepared_input {
    any_image image;          ///< empty when `problem` is set
    ias::image<float> foreground;  ///< empty without foreground masks
    std::string problem;      ///< why the input cannot be used, naming the file; empty when it can
    /// The file's size and SHA-256 (none when it cannot be read at all), and its mask's.
    std::optional<file_fingerprint> file, foreground_file;
};

/// The inputs of a dataset run, each prepared once.
struct prepared_inputs {
    input_set files;
    std::vector<prepared_input> inputs;  ///< one per file of `files`, in its order
    /// The usable inputs as RGB: the foreign images of the two-image recipes (nsa, fpi, pii);
    /// null when no input is usable.
    std::shared_ptr<const texture_bank> pool;
    std::vector<std::int64_t> pool_index;  ///< each input's place in `pool`; -1 for an unusable one
    std::uint64_t bytes = 0;               ///< the memory the images, masks and pool take

    /// The input of sample `index`: input `index` mod their number.
    [[nodiscard]] const prepared_input& input_of(std::uint64_t index) const { return inputs[std::size_t(index % inputs.size())]; }
    /// The number of inputs that cannot be used.
    [[nodiscard]] std::size_t unusable() const {
        std::size_t n = 0;
        for (const auto& in : inputs) n += !in.problem.empty();
        return n;
    }
    /// Fills sample `index` from its input: the image, the foreground mask when there is one,
    /// and `source_index` (its place in the pool, so that a sample never pastes from itself).
    void fill(std::uint64_t index, sample& s) const {
        const std::size_t k = std::size_t(index % inputs.size());
        s.image = inputs[k].image;
        if (!inputs[k].foreground.empty()) s.foreground = inputs[k].foreground;
        s.source_index = pool_index[k];
    }
};

/// `im` resized bilinearly to `size` (as float, then back to 8 bits for an 8-bit image); `im`
/// itself when it already has that size or `size` is none.
inline any_image resized(any_image im, std::optional<std::pair<int, int>> size) {
    if (!size || (im.width() == size->first && im.height() == size->second)) return im;
    image<float> out(size->first, size->second, im.channels());
    fn::resize_scratch scratch;
    std::as_const(im).visit([&](auto v) { fn::resize_bilinear(v, out.view(), scratch); });
    if (im.holds<float>()) return any_image(std::move(out));
    image<std::uint8_t> bytes(out.width(), out.height(), out.channels());
    convert_pixels(std::as_const(out).view(), bytes.view());
    return any_image(std::move(bytes));
}

namespace detail {
/// "1.5 GiB", "12.0 MiB": a byte count for messages.
inline std::string memory_text(std::uint64_t bytes) {
    const char* unit = "KiB";
    double value = double(bytes) / 1024.0;
    if (value >= 1024.0) value /= 1024.0, unit = "MiB";
    if (value >= 1024.0) value /= 1024.0, unit = "GiB";
    char text[64];
    std::snprintf(text, sizeof text, "%.1f %s", value, unit);
    return text;
}
}  // namespace detail

/// The memory this machine can still give a process without swapping (Linux's MemAvailable),
/// in bytes; none where that is not known.
inline std::optional<std::uint64_t> available_memory() {
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    std::uint64_t kib = 0;
    while (meminfo >> key >> kib) {
        if (key == "MemAvailable:") return kib * 1024;
        meminfo.ignore(256, '\n');
    }
    return std::nullopt;
}

/// What a worker of a generation run needs beside the inputs, roughly, per pixel of the
/// largest input: the sample, its mask, scratch buffers and the encoded files.
inline constexpr std::uint64_t working_bytes_per_pixel = 64;

/// Throws ias::error, naming the parts, when a run over `inputs` with textures of
/// `texture_bytes` on `threads` workers needs more memory than `available` bytes.
inline void check_memory(const prepared_inputs& inputs, std::uint64_t texture_bytes, unsigned threads, std::uint64_t available) {
    std::uint64_t largest = 0;
    for (const auto& in : inputs.inputs) largest = std::max<std::uint64_t>(largest, std::uint64_t(in.image.width()) * std::uint64_t(in.image.height()));
    const std::uint64_t workers = std::uint64_t(threads) * working_bytes_per_pixel * largest;
    const std::uint64_t needed = inputs.bytes + texture_bytes + workers;
    if (needed > available)
        throw error("ias::dataset::check_memory: the run needs about " + detail::memory_text(needed) + " of memory (inputs " +
                    detail::memory_text(inputs.bytes) + ", textures " + detail::memory_text(texture_bytes) + ", " + std::to_string(threads) +
                    " workers " + detail::memory_text(workers) + "), more than the " + detail::memory_text(available) +
                    " available; make the inputs smaller (--size WxH), or use fewer threads, inputs or textures");
}

/// Reads, fingerprints, decodes (within `options.limits`) and resizes every input file of
/// `files`, with its foreground mask, and builds the pool of the usable ones.
///
/// A file that cannot be read, decoded or matched with its mask is not an error here: its
/// `problem` names the file and the reason, and the caller decides (fail, or skip its
/// samples). Running out of memory is never an input's problem: when the prepared inputs
/// would take more than `options.memory_budget`, or an allocation fails, this throws
/// ias::error saying how far it got and how much memory that took.
inline prepared_inputs prepare_inputs(input_set files, const input_settings& options) {
    namespace fs = std::filesystem;
    prepared_inputs out;
    out.inputs.resize(files.relative.size());
    const auto memory_error = [&](std::size_t k, const std::string& what) {
        throw error("ias::dataset::prepare_inputs: " + what + " at input " + std::to_string(k + 1) + " of " +
                    std::to_string(files.relative.size()) + " ('" + (files.root / files.relative[k]).string() + "'), with " +
                    detail::memory_text(out.bytes) + " held; make the inputs smaller (--size WxH) or fewer");
    };
    for (std::size_t k = 0; k < out.inputs.size(); ++k) {
        prepared_input& in = out.inputs[k];
        const fs::path file = files.root / files.relative[k];
        try {
            const auto read = [&](const fs::path& path) {
                return ias::detail::read_whole_file(path, options.limits.max_bytes, "an image file",
                                                    [&](const std::string& why) { throw error("ias: '" + path.string() + "': " + why); });
            };
            const std::vector<std::uint8_t> bytes = read(file);
            in.file = file_fingerprint::of(bytes);
            in.image = resized(decode_image(bytes, file.string(), {.limits = options.limits}), options.size);
            if (!options.foreground_masks.empty()) {
                const fs::path mask = matching_mask(options.foreground_masks, files.relative[k]);
                if (mask.empty())
                    throw error("no foreground mask for '" + files.relative[k].generic_string() + "' in '" + options.foreground_masks.string() + "'");
                const std::vector<std::uint8_t> mask_bytes = read(mask);
                in.foreground_file = file_fingerprint::of(mask_bytes);
                assign_as_float(in.foreground, resized(decode_image(mask_bytes, mask.string(), {.channels = 1, .limits = options.limits}), options.size));
                if (in.foreground.width() != in.image.width() || in.foreground.height() != in.image.height())
                    throw error("the foreground mask '" + mask.string() + "' is " + std::to_string(in.foreground.width()) + "x" +
                                std::to_string(in.foreground.height()) + " but its image is " + std::to_string(in.image.width()) + "x" +
                                std::to_string(in.image.height()));
            }
        } catch (const std::bad_alloc&) {
            memory_error(k, "out of memory");
        } catch (const std::exception& e) {
            in.problem = e.what();
            if (in.problem.find(file.string()) == std::string::npos) in.problem = file.string() + ": " + in.problem;
            in.image = any_image();
            in.foreground = ias::image<float>();
            continue;
        }
        const std::uint64_t pool_bytes = std::uint64_t(in.image.width()) * std::uint64_t(in.image.height()) * 3;  // 8-bit RGB
        out.bytes += in.image.bytes() + in.foreground.size() * sizeof(float) + pool_bytes;
        if (options.memory_budget != 0 && out.bytes > options.memory_budget)
            memory_error(k, "the prepared inputs would take more than the " + detail::memory_text(options.memory_budget) + " of memory available");
    }
    try {  // the pool is 8-bit: 8-bit images lend it their pixels while it copies them, float ones are converted
        std::vector<image<std::uint8_t>> usable;
        for (auto& in : out.inputs) {
            out.pool_index.push_back(in.problem.empty() ? std::int64_t(usable.size()) : -1);
            if (!in.problem.empty()) continue;
            if (in.image.holds<std::uint8_t>()) {
                usable.push_back(std::move(in.image.get<std::uint8_t>()));
            } else {
                auto& bytes = usable.emplace_back(in.image.width(), in.image.height(), in.image.channels());
                convert_pixels(std::as_const(in.image).get<float>().view(), bytes.view());
            }
        }
        if (!usable.empty()) out.pool = texture_bank::from_images(usable);
        for (std::size_t k = 0; k < out.inputs.size(); ++k)
            if (out.pool_index[k] >= 0 && out.inputs[k].image.holds<std::uint8_t>())
                out.inputs[k].image = std::move(usable[std::size_t(out.pool_index[k])]);
    } catch (const std::bad_alloc&) {
        memory_error(out.inputs.size() - 1, "out of memory while building the image pool");
    }
    out.files = std::move(files);
    return out;
}

}  // namespace ias::dataset
