#include "state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

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

std::optional<std::string> read_whole_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return text.str();
}

}  // namespace citywall::ingest
