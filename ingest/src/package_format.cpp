// What a drill package is on disk: its manifest's schema, the checks of its recording's pictures.
#include "package_format.hpp"

#include <cinttypes>
#include <cstdio>

#include "citywall/replay.hpp"
#include "state_file.hpp"

namespace citywall::ingest::package {

namespace {

constexpr toml_schema::Key kPackageKeys[] = {
    {"format", toml_schema::Type::integer},
    {"made", toml_schema::Type::string},
    {"recording", toml_schema::Type::string},
    {"from", toml_schema::Type::string},
    {"to", toml_schema::Type::string},
    {"from_ms", toml_schema::Type::integer},
    {"to_ms", toml_schema::Type::integer},
    {"records", toml_schema::Type::integer},
    {"picture_records", toml_schema::Type::integer},
    {"picture_at_start", toml_schema::Type::string},
    {"picture_at_end", toml_schema::Type::string},
    {"config", toml_schema::Type::string},
    {"wall_config", toml_schema::Type::string},
    {"scenario", toml_schema::Type::string},
    {"keys", toml_schema::Type::strings},
};
constexpr toml_schema::Key kFileKeys[] = {{"path", toml_schema::Type::string},
                                          {"bytes", toml_schema::Type::integer},
                                          {"crc32", toml_schema::Type::string}};
constexpr toml_schema::Key kManifestSections[] = {
    {"package", toml_schema::Type::table, kPackageKeys},
    {"file", toml_schema::Type::tables, kFileKeys},
};

}  // namespace

std::span<const toml_schema::Key> manifest_schema() {
    return kManifestSections;
}

std::string hex(std::uint64_t value, int digits) {
    char text[24];
    std::snprintf(text, sizeof text, "%0*" PRIx64, digits, value);
    return text;
}

std::optional<std::uint64_t> read_hex(std::string_view text) {
    if (text.empty() || text.size() > 16) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : text) {
        const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (digit < 0) return std::nullopt;
        value = value * 16 + static_cast<std::uint64_t>(digit);
    }
    return value;
}

Result<toml::table> parse_checked(std::string_view text, const std::string& file,
                                  std::span<const toml_schema::Key> schema) {
    using R = Result<toml::table>;
    toml::table root;
    try {
        root = toml::parse(text, std::string_view(file));
    } catch (const toml::parse_error& e) {
        return R::failure(ErrorKind::invalid,
                          toml_schema::location(file, e.source()) + std::string(e.description()));
    }
    if (auto mistakes = toml_schema::check(root, schema, file); !mistakes.empty())
        return R::failure(ErrorKind::invalid, mistakes);
    return root;
}

Result<toml::table> read_checked(const std::filesystem::path& file,
                                 std::span<const toml_schema::Key> schema) {
    auto text = read_whole_file(file);
    if (!text) return text.error_value();  // it names the file
    return parse_checked(*text, file.string(), schema);
}

Result<PictureDigests> picture_digests(const std::filesystem::path& journal, TimeMs from,
                                       TimeMs to) {
    auto picture = RecordedPicture::open(journal);
    if (!picture) return picture.error_value();
    if (auto sought = picture->seek(from); !sought) return sought.error_value();
    PictureDigests digests;
    digests.start = picture->digest();
    picture->play_through(to);
    if (!picture->cursor().failure().empty())
        return Result<PictureDigests>::failure(ErrorKind::damaged, picture->cursor().failure());
    digests.end = picture->digest();
    return digests;
}

ScratchFolder::~ScratchFolder() {
    std::error_code ec;
    if (!keep && !path.empty()) std::filesystem::remove_all(path, ec);
}

}  // namespace citywall::ingest::package
