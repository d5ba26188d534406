// SPDX-License-Identifier: MIT
// temp_folder: a fresh folder for one test case, removed with everything in it when the case ends.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>

namespace ias_test {

/// A fresh folder of its own under the system's temporary folder, removed with everything in
/// it when the test case ends.
struct temp_folder {
    std::filesystem::path path;
    explicit temp_folder(const std::string& name) {
        static std::atomic<unsigned> counter{0};
        const auto stamp = std::chrono::system_clock::now().time_since_epoch().count();
        path = std::filesystem::temp_directory_path() / ("ias_test_" + std::to_string(stamp) + "_" + std::to_string(counter++) + "_" + name);
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    temp_folder(const temp_folder&) = delete;
    temp_folder& operator=(const temp_folder&) = delete;
    ~temp_folder() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

}  // namespace ias_test
