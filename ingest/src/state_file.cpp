#include "state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace citywall::ingest {

Result<void> replace_file(const std::filesystem::path& path, std::string_view bytes) {
    const auto temporary = std::filesystem::path(path.string() + ".tmp");
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return Result<void>::failure(ErrorKind::io,
                                     temporary.string() + ": " + std::strerror(errno));
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            return Result<void>::failure(ErrorKind::io, temporary.string() + ": " + why);
        }
        written += static_cast<std::size_t>(n);
    }
    const bool synced = ::fdatasync(fd) == 0;
    ::close(fd);
    if (!synced) return Result<void>::failure(ErrorKind::io, temporary.string() + ": sync failed");
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) return Result<void>::failure(ErrorKind::io, path.string() + ": " + error.message());
    // The rename itself is durable only once the directory is synced (as for the checkpoint).
    const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return {};
}

Result<std::string> read_whole_file(const std::filesystem::path& path) {
    using R = Result<std::string>;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int why = errno;
        return R::failure(why == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                          path.string() + ": " + std::strerror(why));
    }
    std::string bytes;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            return R::failure(ErrorKind::io, path.string() + ": " + why);
        }
        if (n == 0) break;
        bytes.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return bytes;
}

}  // namespace citywall::ingest
