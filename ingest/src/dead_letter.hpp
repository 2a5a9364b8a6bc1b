// Rejected input kept for inspection: one JSON object per line with the department, the
// reason, and the raw message in base64 (it may not even be valid UTF-8).
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "citywall/incident.hpp"

namespace citywall::ingest {

class DeadLetterFile {
  public:
    explicit DeadLetterFile(const std::filesystem::path& path);
    ~DeadLetterFile();
    DeadLetterFile(const DeadLetterFile&) = delete;
    DeadLetterFile& operator=(const DeadLetterFile&) = delete;

    void write(TimeMs time, std::string_view department, std::string_view reason,
               std::string_view detail, std::string_view raw);
    bool ok() const { return file_ != nullptr; }

  private:
    std::FILE* file_ = nullptr;
};

std::string base64(std::string_view bytes);

}  // namespace citywall::ingest
