// Checkpoint file: magic "CWCHKPT2", u32 CRC-32C of the body, u64 body length, then the body:
// u64 seq, u64 last_id, u32 count + open incidents, each a wire-encoded incident_case (u32
// length + bytes: the incident with its history), u32 count + closed sources (str department,
// str source_id, u64 incident). Version 1 ("CWCHKPT1") held incident messages, no history; it
// is still read.
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

constexpr char kMagic[8] = {'C', 'W', 'C', 'H', 'K', 'P', 'T', '2'};
constexpr char kMagicV1[8] = {'C', 'W', 'C', 'H', 'K', 'P', 'T', '1'};
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
    for (const auto& open : checkpoint.open)
        w.put_string(wire::encode(wire::IncidentCase{checkpoint.seq, open.incident.id, true,
                                                     open.incident, open.history}));
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
    if (bytes.size() < kPrefix) return R::failure(ErrorKind::damaged, "not a checkpoint");
    const bool v1 = bytes.substr(0, 8) == std::string_view(kMagicV1, 8);
    if (!v1 && bytes.substr(0, 8) != std::string_view(kMagic, 8))
        return R::failure(ErrorKind::damaged, "not a checkpoint");
    detail::ByteReader prefix(bytes.substr(8, 12));
    std::uint32_t crc = 0;
    std::uint64_t length = 0;
    prefix.get(crc);
    prefix.get(length);
    std::string_view body = bytes.substr(kPrefix);
    if (length != body.size()) return R::failure(ErrorKind::damaged, "checkpoint is truncated");
    if (journal_format::crc32c(body) != crc)
        return R::failure(ErrorKind::damaged, "checkpoint checksum mismatch");

    Checkpoint c;
    detail::ByteReader r(body);
    std::uint32_t count = 0;
    if (!r.get(c.seq) || !r.get(c.last_id) || !r.get(count))
        return R::failure(ErrorKind::damaged, "bad checkpoint");
    if (count > r.remaining() / 4)
        return R::failure(ErrorKind::damaged, "bad checkpoint incident count");
    c.open.reserve(count);
    std::string encoded;
    for (std::uint32_t k = 0; k < count; ++k) {
        if (!r.get_string(encoded, 64u << 20))
            return R::failure(ErrorKind::damaged, "bad checkpoint incident");
        auto message = wire::decode(encoded);
        if (!message) return message.because("bad checkpoint incident: ");
        if (v1) {
            auto* update = std::get_if<wire::IncidentUpdate>(&*message);
            if (!update) return R::failure(ErrorKind::damaged, "bad checkpoint incident kind");
            c.open.push_back({std::move(update->incident), {}});
            continue;
        }
        auto* open = std::get_if<wire::IncidentCase>(&*message);
        if (!open || !open->open)
            return R::failure(ErrorKind::damaged, "bad checkpoint incident kind");
        c.open.push_back({std::move(open->incident), std::move(open->history)});
    }
    if (!r.get(count) || count > r.remaining() / 16)
        return R::failure(ErrorKind::damaged, "bad checkpoint sources");
    c.closed.resize(count);
    for (auto& closed : c.closed) {
        if (!r.get_string(closed.source.department, kMaxString) ||
            !r.get_string(closed.source.source_id, kMaxString) || !r.get(closed.incident))
            return R::failure(ErrorKind::damaged, "bad checkpoint source");
    }
    if (r.remaining() != 0) return R::failure(ErrorKind::damaged, "trailing bytes in checkpoint");
    return c;
}

struct CheckpointWriter::Impl {
    std::filesystem::path directory, temporary;
    int fd = -1;
    bool finished = false;
    std::uint32_t open_expected = 0, closed_expected = 0;
    std::uint32_t open_added = 0, closed_added = 0;
    std::uint32_t crc = 0;
    std::uint64_t body_length = 0;
    std::string buffer;                           // body bytes not yet written
    off_t started = 0, waited = 0;                // write_back: file offsets handed to the disk
    wire::Message scratch{wire::IncidentCase{}};  // reused, so its strings keep their capacity

    ~Impl() {
        if (fd >= 0) ::close(fd);
        if (!finished && !temporary.empty()) ::unlink(temporary.c_str());
    }

    Result<void> write_all(const char* data, std::size_t size) {
        std::size_t written = 0;
        while (written < size) {
            ssize_t n = ::write(fd, data + written, size - written);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0)
                return Result<void>::failure(ErrorKind::io,
                                             errno_text("cannot write " + temporary.string()));
            written += static_cast<std::size_t>(n);
        }
        return {};
    }

    Result<void> flush() {
        crc = journal_format::crc32c_extend(
            crc, reinterpret_cast<const unsigned char*>(buffer.data()), buffer.size());
        body_length += buffer.size();
        auto written = write_all(buffer.data(), buffer.size());
        buffer.clear();
        if (written) write_back();
        return written;
    }

    // Hands what was written to the disk a few MiB at a time instead of all at the end: a
    // checkpoint of a million incidents is hundreds of MiB, and a backlog that size makes every
    // fdatasync of the journal (the ingest's own, at the same time) wait behind it. Waits for
    // the range before the last, so at most two are in flight, and drops them from the page
    // cache: nobody reads a checkpoint until the next start.
    void write_back() {
        constexpr off_t kRange = 8 << 20;
        const off_t end = ::lseek(fd, 0, SEEK_CUR);
        if (end < 0 || end - started < kRange) return;
        ::sync_file_range(fd, started, end - started, SYNC_FILE_RANGE_WRITE);
        if (started > waited) {
            ::sync_file_range(
                fd, waited, started - waited,
                SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
            ::posix_fadvise(fd, waited, started - waited, POSIX_FADV_DONTNEED);
            waited = started;
        }
        started = end;
    }

    Result<void> maybe_flush() {
        constexpr std::size_t kFlushBytes = 1u << 20;
        return buffer.size() >= kFlushBytes ? flush() : Result<void>();
    }

    // The closed sources' count follows the last open incident.
    void end_open_section() {
        if (open_added == open_expected) detail::ByteWriter(buffer).put(closed_expected);
    }
};

