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

// A step counts for the department the case is with after it (the one ordered, signing,
// returning, resolving, or whose work the citizen judged) and for the case's street, on the
// day the step was taken, whenever the incident came in.
void DayLedger::count_step(const Incident& incident) {
    const CaseState& state = incident.case_state;
    total_.cases.count(state);
    if (!state.department.empty()) departments_[state.department].cases.count(state);
    if (const AreaRef* area = area_at(incident.areas, league_level_)) {
        auto& [name, tally] = league_[area->code];
        if (name.empty()) name = area->name;
        tally.cases.count(state);
    }
}

void DayLedger::observe(std::optional<IncidentStatus> before, const Incident& incident, TimeMs now,
                        bool case_step) {
    roll_over(now);
    if (case_step && incident.case_state.last.number != 0) count_step(incident);
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
    out.counts.reserve(1 + departments_.size() + areas_.size());
    auto row = [](wire::DayCount::Scope scope, const std::string& code, const std::string& name,
                  const Tally& t) {
        // A reopened incident can be dispatched twice; the wire's rule is "of those received".
        return wire::DayCount{scope,
                              code,
                              name,
                              t.received,
                              std::min(t.dispatched, t.received),
                              std::min(t.resolved, t.received),
                              t.cases};
    };
    out.counts.push_back(row(wire::DayCount::Scope::total, "", "", total_));
    for (const auto& [code, t] : departments_)
        out.counts.push_back(row(wire::DayCount::Scope::department, code, "", t));
    for (const auto& [code, named] : areas_)
        out.counts.push_back(row(wire::DayCount::Scope::district, code, named.first, named.second));
    for (const auto& [code, named] : league_)
        out.counts.push_back(row(wire::DayCount::Scope::street, code, named.first, named.second));
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
        const Tally t{c.received, c.dispatched, c.resolved, c.cases};
        switch (c.scope) {
            case wire::DayCount::Scope::total:
                total_ = t;
                break;
            case wire::DayCount::Scope::department:
                departments_[c.code] = t;
                break;
            case wire::DayCount::Scope::district:
                areas_[c.code] = {c.name, t};
                break;
            case wire::DayCount::Scope::street:
                league_[c.code] = {c.name, t};
                break;
        }
    }
    return Restored::yes;
}

}  // namespace citywall::ingest
