// SPDX-License-Identifier: MIT
// File helpers shared by the readers and writers: extensions, whole-file reads within a limit, and durable atomic writes.
#pragma once

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/error.hpp"

namespace ias {

namespace detail {

/// The extension of `path` in lower case, with its dot (".png"; "" when there is none).
inline std::string lower_extension(const std::filesystem::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return ext;
}

/// Whether a lower-case extension is one of the image formats ias reads: .png, .jpg, .jpeg,
/// .bmp, .tga.
inline bool is_image_extension(std::string_view lower) noexcept {
    return lower == ".png" || lower == ".jpg" || lower == ".jpeg" || lower == ".bmp" || lower == ".tga";
}

/// The bytes of the file at `path`. On a directory, a file that cannot be opened or read, or
/// one larger than `max_bytes`, calls `fail(why)`, which must throw; `kind` names what the file
/// should have been ("an image file") in the directory message.
template <class Fail>
std::vector<std::uint8_t> read_whole_file(const std::filesystem::path& path, std::uint64_t max_bytes, std::string_view kind, Fail&& fail) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) fail("is a directory, not " + std::string(kind));
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(std::string("cannot open: ") + std::strerror(errno));
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0) fail("cannot determine the file size");
    if (std::uint64_t(size) > max_bytes)
        fail("the file has " + std::to_string(size) + " bytes, more than the limit of " + std::to_string(max_bytes));
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    in.seekg(0);
    if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) fail("read error");
    return bytes;
}

/// This machine's name as it appears in temporary file names: at most 64 characters, each
/// a letter, a digit, '.', '_' or '-' (others become '_'); "host" when it has none.
inline const std::string& host_name() {
    static const std::string name = [] {
        char buffer[256] = {};
        std::string host = gethostname(buffer, sizeof buffer - 1) == 0 ? std::string(buffer) : std::string();
        if (host.size() > 64) host.resize(64);
        for (char& c : host)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
        return host.empty() ? std::string("host") : host;
    }();
    return name;
}

/// The marker between a file's name and its writer in a temporary name.
inline constexpr std::string_view temporary_marker = ".tmp-";

/// The final name of the temporary file `filename` when it has the form `atomic_file` gives,
/// `<final name>.tmp-<host>-<pid>-<counter>`; nothing for any other name.
inline std::optional<std::string> temporary_final_name(std::string_view filename) {
    const std::size_t marker = filename.rfind(temporary_marker);
    if (marker == std::string_view::npos || marker == 0) return std::nullopt;
    std::string_view rest = filename.substr(marker + temporary_marker.size());
    for (int number = 0; number < 2; ++number) {  // the counter, then the process id
        const std::size_t dash = rest.rfind('-');
        if (dash == std::string_view::npos || dash + 1 == rest.size()) return std::nullopt;
        if (rest.find_first_not_of("0123456789", dash + 1) != std::string_view::npos) return std::nullopt;
        rest = rest.substr(0, dash);
    }
    if (rest.empty()) return std::nullopt;
    return std::string(filename.substr(0, marker));
}

/// True while the open file `fd` is still the file named `path` (not unlinked or replaced).
inline bool still_named(int fd, const std::filesystem::path& path) noexcept {
    struct stat open_file {}, named {};
    return ::fstat(fd, &open_file) == 0 && open_file.st_nlink > 0 && ::lstat(path.c_str(), &named) == 0 &&
           named.st_dev == open_file.st_dev && named.st_ino == open_file.st_ino;
}

/// Removes the temporary file at `path` when no writer holds it, and says whether it did.
///
/// An `atomic_file` holds an flock(2) on its temporary from creation to commit, so a file
/// that can be locked has no live writer, on this machine or (where the file system shares
/// locks, as Linux's NFS client does) another, in whatever process namespace it runs. The
/// file is unlinked while the lock is held, and a writer that finds its new file locked, or
/// unlinked by the time it holds the lock, takes another name, so a file being written is
/// never removed, not even in the instant between its creation and its writer's lock. Where
/// the file system cannot lock, nothing is removed.
inline bool remove_if_unheld(const std::filesystem::path& path) noexcept {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return false;
    const bool removed = ::flock(fd, LOCK_EX | LOCK_NB) == 0 && still_named(fd, path) && ::unlink(path.c_str()) == 0;
    ::close(fd);
    return removed;
}

/// Flushes a folder's entries (the renames into it) to the disk; a file system that cannot
/// sync folders (EINVAL) is accepted. Returns the errno of a failure, 0 on success.
inline int sync_folder(const std::filesystem::path& folder) noexcept {
    const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    const int result = ::fsync(fd) == 0 || errno == EINVAL ? 0 : errno;
    ::close(fd);
    return result;
}