CheckpointWriter::CheckpointWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CheckpointWriter::~CheckpointWriter() = default;

Result<std::unique_ptr<CheckpointWriter>> CheckpointWriter::start(
    const std::filesystem::path& directory, std::uint64_t seq, std::uint64_t last_id,
    std::uint32_t open_count, std::uint32_t closed_count) {
    using R = Result<std::unique_ptr<CheckpointWriter>>;
    auto impl = std::make_unique<Impl>();
    impl->directory = directory;
    impl->temporary = directory / (std::string(kFileName) + ".tmp");
    impl->open_expected = open_count;
    impl->closed_expected = closed_count;
    impl->fd = ::open(impl->temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (impl->fd < 0)
        return R::failure(ErrorKind::io, errno_text("cannot create " + impl->temporary.string()));
    // The CRC and the body length are filled in by finish().
    std::string prefix(kMagic, sizeof kMagic);
    prefix.append(kPrefix - sizeof kMagic, '\0');
    if (auto written = impl->write_all(prefix.data(), prefix.size()); !written)
        return written.error_value();
    auto& scratch = std::get<wire::IncidentCase>(impl->scratch);
    scratch.seq = seq;
    scratch.open = true;
    detail::ByteWriter w(impl->buffer);
    w.put(seq);
    w.put(last_id);
    w.put(open_count);
    impl->end_open_section();
    return std::unique_ptr<CheckpointWriter>(new CheckpointWriter(std::move(impl)));
}

Result<void> CheckpointWriter::add_open(const Incident& incident, const CaseHistory& history) {
    Impl& s = *impl_;
    if (s.open_added == s.open_expected)
        return Result<void>::failure(ErrorKind::invalid,
                                     "checkpoint: more open incidents than announced");
    auto& scratch = std::get<wire::IncidentCase>(s.scratch);
    scratch.id = incident.id;
    scratch.incident = incident;
    scratch.history = history;
    detail::ByteWriter(s.buffer).put_string(wire::encode(s.scratch));
    ++s.open_added;
    s.end_open_section();
    return s.maybe_flush();
}

Result<void> CheckpointWriter::add_closed(std::string_view department, std::string_view source_id,
                                          std::uint64_t incident) {
    Impl& s = *impl_;
    if (s.open_added != s.open_expected || s.closed_added == s.closed_expected)
        return Result<void>::failure(ErrorKind::invalid,
                                     "checkpoint: closed sources out of order or too many");
    detail::ByteWriter w(s.buffer);
    w.put_string(department);
    w.put_string(source_id);
    w.put(incident);
    ++s.closed_added;
    return s.maybe_flush();
}

Result<void> CheckpointWriter::finish() {
    using R = Result<void>;
    Impl& s = *impl_;
    if (s.open_added != s.open_expected || s.closed_added != s.closed_expected)
        return R::failure(ErrorKind::invalid,
                          "checkpoint: fewer incidents or sources than announced");
    if (auto flushed = s.flush(); !flushed) return flushed;
    std::string header;
    detail::ByteWriter h(header);
    h.put(s.crc);
    h.put(s.body_length);
    if (::pwrite(s.fd, header.data(), header.size(), sizeof kMagic) !=
        static_cast<ssize_t>(header.size()))
        return R::failure(ErrorKind::io, errno_text("cannot write " + s.temporary.string()));
    if (::fsync(s.fd) != 0)
        return R::failure(ErrorKind::io, errno_text("cannot fsync " + s.temporary.string()));
    ::close(s.fd);
    s.fd = -1;
    if (::rename(s.temporary.c_str(), (s.directory / kFileName).c_str()) != 0)
        return R::failure(ErrorKind::io, errno_text("cannot rename checkpoint"));
    s.finished = true;
    int dir = ::open(s.directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return {};
}

Result<void> write_checkpoint(const std::filesystem::path& directory,
                              const Checkpoint& checkpoint) {
    auto writer = CheckpointWriter::start(directory, checkpoint.seq, checkpoint.last_id,
                                          static_cast<std::uint32_t>(checkpoint.open.size()),
                                          static_cast<std::uint32_t>(checkpoint.closed.size()));
    if (!writer) return writer.error_value();
    for (const auto& open : checkpoint.open)
        if (auto added = (*writer)->add_open(open.incident, open.history); !added) return added;
    for (const auto& c : checkpoint.closed)
        if (auto added = (*writer)->add_closed(c.source.department, c.source.source_id, c.incident);
            !added)
            return added;
    return (*writer)->finish();
}

Result<std::optional<Checkpoint>> read_checkpoint(const std::filesystem::path& directory) {
    std::ifstream in(directory / kFileName, std::ios::binary);
    if (!in) return std::optional<Checkpoint>();
    std::ostringstream bytes;
    bytes << in.rdbuf();
    auto checkpoint = decode_checkpoint(bytes.str());
    if (!checkpoint) return checkpoint.error_value();
    return std::optional<Checkpoint>(std::move(*checkpoint));
}

}  // namespace citywall
