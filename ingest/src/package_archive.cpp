// A drill package's archive: ustar headers of 512 bytes, each member's content padded to a
// block, two zero blocks at the end (POSIX.1-1988), through zlib's gz* calls, which read a plain
// file as it is and write one with mode "T".
#include "package_archive.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>
#include <fstream>

#include "citywall/utf8.hpp"

namespace citywall::ingest {

namespace {

constexpr std::size_t kBlock = 512;
constexpr const char* kCutShort = "the archive ends in the middle: was it cut short?";
using Block = std::array<char, kBlock>;

struct GzCloser {
    void operator()(gzFile_s* file) const {
        if (file) gzclose(file);
    }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

std::string gz_problem(gzFile file) {
    int code = 0;
    const char* text = gzerror(file, &code);
    return code == Z_ERRNO ? std::strerror(errno) : (text ? text : "unknown");
}

bool compressed_name(const std::filesystem::path& path) {
    const std::string name = path.filename().string();
    return name.ends_with(".gz") || name.ends_with(".tgz");
}

void put_octal(char* field, std::size_t width, std::uint64_t value) {
    // width - 1 digits and a NUL, zero-filled, as POSIX writes them.
    for (std::size_t k = width - 1; k-- > 0; value >>= 3)
        field[k] = static_cast<char>('0' + (value & 7));
    field[width - 1] = '\0';
}

std::uint64_t checksum(const Block& block) {
    std::uint64_t sum = 0;
    for (std::size_t k = 0; k < kBlock; ++k)
        sum += (k >= 148 && k < 156) ? ' ' : static_cast<unsigned char>(block[k]);
    return sum;
}

// Old tars summed signed chars; a header either way is read.
std::uint64_t signed_checksum(const Block& block) {
    std::int64_t sum = 0;
    for (std::size_t k = 0; k < kBlock; ++k)
        sum += (k >= 148 && k < 156) ? ' ' : static_cast<signed char>(block[k]);
    return static_cast<std::uint64_t>(sum);
}

// An octal field: digits, optionally led by spaces, ended by a space or NUL; nothing if it is
// not one (or needs the base-256 form, which no package's member does).
std::optional<std::uint64_t> read_octal(const char* field, std::size_t width) {
    std::size_t k = 0;
    while (k < width && field[k] == ' ')
        ++k;
    std::uint64_t value = 0;
    std::size_t digits = 0;
    for (; k < width && field[k] >= '0' && field[k] <= '7'; ++k, ++digits) {
        if (value > (UINT64_MAX >> 3)) return std::nullopt;
        value = value * 8 + static_cast<std::uint64_t>(field[k] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (; k < width; ++k)
        if (field[k] != ' ' && field[k] != '\0') return std::nullopt;
    return value;
}

std::string bounded(const char* field, std::size_t width) {
    return std::string(field, strnlen(field, width));
}

std::string_view kind_name(char flag) {
    switch (flag) {
        case '1':
            return "a hard link";
        case '2':
            return "a symbolic link";
        case '3':
        case '4':
            return "a device";
        case '6':
            return "a pipe";
        case 'x':
        case 'g':
            return "a pax header";
        case 'L':
        case 'K':
            return "a GNU long name";
        default:
            return "not a plain file";
    }
}

}  // namespace

std::uint32_t crc_of(std::uint32_t crc, const char* bytes, std::size_t size) {
    while (size > 0) {
        const auto chunk = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
        crc = static_cast<std::uint32_t>(crc32(crc, reinterpret_cast<const Bytef*>(bytes), chunk));
        bytes += chunk;
        size -= chunk;
    }
    return crc;
}

bool safe_member_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxMemberName || name.front() == '/' || !is_valid_utf8(name))
        return false;
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f || c == '\\') return false;
    std::size_t start = 0;
    while (start <= name.size()) {
        const std::size_t end = std::min(name.find('/', start), name.size());
        const std::string_view part = name.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") return false;
        start = end + 1;
    }
    return true;
}

// ---- writing ------------------------------------------------------------------------------

struct ArchiveWriter::Impl {
    std::filesystem::path path, part;
    GzFile out;
    bool finished = false;

    Result<void> write(const char* bytes, std::size_t size) {
        while (size > 0) {
            const auto chunk = static_cast<unsigned>(std::min<std::size_t>(size, 1u << 20));
            if (gzwrite(out.get(), bytes, chunk) != static_cast<int>(chunk))
                return Result<void>::failure(ErrorKind::io,
                                             part.string() + ": " + gz_problem(out.get()));
            bytes += chunk;
            size -= chunk;
        }
        return {};
    }

