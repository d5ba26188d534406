// SPDX-License-Identifier: MIT
// list_files: the one recursive folder listing (inputs, texture banks, score maps), with what it did not read.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace ias {

/// An entry of a folder that `list_files` did not list although it could have held a wanted
/// file, and why: each one shifts the mapping of indices to files, so callers can say so.
struct skipped_entry {
    std::filesystem::path path;
    std::string reason;
};

/// What `list_files` lists.
struct listing_settings {
    /// The files wanted, by path (their extension, usually); null: every regular file.
    bool (*wanted)(const std::filesystem::path&) = nullptr;
    /// A folder not entered when it lies under the root (compared resolved): the other of two
    /// folders that may be nested, such as score maps and masks.
    std::filesystem::path skip{};
    /// Enter links to folders (a texture bank assembled from links); otherwise they are
    /// skipped and reported, so that a loop cannot make the listing endless.
    bool follow_folder_links = false;
};

/// The files under a folder and the entries left out.
struct file_listing {
    std::vector<std::filesystem::path> files;  ///< root / relative path, sorted by generic ('/'-separated) string
    std::vector<skipped_entry> skipped;        ///< sorted by path
};

/// The wanted regular files under `root`, recursively, sorted by generic path string so that
/// indices map to the same files on every machine. Files and folders whose name starts with
/// '.' are left out silently; links to files are followed; links that lead nowhere (dangling
/// or in a loop), links to folders that are not followed, and wanted names that are not
/// regular files (fifos, sockets, devices) are left out and listed in `skipped`. Sets `ec`
/// when `root` cannot be listed (the caller names the folder in its message) and returns
/// what was found until then.
inline file_listing list_files(const std::filesystem::path& root, const listing_settings& settings, std::error_code& ec) {
    namespace fs = std::filesystem;
    file_listing out;
    std::error_code skip_ec;
    const fs::path skip = settings.skip.empty() ? fs::path() : fs::weakly_canonical(settings.skip, skip_ec);
    const bool can_skip = !skip_ec && !skip.empty();
    std::vector<std::pair<std::string, fs::path>> found;  // (generic string, path): the sort key computed once
    const auto options = settings.follow_folder_links ? fs::directory_options::follow_directory_symlink : fs::directory_options::none;
    fs::recursive_directory_iterator it(root, options, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const fs::directory_entry& entry = *it;
        std::error_code kind_ec;
        const bool folder = entry.is_directory(kind_ec);
        if (entry.path().filename().string().starts_with('.') ||
            (folder && can_skip && fs::weakly_canonical(entry.path(), kind_ec) == skip && !kind_ec)) {
            if (folder) it.disable_recursion_pending();
            continue;
        }
        if (entry.is_symlink(kind_ec)) {
            std::error_code target_ec;
            const fs::file_status target = fs::status(entry.path(), target_ec);
            if (target.type() == fs::file_type::not_found || target_ec) {
                const bool loop = target_ec == std::errc::too_many_symbolic_link_levels;
                out.skipped.push_back({entry.path(), loop ? "a symbolic link in a loop" : "a symbolic link whose target does not exist"});
                continue;
            }
            if (fs::is_directory(target) && !settings.follow_folder_links) {
                out.skipped.push_back({entry.path(), "a symbolic link to a folder, which is not followed"});
                continue;
            }
        }
        if (folder || (settings.wanted && !settings.wanted(entry.path()))) continue;
        if (!entry.is_regular_file(kind_ec)) {
            out.skipped.push_back({entry.path(), "not a regular file"});
            continue;
        }
        found.emplace_back(entry.path().generic_string(), entry.path());
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::sort(out.skipped.begin(), out.skipped.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    out.files.reserve(found.size());
    for (auto& f : found) out.files.push_back(std::move(f.second));
    return out;
}

}  // namespace ias
