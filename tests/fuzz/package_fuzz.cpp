// Fuzz target: a drill package from another centre (docs/drills.md, "Drill packages"): its
// archive and its manifest are read or refused, never a crash; every member read has a name that
// stays inside the folder it would be unpacked into, and holds the bytes its header says.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "drill_package.hpp"
#include "package_archive.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace citywall;
    using namespace citywall::ingest;
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    std::size_t at = 0;
    ArchiveReader reader([&](char* buffer, std::size_t want) -> Result<std::size_t> {
        const std::size_t n = std::min(want, bytes.size() - at);
        if (n > 0) std::memcpy(buffer, bytes.data() + at, n);
        at += n;
        return n;
    });
    char buffer[700];
    for (int members = 0; members < 10'000; ++members) {
        auto member = reader.next();
        if (!member || !*member) break;
        if (!safe_member_name((*member)->name)) std::abort();
        std::uint64_t content = 0;
        bool whole = true;
        for (;;) {
            auto got = reader.read(buffer, sizeof buffer);
            if (!got) whole = false;
            if (!got || *got == 0) break;
            content += *got;
        }
        if (whole ? content != (*member)->bytes : content > (*member)->bytes) std::abort();
    }
    auto manifest = parse_package_manifest(bytes, "manifest.toml");
    if (manifest) {
        for (const std::string* member : {&manifest->recording, &manifest->config})
            if (!safe_member_name(*member)) std::abort();
        for (const auto& [path, listed] : manifest->files)
            if (!safe_member_name(path)) std::abort();
        if (manifest->to < manifest->from) std::abort();
    } else if (manifest.error().rfind("manifest.toml", 0) != 0 &&
               manifest.error().rfind("line ", 0) != 0) {
        std::abort();  // always naming the file
    }
    return 0;
}
