// The journal's file handling: the writer (recovery on open, appends, segment rollover, group
// commit) and the reader. The byte format lives in journal_segment.cpp; docs/journal.md.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "citywall/journal.hpp"
#include "journal_files.hpp"
#include "journal_segment.hpp"

namespace citywall {
namespace {

namespace fs = std::filesystem;
namespace jf = journal_format;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kPrefix = "segment-";
constexpr std::string_view kSuffix = ".cwj";
constexpr std::size_t kSeqDigits = 20;
// A batch's encode buffer is kept for the next one up to this size, freed above it.
constexpr std::size_t kFrameBufferKeep = 4u << 20;

std::string errno_text(const std::string& what, const fs::path& path, int err) {
    return what + " " + path.string() + ": " + std::strerror(err);
}

// Closes a POSIX descriptor when it goes out of scope.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

  private:
    int fd_ = -1;
};

}  // namespace

namespace journal_files {

std::string segment_name(std::uint64_t first_seq) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "segment-%020llu.cwj",
                  static_cast<unsigned long long>(first_seq));
    return buf;
}

std::optional<std::uint64_t> parse_segment_name(std::string_view name) {
    if (name.size() != kPrefix.size() + kSeqDigits + kSuffix.size()) return std::nullopt;
    if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
    const std::string_view digits = name.substr(kPrefix.size(), kSeqDigits);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return value;
}

Result<std::vector<SegmentFile>> list_segments(const fs::path& directory) {
    std::vector<SegmentFile> segments;
    std::error_code ec;
    fs::directory_iterator it(directory, ec);
    if (ec)
        return Result<std::vector<SegmentFile>>::failure(
            ErrorKind::io, "cannot list journal " + directory.string() + ": " + ec.message());
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) break;
        const std::string name = it->path().filename().string();
        if (auto seq = parse_segment_name(name)) segments.push_back({*seq, it->path()});
    }
    if (ec)
        return Result<std::vector<SegmentFile>>::failure(
            ErrorKind::io, "cannot list journal " + directory.string() + ": " + ec.message());
    std::sort(segments.begin(), segments.end(),
              [](const SegmentFile& a, const SegmentFile& b) { return a.name_seq < b.name_seq; });
    return segments;
}

