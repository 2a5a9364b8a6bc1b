#include "day_ledger.hpp"

#include "citywall/local_day.hpp"
#include "state_file.hpp"

namespace citywall::ingest {

namespace {

constexpr const char* kLedgerFile = "day.ledger";

bool counts_dispatched(IncidentStatus s) {
    return s == IncidentStatus::dispatched || s == IncidentStatus::en_route ||
           s == IncidentStatus::on_scene || s == IncidentStatus::resolved ||
           s == IncidentStatus::closed;
}

bool counts_resolved(IncidentStatus s) {
    return s == IncidentStatus::resolved || s == IncidentStatus::closed;
}

}  // namespace

DayLedger::DayLedger() {
    if (auto name = TimeZone::machine_zone_name())
        if (auto zone = TimeZone::find(*name)) zone_ = std::move(*zone);
}

void DayLedger::roll_over(TimeMs now) {
    // Within the day already known: no time zone lookup (mktime, used before, read the zone
    // file each time, which cost ingest 8 % of its time an event).
    if (day_start_ != 0 && now >= day_start_ && now < next_day_start_) return;
    const TimeMs day = local_day_start(now, zone_);
    // The next local midnight, whether the day has 23, 24 or 25 hours.
    next_day_start_ = local_day_start(day + 30 * 3'600'000, zone_);
    if (day == day_start_) return;
    day_start_ = day;
    total_ = {};
    departments_.clear();
    areas_.clear();
    league_.clear();
}

void DayLedger::observe(std::optional<IncidentStatus> before, const Incident& incident, TimeMs now,
                        bool case_step) {
    roll_over(now);
    // A step counts on the day it was taken, whenever the incident came in.
    if (case_step) league_.count(incident);
    if (incident.received < day_start_) return;  // received before today: not today's count
    const bool received = !before;
    // A step into "dispatched or further" (or "resolved") counts once; a reopened incident
    // that is dispatched again counts again, which is rare and errs on the side of work done.
    const bool dispatched =
        counts_dispatched(incident.status) && !(before && counts_dispatched(*before));
    const bool resolved = counts_resolved(incident.status) && !(before && counts_resolved(*before));
    if (!received && !dispatched && !resolved) return;
    auto add = [&](Tally& t) {
        t.received += received;
        t.dispatched += dispatched;
        t.resolved += resolved;
    };
    add(total_);
    add(departments_[std::string(incident.department())]);
    if (const AreaRef* area = area_at(incident.areas, area_level_)) {
        auto& [name, tally] = areas_[area->code];
        if (name.empty()) name = area->name;
        add(tally);
    }
}

wire::DayCountsReport DayLedger::current(std::uint64_t seq, TimeMs now) const {
    wire::DayCountsReport out{seq, now, day_start_, {}};
    out.counts.reserve(1 + departments_.size() + areas_.size() + league_.areas.size());
    auto row = [](wire::DayCount::Scope scope, const std::string& code, const std::string& name,
                  const Tally& t, const CaseCounts& cases) {
        // A reopened incident can be dispatched twice; the wire's rule is "of those received".
        return wire::DayCount{scope,
                              code,
                              name,
                              t.received,
                              std::min(t.dispatched, t.received),
                              std::min(t.resolved, t.received),
                              cases};
    };
    out.counts.push_back(row(wire::DayCount::Scope::total, "", "", total_, league_.total));
    // A department that received nothing today can still have taken steps, and the other way.
    std::map<std::string, std::pair<Tally, CaseCounts>> departments;
    for (const auto& [code, t] : departments_)
        departments[code].first = t;
    for (const auto& [code, cases] : league_.departments)
        departments[code].second = cases;
    for (const auto& [code, d] : departments)
        out.counts.push_back(row(wire::DayCount::Scope::department, code, "", d.first, d.second));
    for (const auto& [code, named] : areas_)
        out.counts.push_back(
            row(wire::DayCount::Scope::district, code, named.first, named.second, {}));
    for (const auto& [code, area] : league_.areas)
        out.counts.push_back(row(wire::DayCount::Scope::street, code, area.name, {}, area.counts));
    return out;
}

wire::DayCountsReport DayLedger::report(std::uint64_t seq, TimeMs now) {
    roll_over(now);
    return current(seq, now);
}

Result<void> DayLedger::save(const std::filesystem::path& dir, std::uint64_t seq) const {
    return replace_file(dir / kLedgerFile, wire::encode(current(seq, 0)));
}

Result<Restored> DayLedger::load(const std::filesystem::path& dir, std::uint64_t seq, TimeMs now) {
    const auto bytes = read_whole_file(dir / kLedgerFile);
    if (!bytes && bytes.error_kind() == ErrorKind::not_found) return Restored::absent;
    if (!bytes) return bytes.error_value();
    auto message = wire::decode(*bytes);
    const auto* saved = message ? std::get_if<wire::DayCountsReport>(&*message) : nullptr;
    if (!message) return message.because(std::string(kLedgerFile) + ": ");
    if (!saved)
        return Result<Restored>::failure(ErrorKind::invalid,
                                         std::string(kLedgerFile) + ": not a day ledger");
    if (saved->seq != seq || saved->day_start != local_day_start(now, zone_))
        return Restored::absent;
    roll_over(now);
    for (const auto& c : saved->counts) {
        const Tally t{c.received, c.dispatched, c.resolved};
        switch (c.scope) {
            case wire::DayCount::Scope::total:
                total_ = t;
                league_.total = c.cases;
                break;
            case wire::DayCount::Scope::department:
                if (c.received != 0 || c.dispatched != 0 || c.resolved != 0)
                    departments_[c.code] = t;
                if (c.cases != CaseCounts{}) league_.departments[c.code] = c.cases;
                break;
            case wire::DayCount::Scope::district:
                areas_[c.code] = {c.name, t};
                break;
            case wire::DayCount::Scope::street:
                league_.areas[c.code] = {c.name, c.cases};
                break;
        }
    }
    return Restored::yes;
}

}  // namespace citywall::ingest
