#include "dead_letter.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace citywall::ingest {

std::string base64(std::string_view bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
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

DeadLetterFile::DeadLetterFile(const std::filesystem::path& path) {
    std::error_code ignored;
    std::filesystem::create_directories(path.parent_path(), ignored);
    file_ = std::fopen(path.c_str(), "ab");
}

DeadLetterFile::~DeadLetterFile() {
    if (file_) std::fclose(file_);
}

void DeadLetterFile::write(TimeMs time, std::string_view department, std::string_view reason,
                           std::string_view detail, std::string_view raw) {
    if (!file_) return;
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
    str(base64(raw));
    w.EndObject();
    std::fwrite(buffer.GetString(), 1, buffer.GetSize(), file_);
    std::fputc('\n', file_);
    std::fflush(file_);
}

}  // namespace citywall::ingest