/// An exclusive lock on a folder (flock(2) on the folder itself), held from construction to
/// destruction: what serialises the processes that write one dataset where they must not
/// interleave. Throws ias::error naming the folder when it cannot be opened or locked.
class folder_lock {
public:
    explicit folder_lock(const std::filesystem::path& folder) {
        fd_ = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int result = fd_ < 0 ? -1 : 0;
        while (result == 0 && ::flock(fd_, LOCK_EX) != 0) {
            if (errno != EINTR) result = -1;
        }
        if (result != 0) {
            const int e = errno;
            if (fd_ >= 0) ::close(fd_);
            throw error("ias: cannot lock the folder '" + folder.string() + "': " + std::strerror(e));
        }
    }
    folder_lock(const folder_lock&) = delete;
    folder_lock& operator=(const folder_lock&) = delete;
    ~folder_lock() { ::close(fd_); }  // closing releases the lock

private:
    int fd_ = -1;
};

}  // namespace detail

/// A file written durably and atomically: its bytes go to a temporary file in the same folder
/// (`<name>.tmp-<host>-<pid>-<counter>`, created exclusively and flock(2)ed while it is
/// written), and `commit` flushes it to the disk (fsync), renames it over `path` and flushes
/// the folder. Until `commit` returns, `path`
/// keeps whatever it held before; a reader never sees a partial file; after it returns, the
/// file survives a crash or a power loss (as far as the disk honours fsync). An uncommitted
/// file's temporary is removed when the object is destroyed; one left by a killed process is
/// recognised by its name and its missing lock (`detail::remove_if_unheld`). Errors throw ias::error naming
/// `path` and the reason ("No space left on device").
class atomic_file {
public:
    explicit atomic_file(std::filesystem::path path) : path_(std::move(path)) {
        static std::atomic<std::uint64_t> counter{0};
        for (int attempt = 0;; ++attempt) {
            temp_ = path_;
            temp_ += std::string(detail::temporary_marker) + detail::host_name() + "-" + std::to_string(::getpid()) + "-" +
                     std::to_string(counter.fetch_add(1));
            fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (fd_ < 0) {
                if (errno != EEXIST || attempt == 16) fail("cannot create a temporary file", errno);
                continue;
            }
            // Locked for as long as it is written, so that `detail::remove_if_unheld` leaves it
            // alone. A cleaner that came first, in the instant before the lock, holds or has
            // removed the file: then take another name. A file system without locks: go on.
            const bool locked = ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
            if ((locked && detail::still_named(fd_, temp_)) || (!locked && errno != EWOULDBLOCK)) return;
            ::close(std::exchange(fd_, -1));
            if (attempt == 16) fail("cannot lock a temporary file", EWOULDBLOCK);
        }
    }
    atomic_file(const atomic_file&) = delete;
    atomic_file& operator=(const atomic_file&) = delete;
    ~atomic_file() {
        if (fd_ >= 0) ::close(fd_);
        if (!committed_) ::unlink(temp_.c_str());
    }

    /// Appends `bytes`.
    void write(std::span<const std::uint8_t> bytes) {
        for (std::size_t at = 0; at < bytes.size();) {
            const ssize_t n = ::write(fd_, bytes.data() + at, bytes.size() - at);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) fail("write failed", n < 0 ? errno : EIO);
            at += std::size_t(n);
        }
    }
    void write(std::string_view text) { write(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())); }

    /// Makes the file durable and puts it in place (see the class comment). Call it once.
    void commit() {
        if (::fsync(fd_) != 0) fail("cannot flush the file to the disk", errno);
        // Renamed while still open, hence locked: a cleaner never takes it for a leftover.
        if (::rename(temp_.c_str(), path_.c_str()) != 0) fail("cannot rename the temporary file into place", errno);
        committed_ = true;
        if (::close(std::exchange(fd_, -1)) != 0) fail("write failed", errno);
        if (const int e = detail::sync_folder(path_.parent_path()); e != 0) fail("cannot flush its folder to the disk", e);
    }

private:
    [[noreturn]] void fail(std::string_view what, int error_number) const {
        throw error("ias: '" + path_.string() + "': " + std::string(what) + ": " + std::strerror(error_number));
    }

    std::filesystem::path path_, temp_;
    int fd_ = -1;
    bool committed_ = false;
};

/// Writes `bytes` to `path` durably and atomically (see `atomic_file`).
inline void write_file_atomically(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
    atomic_file file(path);
    file.write(bytes);
    file.commit();
}
inline void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
    write_file_atomically(path, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace ias
