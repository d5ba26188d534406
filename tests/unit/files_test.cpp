// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <ias/io/files.hpp>
#include <ias/io/sha256.hpp>

#include <unistd.h>

#include "temp_folder.hpp"
#include "thrown_message.hpp"

namespace fs = std::filesystem;
using Catch::Contains;

namespace {
std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}
}  // namespace

TEST_CASE("sha256: the FIPS 180-4 test vectors", "[io][sha256]") {
    CHECK(ias::sha256_hex(std::string_view("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(ias::sha256_hex(std::string_view("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(ias::sha256_hex(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(ias::sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    SECTION("pieces of any length give the digest of the whole") {
        std::string message;
        for (int i = 0; i < 1000; ++i) message += char('a' + i * 7 % 26);
        const std::string whole = ias::sha256_hex(message);
        for (const std::size_t piece : {1u, 3u, 55u, 56u, 63u, 64u, 65u, 127u, 999u}) {
            CAPTURE(piece);
            ias::sha256_hasher hasher;
            for (std::size_t at = 0; at < message.size(); at += piece) hasher.update(std::string_view(message).substr(at, piece));
            std::string hex;
            for (const std::uint8_t b : hasher.digest()) hex += "0123456789abcdef"[b >> 4], hex += "0123456789abcdef"[b & 15];
            CHECK(hex == whole);
        }
        // Every padding length: messages of 0 to 130 bytes hash differently and stably.
        std::vector<std::string> digests;
        for (std::size_t n = 0; n <= 130; ++n) digests.push_back(ias::sha256_hex(message.substr(0, n)));
        std::sort(digests.begin(), digests.end());
        CHECK(std::adjacent_find(digests.begin(), digests.end()) == digests.end());
    }
}

TEST_CASE("files: atomic_file shows the new bytes only after commit, and leaves no temporary file", "[io]") {
    const ias_test::temp_folder tmp("atomic");
    const fs::path& dir = tmp.path;
    const fs::path path = dir / "data.txt";
    ias::write_file_atomically(path, std::string_view("old"));
    {
        ias::atomic_file file(path);
        file.write(std::string_view("new "));
        CHECK(read_text(path) == "old");  // the final name keeps its bytes until the commit
        REQUIRE(names_in(dir).size() == 2);
        const std::string temporary = names_in(dir)[1];
        CHECK(temporary == "data.txt.tmp-" + ias::detail::host_name() + "-" + std::to_string(::getpid()) + "-" +
                               temporary.substr(temporary.rfind('-') + 1));
        CHECK(ias::detail::temporary_final_name(temporary) == "data.txt");
        CHECK_FALSE(ias::detail::remove_if_unheld(dir / temporary));  // its writer holds it
        file.write(std::string_view("bytes"));
        file.commit();
    }
    CHECK(read_text(path) == "new bytes");
    CHECK(names_in(dir) == std::vector<std::string>{"data.txt"});

    SECTION("an uncommitted file changes nothing") {
        { ias::atomic_file file(path); file.write(std::string_view("lost")); }
        CHECK(read_text(path) == "new bytes");
        CHECK(names_in(dir) == std::vector<std::string>{"data.txt"});
    }
    SECTION("a folder that does not exist is an error naming the file") {
        const std::string message = ias_test::thrown_message<ias::error>([&] { ias::write_file_atomically(dir / "no" / "x.txt", std::string_view("x")); });
        CHECK_THAT(message, Contains((dir / "no" / "x.txt").string()) && Contains("cannot create a temporary file") &&
                                Contains("No such file or directory"));
    }
}

TEST_CASE("files: temporary names carry their writer, and only a leftover is removed", "[io]") {
    CHECK(ias::detail::temporary_final_name("000012.png.tmp-build-host.lan-4242-17") == "000012.png");
    for (const char* name : {"000012.png", "000012.png.tmp", ".tmp-host-1-2", "a.tmp-host-1", "a.tmp--1-2", "a.tmp-host-x-2", "a.tmp-host-1-",
                             "a.tmp-host--2"}) {
        CAPTURE(name);
        CHECK_FALSE(ias::detail::temporary_final_name(name));
    }
    const ias_test::temp_folder tmp("stale");
    const fs::path leftover = tmp.path / "a.png.tmp-elsewhere-1-0", empty = tmp.path / "b.png.tmp-elsewhere-1-0";
    std::ofstream(leftover) << "partial";  // a killed writer's: nobody holds it
    std::ofstream{empty};                  // killed right after creating it
    CHECK(ias::detail::remove_if_unheld(leftover));
    CHECK(ias::detail::remove_if_unheld(empty));
    CHECK_FALSE(fs::exists(leftover));
    CHECK_FALSE(fs::exists(empty));
    CHECK_FALSE(ias::detail::remove_if_unheld(tmp.path / "missing.tmp-h-1-0"));
    {
        ias::atomic_file live(tmp.path / "d.png");  // held by its writer, even one in another process namespace
        live.write(std::string_view("half"));
        REQUIRE(names_in(tmp.path).size() == 1);
        CHECK_FALSE(ias::detail::remove_if_unheld(tmp.path / names_in(tmp.path)[0]));
        live.commit();
    }
    CHECK(names_in(tmp.path) == std::vector<std::string>{"d.png"});
    CHECK(read_text(tmp.path / "d.png") == "half");
}

TEST_CASE("files: folder_lock excludes a second holder until the first lets go", "[io]") {
    const ias_test::temp_folder tmp("lock");
    const fs::path& dir = tmp.path;
    std::atomic<bool> first_holds{false}, first_released{false}, second_saw_release{false};
    {
        std::jthread first([&] {
            const ias::detail::folder_lock lock(dir);
            first_holds = true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            first_released = true;
        });
        while (!first_holds) std::this_thread::yield();
        std::jthread second([&] {
            const ias::detail::folder_lock lock(dir);
            second_saw_release = first_released.load();
        });
    }
    CHECK(second_saw_release);
    CHECK_THROWS_WITH(ias::detail::folder_lock(dir / "missing"), Contains("cannot lock the folder") && Contains("missing"));
}
