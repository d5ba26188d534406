// SPDX-License-Identifier: MIT
// A dataset job: the inputs, textures and transform of `ias generate` and `ias preview`,
// prepared and checked before anything is written, and the run that writes the samples.
#pragma once

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "../generate.hpp"
#include "../io/texture_bank.hpp"
#include "../recipes/spec.hpp"
#include "prepared_inputs.hpp"
#include "run_settings.hpp"
#include "writer.hpp"

namespace ias::dataset {

/// Where a job's images come from and how they are read.
struct input_request {
    std::filesystem::path input{};             ///< a folder of normal images (see `find_inputs`)
    load_limits limits{};                      ///< checked against every file's header before decoding
    std::optional<std::pair<int, int>> size{};  ///< resize every input to width x height; none keeps each size
    std::filesystem::path foreground_masks{};  ///< a folder of foreground masks matching the inputs; empty for none
    std::filesystem::path textures{};          ///< a folder of anomaly textures; empty: procedural
};

/// W x H from "WxH" (whole numbers from 1 to 65536), at most `max_pixels` pixels. Throws
/// std::invalid_argument naming the text and what is allowed.
inline std::pair<int, int> parse_size(std::string_view text, std::uint64_t max_pixels) {
    int w = 0, h = 0;
    const auto x = text.find('x');
    const auto parse = [&](std::string_view part, int& out) {
        const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
        return ec == std::errc() && end == part.data() + part.size() && out >= 1 && out <= 65536;
    };
    if (x == std::string_view::npos || !parse(text.substr(0, x), w) || !parse(text.substr(x + 1), h))
        throw std::invalid_argument("--size is '" + std::string(text) + "'; it must be WxH with whole numbers from 1 to 65536, such as 256x256");
    if (std::uint64_t(w) * std::uint64_t(h) > max_pixels)
        throw std::invalid_argument("--size " + std::string(text) + " is " + std::to_string(std::uint64_t(w) * std::uint64_t(h)) +
                                    " pixels, more than the limit of " + std::to_string(max_pixels) +
                                    "; pass a smaller size (or raise --max-pixels)");
    return {w, h};
}

/// A job's prepared inputs, textures and transform.
struct job {
    prepared_inputs inputs;
    std::shared_ptr<const texture_bank> textures;
    any_transform transform;
};

/// Lists, decodes (every one, before anything is written) and prepares the inputs of
/// `request`, loads the textures and builds `recipe` with them and the inputs' pool. The
/// folder entries that are not read are `inputs.files.skipped`, the inputs that cannot be
/// used have their `problem` set. Throws ias::error, before the memory runs out, when the
/// inputs and textures do not fit in the memory available for `threads` workers, and
/// std::invalid_argument when the recipe cannot be built (a configuration's mistake).
inline job prepare_job(const input_request& request, const recipes::recipe_spec& recipe, unsigned threads) {
    const std::optional<std::uint64_t> available = available_memory();
    prepared_inputs inputs = prepare_inputs(find_inputs(request.input), {.size = request.size,
                                                                         .foreground_masks = request.foreground_masks,
                                                                         .limits = request.limits,
                                                                         .memory_budget = available.value_or(0)});
    std::shared_ptr<const texture_bank> textures;
    try {
        if (!request.textures.empty()) textures = texture_bank::load(request.textures, {.limits = request.limits});
    } catch (const std::bad_alloc&) {
        throw error("out of memory while loading the textures of '" + request.textures.string() + "'");
    }
    if (available) check_memory(inputs, textures ? textures->bytes() : 0, threads, *available);
    any_transform transform = recipes::make(recipe, textures, inputs.pool);
    return {std::move(inputs), std::move(textures), std::move(transform)};
}

/// What `write_samples` did.
struct write_report {
    std::uint64_t written = 0;         ///< samples made and written by this run
    std::uint64_t finished = 0;        ///< samples of the shard already in the dataset, kept
    std::uint64_t skipped_inputs = 0;  ///< samples of the shard whose input cannot be read
    std::size_t in_dataset = 0;        ///< records in the dataset afterwards (the manifest's lines)
};

/// Writes the samples of `shard` that `finished` (increasing) does not hold into the dataset
/// at `out`: sample i from input i mod (number of inputs), by `j.transform` with
/// `settings`' seed and epoch, on `threads` workers, traced, the manifest naming
/// `settings.recipe.recipe`. Samples whose input has a problem are skipped (the caller
/// decides beforehand whether that is allowed). Calls `progress(done, todo)` after each
/// sample, from the worker that wrote it, one call at a time. Rebuilds the manifest at the end.
inline write_report write_samples(const layout& out, const job& j, const run_settings& settings, shard part,
                                  std::span<const std::uint64_t> finished, unsigned threads,
                                  const std::function<void(std::uint64_t done, std::uint64_t todo)>& progress = {}) {
    write_report report;
    std::uint64_t todo = 0;
    const auto is_finished = [&](std::uint64_t i) { return std::binary_search(finished.begin(), finished.end(), i); };
    const auto usable = [&](std::uint64_t i) { return j.inputs.input_of(i).problem.empty(); };
    for (std::uint64_t i = part.k; i < settings.count; i += part.n) {
        if (!usable(i)) ++report.skipped_inputs;
        else if (is_finished(i)) ++report.finished;
        else ++todo;
    }
    std::atomic<std::uint64_t> written{0};
    std::mutex progress_mutex;
    const auto write = [&](std::uint64_t i, const sample& s) {
        write_sample(out, i, s, {j.inputs.files.relative[std::size_t(i % j.inputs.inputs.size())].generic_string(), settings.recipe.recipe});
        const std::uint64_t done = ++written;
        if (!progress) return;
        const std::lock_guard lock(progress_mutex);
        progress(done, todo);
    };
    for_each_pending_chunk(
        settings.count, part, [&](std::uint64_t i) { return usable(i) && !is_finished(i); },
        [&](std::span<const std::uint64_t> indices) {
            generate(j.transform, [&](std::uint64_t i, sample& s) { j.inputs.fill(i, s); }, indices, threads, write,
                     {.seed = settings.seed, .epoch = settings.epoch, .trace = true});
        });
    report.written = written.load();
    report.in_dataset = rebuild_manifest(out);
    return report;
}

}  // namespace ias::dataset