    Result<void> header(std::string_view name, std::uint64_t bytes) {
        if (!safe_member_name(name))
            return Result<void>::failure(
                ErrorKind::invalid,
                "a package member may not be named \"" + repaired_utf8(name) + "\"");
        if (bytes > kMaxMemberBytes)
            return Result<void>::failure(ErrorKind::unsupported,
                                         std::string(name) +
                                             ": larger than a package member may "
                                             "be (8 GiB)");
        Block block{};
        // Names over 100 bytes are split at a '/' into the prefix and name fields.
        std::string_view prefix, rest = name;
        if (name.size() > 100) {
            const std::size_t cut = name.rfind('/', 155);
            if (cut == std::string_view::npos || name.size() - cut - 1 > 100 || cut == 0)
                return Result<void>::failure(ErrorKind::unsupported,
                                             std::string(name) +
                                                 ": a name the archive cannot hold (a part over "
                                                 "100 bytes)");
            prefix = name.substr(0, cut);
            rest = name.substr(cut + 1);
        }
        std::copy(rest.begin(), rest.end(), block.begin());
        put_octal(block.data() + 100, 8, 0644);
        put_octal(block.data() + 108, 8, 0);
        put_octal(block.data() + 116, 8, 0);
        put_octal(block.data() + 124, 12, bytes);
        put_octal(block.data() + 136, 12, static_cast<std::uint64_t>(std::time(nullptr)));
        block[156] = '0';
        std::memcpy(block.data() + 257, "ustar", 6);
        std::memcpy(block.data() + 263, "00", 2);
        std::copy(prefix.begin(), prefix.end(), block.begin() + 345);
        put_octal(block.data() + 148, 7, checksum(block));
        block[155] = ' ';
        return write(block.data(), kBlock);
    }

    Result<void> pad(std::uint64_t bytes) {
        const std::size_t padding = (kBlock - bytes % kBlock) % kBlock;
        static const Block zeros{};
        return write(zeros.data(), padding);
    }
};

ArchiveWriter::ArchiveWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ArchiveWriter::~ArchiveWriter() {
    if (impl_ && !impl_->finished) {
        impl_->out.reset();
        std::error_code ec;
        std::filesystem::remove(impl_->part, ec);
    }
}

Result<std::unique_ptr<ArchiveWriter>> ArchiveWriter::create(const std::filesystem::path& path) {
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->part = path;
    impl->part += ".part";
    impl->out.reset(gzopen(impl->part.c_str(), compressed_name(path) ? "wb6" : "wbT"));
    if (!impl->out)
        return Result<std::unique_ptr<ArchiveWriter>>::failure(
            ErrorKind::io, impl->part.string() + ": " + std::strerror(errno));
    return std::unique_ptr<ArchiveWriter>(new ArchiveWriter(std::move(impl)));
}

Result<std::uint32_t> ArchiveWriter::add_bytes(std::string_view name, std::string_view bytes) {
    if (auto written = impl_->header(name, bytes.size()); !written) return written.error_value();
    if (auto written = impl_->write(bytes.data(), bytes.size()); !written)
        return written.error_value();
    if (auto padded = impl_->pad(bytes.size()); !padded) return padded.error_value();
    return crc_of(0, bytes.data(), bytes.size());
}

Result<std::uint32_t> ArchiveWriter::add_file(std::string_view name,
                                              const std::filesystem::path& from) {
    std::error_code ec;
    const std::uint64_t bytes = std::filesystem::file_size(from, ec);
    if (ec)
        return Result<std::uint32_t>::failure(ErrorKind::io, from.string() + ": " + ec.message());
    return add_file(name, from, bytes);
}

Result<std::uint32_t> ArchiveWriter::add_file(std::string_view name,
                                              const std::filesystem::path& from,
                                              std::uint64_t bytes) {
    using R = Result<std::uint32_t>;
    std::ifstream in(from, std::ios::binary);
    if (!in) return R::failure(ErrorKind::io, from.string() + ": cannot be read");
    if (auto written = impl_->header(name, bytes); !written) return written.error_value();
    std::uint32_t crc = 0;
    std::string buffer(1u << 20, '\0');
    std::uint64_t left = bytes;
    while (left > 0) {
        const auto chunk =
            static_cast<std::streamsize>(std::min<std::uint64_t>(left, buffer.size()));
        if (!in.read(buffer.data(), chunk))
            return R::failure(ErrorKind::io, from.string() + ": changed while it was packaged");
        if (auto written = impl_->write(buffer.data(), static_cast<std::size_t>(chunk)); !written)
            return written.error_value();
        crc = crc_of(crc, buffer.data(), static_cast<std::size_t>(chunk));
        left -= static_cast<std::uint64_t>(chunk);
    }
    if (auto padded = impl_->pad(bytes); !padded) return padded.error_value();
    return crc;
}

Result<void> ArchiveWriter::finish() {
    static const Block zeros{};
    for (int k = 0; k < 2; ++k)
        if (auto written = impl_->write(zeros.data(), kBlock); !written) return written;
    if (gzclose(impl_->out.release()) != Z_OK)
        return Result<void>::failure(ErrorKind::io, impl_->part.string() + ": not written whole");
    std::error_code ec;
    std::filesystem::rename(impl_->part, impl_->path, ec);
    if (ec) return Result<void>::failure(ErrorKind::io, impl_->path.string() + ": " + ec.message());
    impl_->finished = true;
    return {};
}

// ---- reading ------------------------------------------------------------------------------

ArchiveReader::ArchiveReader(Source source) : source_(std::move(source)) {}

Result<std::unique_ptr<ArchiveReader>> ArchiveReader::open(const std::filesystem::path& path) {
    std::shared_ptr<gzFile_s> in(gzopen(path.c_str(), "rb"), GzCloser{});
    if (!in)
        return Result<std::unique_ptr<ArchiveReader>>::failure(
            errno == ENOENT ? ErrorKind::not_found : ErrorKind::io,
            path.string() + ": " + std::strerror(errno));
    gzbuffer(in.get(), 1u << 17);
    return std::make_unique<ArchiveReader>([in, path](char* buffer,
                                                      std::size_t size) -> Result<std::size_t> {
        const int got =
            gzread(in.get(), buffer, static_cast<unsigned>(std::min<std::size_t>(size, 1u << 30)));
        if (got < 0)
            return Result<std::size_t>::failure(ErrorKind::damaged,
                                                path.string() + ": " + gz_problem(in.get()));
        return static_cast<std::size_t>(got);
    });
}

Result<void> ArchiveReader::fill(char* buffer, std::size_t size) {
    while (size > 0) {
        auto got = source_(buffer, size);
        if (!got) return got.error_value();
        if (*got == 0) return Result<void>::failure(ErrorKind::damaged, kCutShort);
        buffer += *got;
        size -= *got;
    }
    return {};
}

Result<void> ArchiveReader::skip(std::uint64_t bytes) {
    char buffer[4096];
    while (bytes > 0) {
        const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(bytes, sizeof buffer));
        if (auto got = fill(buffer, chunk); !got) return got;
        bytes -= chunk;
    }
    return {};
}