Result<std::string> read_file(const fs::path& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return Result<std::string>::failure(ErrorKind::io, errno_text("cannot open", path, errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return Result<std::string>::failure(ErrorKind::io, errno_text("cannot stat", path, errno));
    std::string bytes;
    bytes.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    for (;;) {
        if (got == bytes.size()) bytes.resize(bytes.size() + 4096);  // the file grew
        const ssize_t n = ::read(fd.get(), bytes.data() + got, bytes.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return Result<std::string>::failure(ErrorKind::io,
                                                errno_text("cannot read", path, errno));
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    bytes.resize(got);
    return bytes;
}

}  // namespace journal_files

namespace {

using journal_files::list_segments;
using journal_files::parse_segment_name;
using journal_files::read_file;
using journal_files::segment_name;
using journal_files::SegmentFile;

bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool sync_fd(int fd) {
    int rc;
    do {
        rc = ::fdatasync(fd);
    } while (rc != 0 && errno == EINTR);
    return rc == 0;
}

bool sync_directory(int dir_fd) {
    int rc;
    do {
        rc = ::fsync(dir_fd);
    } while (rc != 0 && errno == EINTR);
    return rc == 0;
}

// Copies damaged bytes to <segment>.damaged-<offset> for inspection (once); the segment keeps
// them too, since it is never rewritten.
Result<void> keep_damaged_bytes(std::string_view segment_bytes, const JournalDamage& damage) {
    fs::path aside = damage.segment;
    aside += ".damaged-" + std::to_string(damage.offset);
    std::error_code ec;
    if (fs::exists(aside, ec)) return {};
    Fd fd(::open(aside.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd.valid())
        return Result<void>::failure(ErrorKind::io, errno_text("cannot create", aside, errno));
    const std::string_view bad = segment_bytes.substr(damage.offset, damage.bytes);
    if (!write_all(fd.get(), bad.data(), bad.size()) || !sync_fd(fd.get()))
        return Result<void>::failure(ErrorKind::io, errno_text("cannot write", aside, errno));
    return {};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// JournalWriter

struct JournalWriter::Impl {
    JournalOptions options;
    JournalRecovery recovery;
    Fd dir_fd;  // held open for directory fsyncs and the writer lock (flock)

    std::mutex mutex;
    std::condition_variable wake;  // the sync thread waits on it
    Fd segment_fd;                 // the segment being appended to; invalid until needed
    std::uint64_t segment_size = 0;
    std::uint64_t segment_records = 0;
    std::uint64_t last_seq = 0;     // written or reserved: the next append is above it
    std::uint64_t written_seq = 0;  // the last record written
    std::uint64_t durable_seq = 0;  // the last record fdatasynced
    bool new_segment_next = false;  // numbering jumped: keep each segment's numbers consecutive
    Fd durable_event;               // eventfd, written when durable_seq rises
    bool sync_requested = false;
    std::string frame;  // reused encode buffer

    // Group commit: appends are counted; synced is the count made durable so far.
    std::uint64_t appended = 0;
    std::uint64_t synced = 0;
    Clock::time_point oldest_unsynced{};  // no later than the first append not yet synced
    std::string failure;                  // sticky: after a failed write/fsync, all fail
    bool stopping = false;
    std::thread sync_thread;

    Result<void> fail(std::string reason) {
        failure = std::move(reason);
        return Result<void>::failure(ErrorKind::io, failure);
    }

    // Makes every append counted so far durable. Called with the lock held; drops it during
    // the fdatasync so appends continue meanwhile (on a dup of the descriptor, so a rollover
    // that closes the segment cannot pull it away).
    Result<void> sync_locked(std::unique_lock<std::mutex>& lock) {
        if (!failure.empty()) return Result<void>::failure(ErrorKind::io, failure);
        sync_requested = false;
        if (synced >= appended || !segment_fd.valid()) return {};
        const std::uint64_t target = appended;
        const std::uint64_t target_seq = written_seq;
        const Clock::time_point started = Clock::now();
        Fd fd(::dup(segment_fd.get()));
        if (!fd.valid()) return fail(errno_text("cannot dup", options.directory, errno));
        lock.unlock();
        const bool ok = sync_fd(fd.get());
        const int err = errno;
        lock.lock();
        if (!ok) return fail(errno_text("fdatasync failed in", options.directory, err));
        synced = std::max(synced, target);
        // Appends that raced with the sync began no earlier than it did.
        if (synced < appended) oldest_unsynced = started;
        mark_durable(target_seq);
        return {};
    }

    void mark_durable(std::uint64_t seq) {
        if (seq <= durable_seq) return;
        durable_seq = seq;
        const std::uint64_t one = 1;
        (void)!::write(durable_event.get(), &one, sizeof one);
    }

    void sync_loop() {
        const auto interval = std::chrono::milliseconds(options.fsync_interval_ms);
        std::unique_lock<std::mutex> lock(mutex);
        while (!stopping) {
            if (!failure.empty() || synced >= appended) {
                wake.wait(lock);
                continue;
            }
            const Clock::time_point due = oldest_unsynced + interval;
            if (!sync_requested && Clock::now() < due) {
                wake.wait_until(lock, due);
                continue;
            }
            (void)sync_locked(lock);  // a failure is sticky and reported by append/sync
        }
    }

    // Checks every record, then writes their frames: one write() per segment they land in.
    Result<void> append_locked(const JournalRecord* records, std::size_t count,
                               std::unique_lock<std::mutex>& lock) {
        if (!failure.empty()) return Result<void>::failure(ErrorKind::io, failure);
        std::uint64_t previous = last_seq;
        for (std::size_t i = 0; i < count; ++i) {
            const JournalRecord& record = records[i];
            if (record.seq <= previous) {
                return Result<void>::failure(
                    ErrorKind::invalid, "journal append: seq " + std::to_string(record.seq) +
                                            " is not above last seq " + std::to_string(previous));
            }
            if (record.payload.size() > jf::kMaxPayload) {
                return Result<void>::failure(ErrorKind::invalid,
                                             "journal append: payload of " +
                                                 std::to_string(record.payload.size()) +
                                                 " bytes is too large");
            }
            previous = record.seq;
        }
        if (count == 0) return {};

        bool was_clean = synced >= appended;
        std::size_t next = 0;
        while (next < count) {
            // Start a segment where the next frame would take the current one past its size.
            const std::uint64_t first_size = jf::frame_size(records[next].payload.size());
            if (!segment_fd.valid() || new_segment_next ||
                (segment_records > 0 && segment_size + first_size > options.segment_bytes)) {
                auto started = start_segment(records[next].seq);
                if (!started) return started;
                if (synced >= appended) was_clean = true;  // the old segment was synced
            }
            // The frames that fit in this segment (at least one: it may be larger on its own).
            frame.clear();
            std::uint64_t size = segment_size;
            std::size_t end = next;
            while (end < count) {
                const std::uint64_t add = jf::frame_size(records[end].payload.size());
                if (end > next && size + add > options.segment_bytes) break;
                jf::encode_frame(records[end], frame);
                size += add;
                ++end;
            }
            if (!write_all(segment_fd.get(), frame.data(), frame.size())) {
                const int err = errno;
                // Leave no partial frame behind; if even that fails, refuse further appends.
                if (::ftruncate(segment_fd.get(), static_cast<off_t>(segment_size)) != 0)
                    return fail(errno_text("journal write failed (and could not undo) in",
                                           options.directory, err));
                if (frame.capacity() > kFrameBufferKeep) std::string().swap(frame);
                return Result<void>::failure(
                    ErrorKind::io, errno_text("journal write failed in", options.directory, err));
            }
            segment_size = size;
            segment_records += end - next;
            last_seq = written_seq = records[end - 1].seq;
            appended += end - next;
            next = end;
        }
        if (frame.capacity() > kFrameBufferKeep) std::string().swap(frame);
        const Clock::time_point now = Clock::now();
        if (was_clean) oldest_unsynced = now;

        const auto interval = std::chrono::milliseconds(options.fsync_interval_ms);
        if (options.fsync_interval_ms == 0 || now - oldest_unsynced >= interval)
            return sync_locked(lock);  // due now (the sync thread is behind)
        if (was_clean) {
            lock.unlock();
            wake.notify_one();
        }
        return {};
    }

    // Creates the segment that will start with seq, syncing and closing the current one.
    Result<void> start_segment(std::uint64_t first_seq) {
        if (segment_fd.valid()) {
            if (!sync_fd(segment_fd.get()))
                return fail(errno_text("fdatasync failed in", options.directory, errno));
            synced = appended;  // everything so far was in that segment
            mark_durable(written_seq);
            segment_fd.reset();
        }
        const fs::path path = options.directory / segment_name(first_seq);
        Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644));
        if (!fd.valid())
            return Result<void>::failure(ErrorKind::io, errno_text("cannot create", path, errno));
        const std::string header = jf::encode_header(first_seq);
        if (!write_all(fd.get(), header.data(), header.size()) || !sync_fd(fd.get())) {
            const int err = errno;
            fd.reset();
            ::unlink(path.c_str());
            return Result<void>::failure(ErrorKind::io,
                                         errno_text("cannot write header of", path, err));
        }
        if (!sync_directory(dir_fd.get()))
            return fail(errno_text("cannot fsync directory", options.directory, errno));
        segment_fd = std::move(fd);
        segment_size = header.size();
        segment_records = 0;
        new_segment_next = false;
        return {};
    }
};

JournalWriter::JournalWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

JournalWriter::~JournalWriter() {
    if (!impl_) return;
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->wake.notify_all();
    if (impl_->sync_thread.joinable()) impl_->sync_thread.join();
    std::unique_lock<std::mutex> lock(impl_->mutex);
    (void)impl_->sync_locked(lock);
}

const JournalRecovery& JournalWriter::recovery() const {
    return impl_->recovery;
}

std::uint64_t JournalWriter::last_seq() const {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    return impl_->last_seq;
}

std::uint64_t JournalWriter::durable_seq() const {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    return impl_->durable_seq;
}

int JournalWriter::durable_fd() const {
    return impl_->durable_event.get();
}

void JournalWriter::request_sync() {
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        if (impl_->synced >= impl_->appended) return;
        impl_->sync_requested = true;
    }
    impl_->wake.notify_one();
}

Result<std::unique_ptr<JournalWriter>> JournalWriter::open(const JournalOptions& options) {
    using R = Result<std::unique_ptr<JournalWriter>>;
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    if (impl->options.fsync_interval_ms < 0) impl->options.fsync_interval_ms = 0;
    const fs::path& dir = impl->options.directory;
    if (dir.empty()) return R::failure(ErrorKind::invalid, "journal directory not set");

    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        return R::failure(ErrorKind::io,
                          "cannot create journal " + dir.string() + ": " + ec.message());
    impl->dir_fd = Fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!impl->dir_fd.valid())
        return R::failure(ErrorKind::io, errno_text("cannot open", dir, errno));
    if (::flock(impl->dir_fd.get(), LOCK_EX | LOCK_NB) != 0) {
        return R::failure(ErrorKind::io,
                          errno == EWOULDBLOCK
                              ? "journal " + dir.string() + " is open by another writer"
                              : errno_text("cannot lock", dir, errno));
    }

    auto listed = list_segments(dir);
    if (!listed) return listed.error_value();
    std::vector<SegmentFile> segments = std::move(*listed);
    JournalRecovery& rec = impl->recovery;
    bool changed_directory = false;

    // Trailing segments holding no intact record are leftovers of a crash (a torn or bare
    // header) and are removed, or foreign/damaged files and are renamed aside; then the last
    // segment with records has its torn tail cut off and becomes the append target. Damage with
    // intact records after it is not a tail: it is kept, and reported.
    bool append_to_last = false;
    std::uint64_t reserve = 0;  // the highest number that bytes cut or set aside could hold
    auto reserve_for = [&reserve](std::uint64_t before, std::uint64_t bytes) {
        // A writer numbers a segment's records consecutively and a frame is 26 bytes at least.
        reserve = std::max(reserve, before + bytes / jf::kFrameHeaderSize);
    };
    while (!segments.empty()) {
        const SegmentFile& seg = segments.back();
        auto bytes = read_file(seg.path);
        if (!bytes) return bytes.error_value();
        const auto header = jf::decode_header(*bytes);
        std::uint64_t records = 0;
        std::uint64_t seg_last = 0;
        SegmentScan scan = scan_segment(*bytes, [&](JournalRecord&& r) {
            ++records;
            seg_last = r.seq;
        });
        if (header && header->first_seq == seg.name_seq) {
            const std::uint64_t tail = bytes->size() - scan.valid_bytes;
            if (records == 0) {
                // A bare header (crash before the first record landed) plus any torn frame.
                rec.truncated_bytes += tail;
                reserve_for(seg.name_seq - (seg.name_seq > 0), tail);
                if (::unlink(seg.path.c_str()) != 0)
                    return R::failure(ErrorKind::io, errno_text("cannot remove", seg.path, errno));
                changed_directory = true;
                segments.pop_back();
                continue;
            }
            if (tail > 0) {
                Fd fd(::open(seg.path.c_str(), O_WRONLY | O_CLOEXEC));
                if (!fd.valid() ||
                    ::ftruncate(fd.get(), static_cast<off_t>(scan.valid_bytes)) != 0 ||
                    ::fsync(fd.get()) != 0)
                    return R::failure(ErrorKind::io,
                                      errno_text("cannot truncate torn tail of", seg.path, errno));
                rec.truncated_bytes += tail;
                reserve_for(seg_last, tail);
            }
            for (JournalDamage& damage : scan.damage) {
                damage.segment = seg.path;
                if (auto kept = keep_damaged_bytes(*bytes, damage); !kept)
                    return kept.error_value();
                rec.damage.push_back(std::move(damage));
            }
            rec.records += records;
            rec.last_seq = std::max(rec.last_seq, seg_last);
            ++rec.segments;
            append_to_last = true;
            break;
        }
        if (!header && jf::is_header_prefix(*bytes)) {
            rec.truncated_bytes += bytes->size();  // torn while being created
            if (::unlink(seg.path.c_str()) != 0)
                return R::failure(ErrorKind::io, errno_text("cannot remove", seg.path, errno));
        } else {
            // Not ours to cut: keep the bytes under a name the journal ignores.
            fs::path aside = seg.path;
            aside += ".damaged";
            for (int n = 1; fs::exists(aside, ec); ++n) {
                aside = seg.path;
                aside += ".damaged." + std::to_string(n);
            }
            if (::rename(seg.path.c_str(), aside.c_str()) != 0)
                return R::failure(ErrorKind::io, errno_text("cannot move aside", seg.path, errno));
            ++rec.damaged_segments;
            reserve_for(seg.name_seq - (seg.name_seq > 0), bytes->size());
        }
        changed_directory = true;
        segments.pop_back();
    }
    if (changed_directory && !sync_directory(impl->dir_fd.get()))
        return R::failure(ErrorKind::io, errno_text("cannot fsync directory", dir, errno));

    // Earlier segments are not read here, so opening stays fast however long the journal is:
    // the last segment alone holds the last sequence number. A reader finds and reports damage
    // in earlier segments; nothing there is ever cut.
    const std::size_t earlier = append_to_last ? segments.size() - 1 : segments.size();
    rec.segments += earlier;
    if (!append_to_last && earlier > 0) {
        // Every later segment was cut away: the last sequence is in the one before them.
        auto bytes = read_file(segments[earlier - 1].path);
        if (!bytes) return bytes.error_value();
        std::uint64_t seg_last = 0;
        scan_segment(*bytes, [&](JournalRecord&& r) { seg_last = r.seq; });
        rec.last_seq = std::max(rec.last_seq, seg_last);
    }
    impl->written_seq = impl->durable_seq = rec.last_seq;
    if (reserve > rec.last_seq) {
        rec.reserved_through = reserve;
        impl->new_segment_next = true;
    }
    impl->last_seq = std::max(rec.last_seq, reserve);

    if (append_to_last) {
        const fs::path& path = segments.back().path;
        impl->segment_fd = Fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
        if (!impl->segment_fd.valid())
            return R::failure(ErrorKind::io, errno_text("cannot open", path, errno));
        struct stat st {};
        if (::fstat(impl->segment_fd.get(), &st) != 0)
            return R::failure(ErrorKind::io, errno_text("cannot stat", path, errno));
        impl->segment_size = static_cast<std::uint64_t>(st.st_size);
        impl->segment_records = 1;  // it has records: a rollover may follow at once
        // What a killed writer left in the page cache is made durable before anything counts
        // on it (durable_seq).
        if (!sync_fd(impl->segment_fd.get()))
            return R::failure(ErrorKind::io, errno_text("fdatasync failed in", dir, errno));
    }
    impl->durable_event = Fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!impl->durable_event.valid())
        return R::failure(ErrorKind::io, errno_text("eventfd for", dir, errno));

    Impl* raw = impl.get();
    if (raw->options.fsync_interval_ms > 0)
        raw->sync_thread = std::thread([raw] { raw->sync_loop(); });
    return std::unique_ptr<JournalWriter>(new JournalWriter(std::move(impl)));
}

Result<void> JournalWriter::append(const JournalRecord& record) {
    std::unique_lock<std::mutex> lock(impl_->mutex);
    return impl_->append_locked(&record, 1, lock);
}

Result<void> JournalWriter::append_batch(const std::vector<JournalRecord>& records) {
    std::unique_lock<std::mutex> lock(impl_->mutex);
    return impl_->append_locked(records.data(), records.size(), lock);
}

bool JournalWriter::broken() const {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    return !impl_->failure.empty();
}

Result<void> JournalWriter::sync() {
    std::unique_lock<std::mutex> lock(impl_->mutex);
    return impl_->sync_locked(lock);
}

// ---------------------------------------------------------------------------------------------
// JournalReader

struct JournalReader::Impl {
    static constexpr std::size_t kMaxDamage = 1024;

    std::vector<SegmentFile> segments;
    std::size_t next_segment = 0;
    std::string bytes;  // the segment being read
    const SegmentFile* segment = nullptr;
    std::optional<jf::FrameCursor> cursor;
    std::uint64_t last_seq = 0;
    std::uint64_t skip_through = 0;  // records up to here were asked to be left out
    JournalReadStats stats;
    std::vector<JournalDamage> damage;
    // Damage waiting for the next intact record, which says what it may have held; damage
    // followed by none is a torn tail, not reported.
    std::vector<JournalDamage> open_damage;

    const SegmentFile* counted_bad = nullptr;

    void found_damage(std::uint64_t offset, std::uint64_t size) {
        if (!open_damage.empty() && open_damage.back().segment == segment->path &&
            open_damage.back().offset + open_damage.back().bytes == offset) {
            open_damage.back().bytes += size;  // one stretch, met a frame at a time
            return;
        }
        ++stats.corrupt_records;
        if (counted_bad != segment) ++stats.bad_segments;
        counted_bad = segment;
        open_damage.push_back({segment->path, offset, size, last_seq, 0});
    }
    void found_record(std::uint64_t seq) {
        for (JournalDamage& d : open_damage) {
            d.before_seq = seq;
            // Damage that can only have held records the caller skipped does not matter.
            if (seq - 1 > skip_through && damage.size() < kMaxDamage)
                damage.push_back(std::move(d));
        }
        open_damage.clear();
    }

    // Loads the next segment with a good header; false at the end of the journal.
    bool load_next() {
        cursor.reset();
        bytes.clear();
        while (next_segment < segments.size()) {
            segment = &segments[next_segment++];
            auto read = read_file(segment->path);
            if (!read) {
                found_damage(0, 0);
                continue;
            }
            bytes = std::move(*read);
            const auto header = jf::decode_header(bytes);
            if (!header || header->first_seq != segment->name_seq) {
                found_damage(0, bytes.size());
                bytes.clear();
                continue;
            }
            cursor.emplace(bytes, *header);
            return true;
        }
        return false;
    }
};

JournalReader::JournalReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JournalReader::~JournalReader() = default;

Result<std::unique_ptr<JournalReader>> JournalReader::open(const std::filesystem::path& directory,
                                                           std::uint64_t after_seq) {
    using R = Result<std::unique_ptr<JournalReader>>;
    std::error_code ec;
    if (!fs::is_directory(directory, ec))
        return R::failure(ErrorKind::invalid,
                          "journal " + directory.string() + " is not a directory");
    auto listed = list_segments(directory);
    if (!listed) return listed.error_value();
    auto impl = std::make_unique<Impl>();
    impl->segments = std::move(*listed);
    // A segment holds only records below the next segment's first sequence number, so every
    // segment followed by one that starts at or before after_seq + 1 can be skipped unread.
    std::size_t first = 0;
    while (first + 1 < impl->segments.size() && impl->segments[first + 1].name_seq <= after_seq + 1)
        ++first;
    impl->segments.erase(impl->segments.begin(),
                         impl->segments.begin() + static_cast<std::ptrdiff_t>(first));
    impl->skip_through = after_seq;
    return std::unique_ptr<JournalReader>(new JournalReader(std::move(impl)));
}

std::optional<JournalRecord> JournalReader::next() {
    Impl& s = *impl_;
    for (;;) {
        if (!s.cursor && !s.load_next()) return std::nullopt;
        JournalRecord record;
        const std::size_t at = s.cursor->offset();
        const jf::FrameCursor::Step step = s.cursor->next(record);
        if (step == jf::FrameCursor::Step::end) {
            s.cursor.reset();
            continue;
        }
        if (step == jf::FrameCursor::Step::record && record.seq > s.last_seq) {
            s.last_seq = record.seq;
            s.found_record(record.seq);
            if (record.seq <= s.skip_through) continue;
            ++s.stats.records;
            return record;
        }
        // Damaged, or out of order with an earlier segment: read on past it in this segment.
        if (step == jf::FrameCursor::Step::record) {
            s.found_damage(at, s.cursor->offset() - at);
            continue;
        }
        if (!s.cursor->resync()) {
            s.found_damage(at, s.bytes.size() - at);
            s.cursor.reset();
            continue;
        }
        s.found_damage(at, s.cursor->offset() - at);
    }
}

const std::vector<JournalDamage>& JournalReader::damage() const {
    return impl_->damage;
}

const JournalReadStats& JournalReader::stats() const {
    return impl_->stats;
}

}  // namespace citywall
