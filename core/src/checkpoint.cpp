// Checkpoint file: magic "CWCHKPT1", u32 CRC-32C of the body, u64 body length, then the body:
// u64 seq, u64 last_id, u32 count + wire-encoded incidents (each u32 length + bytes),
// u32 count + closed sources (str department, str source_id, u64 incident).
#include "citywall/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "byte_io.hpp"
#include "citywall/wire.hpp"
#include "journal_segment.hpp"

namespace citywall {

namespace {

constexpr char kMagic[8] = {'C', 'W', 'C', 'H', 'K', 'P', 'T', '1'};
constexpr std::size_t kPrefix = 8 + 4 + 8;
constexpr std::uint32_t kMaxString = 1u << 20;
constexpr const char* kFileName = "checkpoint.cwc";

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

}  // namespace

std::string encode_checkpoint(const Checkpoint& checkpoint) {
    std::string body;
    detail::ByteWriter w(body);
    w.put(checkpoint.seq);
    w.put(checkpoint.last_id);
    w.put(static_cast<std::uint32_t>(checkpoint.open.size()));
    for (const auto& incident : checkpoint.open)
        w.put_string(wire::encode(wire::IncidentUpdate{checkpoint.seq, incident}));
    w.put(static_cast<std::uint32_t>(checkpoint.closed.size()));
    for (const auto& c : checkpoint.closed) {
        w.put_string(c.source.department);
        w.put_string(c.source.source_id);
        w.put(c.incident);
    }
    std::string out(kMagic, sizeof kMagic);
    detail::ByteWriter header(out);
    header.put(journal_format::crc32c(body));
    header.put(static_cast<std::uint64_t>(body.size()));
    out += body;
    return out;
}

Result<Checkpoint> decode_checkpoint(std::string_view bytes) {
    using R = Result<Checkpoint>;
    if (bytes.size() < kPrefix || bytes.substr(0, 8) != std::string_view(kMagic, 8))
        return R::failure("not a checkpoint");
    detail::ByteReader prefix(bytes.substr(8, 12));
    std::uint32_t crc = 0;
    std::uint64_t length = 0;
    prefix.get(crc);
    prefix.get(length);
    std::string_view body = bytes.substr(kPrefix);
    if (length != body.size()) return R::failure("checkpoint is truncated");
    if (journal_format::crc32c(body) != crc) return R::failure("checkpoint checksum mismatch");

    Checkpoint c;
    detail::ByteReader r(body);
    std::uint32_t count = 0;
    if (!r.get(c.seq) || !r.get(c.last_id) || !r.get(count)) return R::failure("bad checkpoint");
    if (count > r.remaining() / 4) return R::failure("bad checkpoint incident count");
    c.open.reserve(count);
    std::string encoded;
    for (std::uint32_t k = 0; k < count; ++k) {
        if (!r.get_string(encoded, 64u << 20)) return R::failure("bad checkpoint incident");
        auto message = wire::decode(encoded);
        if (!message) return R::failure("bad checkpoint incident: " + message.error());
        const auto* update = std::get_if<wire::IncidentUpdate>(&*message);
        if (!update) return R::failure("bad checkpoint incident kind");
        c.open.push_back(update->incident);
    }
    if (!r.get(count) || count > r.remaining() / 16) return R::failure("bad checkpoint sources");
    c.closed.resize(count);
    for (auto& closed : c.closed) {
        if (!r.get_string(closed.source.department, kMaxString) ||
            !r.get_string(closed.source.source_id, kMaxString) || !r.get(closed.incident))
            return R::failure("bad checkpoint source");
    }
    if (r.remaining() != 0) return R::failure("trailing bytes in checkpoint");
    return c;
}

Result<bool> write_checkpoint(const std::filesystem::path& directory,
                              const Checkpoint& checkpoint) {
    using R = Result<bool>;
    const std::string bytes = encode_checkpoint(checkpoint);
    const auto temporary = directory / (std::string(kFileName) + ".tmp");
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return R::failure(errno_text("cannot create " + temporary.string()));
    std::size_t written = 0;
    while (written < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            return R::failure(errno_text("cannot write " + temporary.string()));
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        ::close(fd);
        return R::failure(errno_text("cannot fsync " + temporary.string()));
    }
    ::close(fd);
    if (::rename(temporary.c_str(), (directory / kFileName).c_str()) != 0)
        return R::failure(errno_text("cannot rename checkpoint"));
    int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return true;
}

Result<std::optional<Checkpoint>> read_checkpoint(const std::filesystem::path& directory) {
    using R = Result<std::optional<Checkpoint>>;
    std::ifstream in(directory / kFileName, std::ios::binary);
    if (!in) return std::optional<Checkpoint>();
    std::ostringstream bytes;
    bytes << in.rdbuf();
    auto checkpoint = decode_checkpoint(bytes.str());
    if (!checkpoint) return R::failure(checkpoint.error());
    return std::optional<Checkpoint>(std::move(*checkpoint));
}

}  // namespace citywall
