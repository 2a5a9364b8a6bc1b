#include "citywall/time_zone.hpp"

#include <date/tz.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <system_error>

namespace citywall {

namespace {

constexpr std::string_view kZoneDirectory = "/usr/share/zoneinfo/";

}  // namespace

Result<TimeZone> TimeZone::find(std::string_view name) {
    const std::string invalid = "\"" + std::string(name) +
                                "\" is not a time zone of the system's database (an IANA name "
                                "such as \"Asia/Shanghai\")";
    if (name.empty()) return Error{ErrorKind::invalid, invalid};
    try {
        // The database's list of zones is read once, on first use, behind a static (thread-safe)
        // initialisation.
        if (date::get_tzdb().zones.empty())
            return Error{ErrorKind::not_found,
                         "no time zone database in " + std::string(kZoneDirectory)};
    } catch (const std::exception& e) {
        return Error{ErrorKind::not_found,
                     "no time zone database in " + std::string(kZoneDirectory) + ": " + e.what()};
    }
    TimeZone found;
    try {
        found.zone_ = date::locate_zone(name);
        // A zone's file is read on its first use: read it now, so that a damaged one is an error
        // here and no message waits for a file.
        (void)found.zone_->get_info(date::sys_seconds{});
    } catch (const std::exception&) {
        return Error{ErrorKind::invalid, invalid};
    }
    found.name_ = std::string(name);
    return found;
}

Result<std::string> TimeZone::machine_zone_name() {
    if (const char* tz = std::getenv("TZ"); tz && *tz) {
        std::string_view name = tz;
        if (name.front() == ':') name.remove_prefix(1);  // ":Asia/Shanghai", as glibc reads it
        if (name.starts_with(kZoneDirectory)) name.remove_prefix(kZoneDirectory.size());
        if (auto zone = find(name)) return zone->name();
        return Error{ErrorKind::invalid, "the machine's zone TZ=\"" + std::string(tz) +
                                             "\" is not an IANA zone name of the system's "
                                             "database; name the zone"};
    }
    // No /etc/localtime: the C library's local time is UTC, and so is the machine's zone.
    std::error_code unused;
    if (!std::filesystem::exists("/etc/localtime", unused)) return std::string("UTC");
    try {
        return date::current_zone()->name();
    } catch (const std::exception& e) {
        return Error{ErrorKind::not_found,
                     std::string("the machine names no time zone (/etc/localtime): ") + e.what() +
                         "; name the zone"};
    }
}

std::int64_t TimeZone::to_utc(std::int64_t local_seconds) const {
    if (!zone_) return local_seconds;
    const auto info = zone_->get_info(date::local_seconds{std::chrono::seconds{local_seconds}});
    // unique: the one offset; ambiguous: `first` is the earlier instant; nonexistent: `first` is
    // the period before the gap.
    return local_seconds - info.first.offset.count();
}

std::int64_t TimeZone::offset_at(std::int64_t utc_seconds) const {
    if (!zone_) return 0;
    return zone_->get_info(date::sys_seconds{std::chrono::seconds{utc_seconds}}).offset.count();
}

}  // namespace citywall