Result<std::optional<ArchiveMember>> ArchiveReader::next() {
    using R = Result<std::optional<ArchiveMember>>;
    const auto refuse = [&](ErrorKind kind, std::string why) {
        failure_ = std::move(why);
        return R::failure(kind, failure_);
    };
    if (!failure_.empty()) return R::failure(ErrorKind::damaged, failure_);
    if (ended_) return std::optional<ArchiveMember>();
    if (auto skipped = skip(left_ + padding_); !skipped)
        return refuse(ErrorKind::damaged, skipped.error());
    left_ = padding_ = 0;
    Block block;
    if (auto got = fill(block.data(), kBlock); !got)
        return refuse(ErrorKind::damaged,
                      got.error() == kCutShort
                          ? "the archive ends without its end marker: was it cut short?"
                          : got.error());
    if (std::all_of(block.begin(), block.end(), [](char c) { return c == '\0'; })) {
        ended_ = true;
        return std::optional<ArchiveMember>();
    }
    const auto stored = read_octal(block.data() + 148, 8);
    if (!stored || (*stored != checksum(block) && *stored != signed_checksum(block)))
        return refuse(ErrorKind::damaged,
                      "a header's checksum is wrong: the archive is damaged or not a tar file");
    if (std::memcmp(block.data() + 257, "ustar", 5) != 0)
        return refuse(ErrorKind::unsupported, "not a ustar archive (an old tar format)");
    ArchiveMember member;
    const std::string prefix = bounded(block.data() + 345, 155);
    member.name = bounded(block.data(), 100);
    if (!prefix.empty()) member.name = prefix + "/" + member.name;
    const char flag = block[156];
    member.folder = flag == '5';
    if (member.folder && member.name.ends_with('/')) member.name.pop_back();
    const std::string shown = repaired_utf8(utf8_prefix(member.name, kMaxMemberName));
    if (flag != '0' && flag != '\0' && !member.folder)
        return refuse(ErrorKind::unsupported, "member \"" + shown + "\" is " +
                                                  std::string(kind_name(flag)) +
                                                  ": a drill package holds plain files only");
    if (!safe_member_name(member.name))
        return refuse(ErrorKind::refused, "member \"" + shown +
                                              "\" has a name that could write outside the "
                                              "folder it is unpacked into");
    const auto size = read_octal(block.data() + 124, 12);
    if (!size || *size > kMaxMemberBytes || (member.folder && *size != 0))
        return refuse(ErrorKind::damaged, "member \"" + shown + "\" has no size that is one");
    member.bytes = *size;
    left_ = *size;
    padding_ = (kBlock - *size % kBlock) % kBlock;
    return std::optional<ArchiveMember>(std::move(member));
}

Result<std::size_t> ArchiveReader::read(char* buffer, std::size_t size) {
    if (!failure_.empty()) return Result<std::size_t>::failure(ErrorKind::damaged, failure_);
    const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(size, left_));
    if (auto got = fill(buffer, chunk); !got) {
        failure_ = got.error();
        return got.error_value();
    }
    left_ -= chunk;
    return chunk;
}

}  // namespace citywall::ingest
