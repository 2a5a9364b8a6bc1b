#include "unit_roster.hpp"

#include "citywall/wire.hpp"
#include "state_file.hpp"

namespace citywall::ingest {

namespace {
constexpr const char* kRosterFile = "units.roster";

TimeMs time_of(const Unit& fix) {
    return fix.reported != 0 ? fix.reported : fix.received;
}
}  // namespace

bool UnitRoster::is_newer(const Unit& fix) const {
    const auto key = unit_key(fix);
    if (auto it = units_.find(key); it != units_.end()) return time_of(fix) >= it->second.time;
    if (auto it = gone_.find(key); it != gone_.end()) return time_of(fix) > it->second;
    return true;
}

void UnitRoster::apply(const Unit& fix) {
    auto key = unit_key(fix);
    if (!fix.on_duty()) {
        units_.erase(key);
        gone_[std::move(key)] = time_of(fix);
        return;
    }
    gone_.erase(key);
    units_[std::move(key)] = Latest{fix, time_of(fix)};
}

std::vector<Unit> UnitRoster::on_duty(TimeMs now, TimeMs max_age_ms) const {
    std::vector<Unit> out;
    out.reserve(units_.size());
    for (const auto& [key, latest] : units_) {
        if (now - latest.unit.received <= max_age_ms) out.push_back(latest.unit);
    }
    return out;
}

Result<void> UnitRoster::save(const std::filesystem::path& dir, std::uint64_t seq) const {
    wire::UnitRoster roster{seq, {}};
    roster.units.reserve(units_.size());
    for (const auto& [key, latest] : units_)
        roster.units.push_back(latest.unit);
    return replace_file(dir / kRosterFile, wire::encode(roster));
}

Result<Restored> UnitRoster::load(const std::filesystem::path& dir, std::uint64_t seq) {
    const auto bytes = read_whole_file(dir / kRosterFile);
    if (!bytes && bytes.error_kind() == ErrorKind::not_found) return Restored::absent;
    if (!bytes) return bytes.error_value();
    auto message = wire::decode(*bytes);
    const auto* roster = message ? std::get_if<wire::UnitRoster>(&*message) : nullptr;
    if (!message) return message.because(std::string(kRosterFile) + ": ");
    if (!roster)
        return Result<Restored>::failure(ErrorKind::invalid,
                                         std::string(kRosterFile) + ": not a unit roster");
    if (roster->seq != seq) return Restored::absent;
    for (const auto& unit : roster->units)
        apply(unit);
    return Restored::yes;
}

}  // namespace citywall::ingest
