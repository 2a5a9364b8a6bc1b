#include "dead_letter.hpp"

#include <fcntl.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <system_error>
#include <utility>

#include "feed_fields.hpp"

namespace citywall::ingest {

namespace {

// Department codes come from the configuration; capped all the same so that no field can make
// a record unbounded.
constexpr std::size_t kNameBytes = 256;
// Windows of departments long silent are forgotten past this many, so the map stays small even
// if department names were ever taken from the input.
constexpr std::size_t kMaxWindows = 1024;

std::string system_error(int error) {
    return std::error_code(error, std::system_category()).message();
}

// The reject detail's own cut (a character boundary, "…" when cut, '?' for a byte that is not
// UTF-8), kept within max_bytes with the "…" included.
std::string capped_text(std::string_view text, std::size_t max_bytes) {
    constexpr std::size_t kEllipsis = 3;
    if (text.size() <= max_bytes) return utf8_prefix(text, max_bytes);
    if (max_bytes < kEllipsis) return {};
    return utf8_prefix(text, max_bytes - kEllipsis);
}

std::size_t base64_length(std::size_t bytes) {
    return (bytes + 2) / 3 * 4;
}

// One record, newline included. `kept` raw bytes go in base64; fewer than all of them marks the
// record truncated with the original length.
std::string record_line(TimeMs time, std::string_view department, std::string_view reason,
                        std::string_view detail, std::string_view raw, std::size_t kept) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    auto str = [&](std::string_view s) { w.String(s.data(), static_cast<unsigned>(s.size())); };
    w.StartObject();
    w.Key("time");
    w.Int64(time);
    w.Key("department");
    str(department);
    w.Key("reason");
    str(reason);
    w.Key("detail");
    str(detail);
    w.Key("raw_base64");
    str(base64(raw.substr(0, kept)));
    if (kept < raw.size()) {
        w.Key("raw_bytes");
        w.Uint64(raw.size());
        w.Key("truncated");
        w.Bool(true);
    }
    w.EndObject();
    std::string line(buffer.GetString(), buffer.GetSize());
    line.push_back('\n');
    return line;
}

// Writes all of `data` or reports how much went out before the error.
bool write_all(int fd, std::string_view data, std::size_t& written, int& error) {
    written = 0;
    while (written < data.size()) {
        const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = n < 0 ? errno : EIO;
            return false;
        }
        written += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

std::string base64(std::string_view bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve(base64_length(bytes.size()));
    for (std::size_t k = 0; k < bytes.size(); k += 3) {
        std::uint32_t chunk = static_cast<std::uint8_t>(bytes[k]) << 16;
        if (k + 1 < bytes.size()) chunk |= static_cast<std::uint8_t>(bytes[k + 1]) << 8;
        if (k + 2 < bytes.size()) chunk |= static_cast<std::uint8_t>(bytes[k + 2]);
        out.push_back(kAlphabet[(chunk >> 18) & 63]);
        out.push_back(kAlphabet[(chunk >> 12) & 63]);
        out.push_back(k + 1 < bytes.size() ? kAlphabet[(chunk >> 6) & 63] : '=');
        out.push_back(k + 2 < bytes.size() ? kAlphabet[chunk & 63] : '=');
    }
    return out;
}

DeadLetterFile::DeadLetterFile(const std::filesystem::path& path, DeadLetterLimits limits)
    : path_(path), limits_(limits) {
    std::error_code ignored;
    std::filesystem::create_directories(path_.parent_path(), ignored);
    (void)open_live();  // a failure shows in ok(); each write tries again
}

DeadLetterFile::~DeadLetterFile() {
    close_live();
}

std::filesystem::path DeadLetterFile::rotated_path() const {
    std::filesystem::path rotated = path_;
    rotated += ".1";
    return rotated;
}

Result<void> DeadLetterFile::open_live() {
    close_live();
    const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return Result<void>::failure(ErrorKind::io,
                                     "open " + path_.string() + ": " + system_error(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int error = errno;
        ::close(fd);
        return Result<void>::failure(ErrorKind::io,
                                     "stat " + path_.string() + ": " + system_error(error));
    }
    fd_ = fd;
    live_bytes_ = S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0;
    return {};
}

void DeadLetterFile::close_live() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

// Opens the file again when it is closed after a failure, or when the path no longer leads to
// the open file (removed, or moved away by hand), so records never go to a file nobody sees.
Result<void> DeadLetterFile::ensure_open() {
    if (fd_ >= 0) {
        struct stat open_file {};
        struct stat at_path {};
        if (::fstat(fd_, &open_file) == 0 && ::stat(path_.c_str(), &at_path) == 0 &&
            open_file.st_dev == at_path.st_dev && open_file.st_ino == at_path.st_ino)
            return {};
    }
    return open_live();
}

// The live file becomes <file>.1, replacing the one before, and a new live file starts.
Result<void> DeadLetterFile::rotate() {
    if (::rename(path_.c_str(), rotated_path().c_str()) != 0)
        return Result<void>::failure(ErrorKind::io,
                                     "rotate " + path_.string() + ": " + system_error(errno));
    ++counters_.rotations;
    return open_live();
}

Result<DeadLetterWritten> DeadLetterFile::fail(std::string reason) {
    ++counters_.write_failures;
    return Result<DeadLetterWritten>::failure(ErrorKind::invalid, std::move(reason));
}

bool DeadLetterFile::over_rate(TimeMs time, std::string_view department) {
    const TimeMs second = time / 1000;
    auto window = windows_.find(department);
    if (window == windows_.end()) {
        if (windows_.size() >= kMaxWindows) {
            for (auto it = windows_.begin(); it != windows_.end();)
                it = it->second.second == second ? std::next(it) : windows_.erase(it);
        }
        window = windows_.emplace(std::string(department), Window{second, 0}).first;
    }
    if (window->second.second != second) window->second = Window{second, 0};
    if (window->second.records >= limits_.per_department_per_second) return true;
    ++window->second.records;
    return false;
}

Result<DeadLetterWritten> DeadLetterFile::write(TimeMs time, std::string_view department,
                                                RejectReason reason, std::string_view detail,
                                                std::string_view raw, DeadLetterKeep keep) {
    const bool bounded = keep == DeadLetterKeep::bounded;
    if (bounded && limits_.per_department_per_second != 0 && over_rate(time, department)) {
        ++counters_.dropped;
        return DeadLetterWritten::dropped;
    }

    const std::string department_text = capped_text(department, kNameBytes);
    const std::string detail_text = capped_text(detail, limits_.detail_bytes);
    const std::uint64_t share = limits_.max_bytes / 2;
    std::size_t kept = bounded ? std::min(raw.size(), limits_.record_bytes) : raw.size();
    std::string line =
        record_line(time, department_text, to_string(reason), detail_text, raw, kept);
    if (line.size() > share) {
        // Keep as much of the raw message as fits in a file's half, or nothing if not even
        // the rest of the record fits.
        const std::string bare =
            record_line(time, department_text, to_string(reason), detail_text, raw, 0);
        if (bare.size() > share) {
            ++counters_.dropped;
            return DeadLetterWritten::dropped;
        }
        kept = std::min<std::uint64_t>(kept, (share - bare.size()) / 4 * 3);
        line = record_line(time, department_text, to_string(reason), detail_text, raw, kept);
    }

    if (auto opened = ensure_open(); !opened) return fail(opened.error());
    if (live_bytes_ + line.size() > share) {
        if (auto rotated = rotate(); !rotated) return fail(rotated.error());
    }
    std::size_t written = 0;
    int error = 0;
    if (!write_all(fd_, line, written, error)) {
        // Cut a partial line away so the file stays one whole record per line; the file is
        // opened again at the next write.
        if (written > 0) {
            [[maybe_unused]] const int cut = ::ftruncate(fd_, static_cast<off_t>(live_bytes_));
        }
        close_live();
        return fail("write " + path_.string() + ": " + system_error(error));
    }
    live_bytes_ += line.size();
    ++counters_.written;
    if (kept < raw.size()) ++counters_.truncated;
    return DeadLetterWritten::kept;
}

}  // namespace citywall::ingest
