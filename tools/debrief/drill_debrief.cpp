#include "drill_debrief.hpp"

#include <algorithm>
#include <limits>
#include <set>
#include <tuple>

#include "citywall/journal.hpp"

namespace citywall::debrief {

namespace {

bool starts_an_order(CaseAction action) {
    return action == CaseAction::order || action == CaseAction::transfer ||
           action == CaseAction::return_agree;
}

bool ends_an_order(CaseAction action) {
    return action == CaseAction::close || action == CaseAction::cancel ||
           action == CaseAction::reopen;
}

// What the reading keeps beside the debrief.
struct Reading {
    Debrief& out;
    TimeMs from;
    TimeMs to;
    // The steps already seen of each incident: an event repeats its case's last step when
    // something else changed, and a drill's rewind records the recording's cases again.
    std::map<std::uint64_t, std::set<std::tuple<std::uint32_t, TimeMs, std::uint8_t>>> steps;
    std::map<std::uint64_t, std::size_t> current;  // the order standing, by incident
    TimeMs latest = std::numeric_limits<TimeMs>::min();
    bool started = false;  // a replay's first rewind is its start, not a seek

    bool in_window(TimeMs t) const { return t >= from && t <= to; }

    void take(const wire::IncidentUpdate& update, std::uint64_t seq, TimeMs time) {
        const Incident& incident = update.incident;
        const auto before = out.incidents.find(incident.id);
        const bool first = out.first_seen.emplace(incident.id, time).second;
        if (first && in_window(time)) {
            out.timeline.push_back(
                {TimelineEntry::Kind::opened, time, seq, incident.id, {}, incident.status, {}});
            ++out.departments[std::string(incident.department())].reported;
        } else if (before != out.incidents.end() && before->second.status != incident.status &&
                   in_window(time)) {
            out.timeline.push_back(
                {TimelineEntry::Kind::status, time, seq, incident.id, {}, incident.status, {}});
        }
        const CaseState& c = incident.case_state;
        const CaseStep& step = c.last;
        if (step.number != 0 &&
            steps[incident.id]
                .emplace(step.number, step.time, static_cast<std::uint8_t>(step.action))
                .second)
            take_step(incident, seq);
        follow_order(incident.id, c);
        out.incidents[incident.id] = incident;
    }

    void take_step(const Incident& incident, std::uint64_t seq) {
        const CaseState& c = incident.case_state;
        const CaseStep& step = c.last;
        const bool counted = in_window(step.time);
        if (counted) {
            out.timeline.push_back({TimelineEntry::Kind::step,
                                    step.time,
                                    seq,
                                    incident.id,
                                    step,
                                    incident.status,
                                    {}});
            if (!c.department.empty()) out.departments[c.department].counts.count(c);
        }
        auto standing = current.find(incident.id);
        if (standing != current.end() &&
            (starts_an_order(step.action) || ends_an_order(step.action))) {
            out.orders[standing->second].ended = step.time;
            current.erase(standing);
        }
        if (starts_an_order(step.action)) {
            OrderRun run;
            run.incident = incident.id;
            run.action = step.action;
            run.order = c.order;
            run.department = c.department;
            run.unit = c.unit;
            run.actor = step.actor;
            run.ordered = step.time;
            run.sign_due = c.sign_due;
            run.resolve_due = c.resolve_due;
            current[incident.id] = out.orders.size();
            out.orders.push_back(std::move(run));
            if (counted) ++out.departments[c.department].orders;
        }
    }

    // What the case says of the order standing: signed, on scene, resolved, a deadline moved.
    void follow_order(std::uint64_t id, const CaseState& c) {
        const auto standing = current.find(id);
        if (standing == current.end()) return;
        OrderRun& run = out.orders[standing->second];
        if (c.department != run.department) return;  // a rewind's recorded case, not the drill's
        const auto after_order = [&](TimeMs t) { return t != 0 && t >= run.ordered; };
        if (run.signed_at == 0 && after_order(c.signed_at)) run.signed_at = c.signed_at;
        if (run.arrived == 0 && after_order(c.arrived)) run.arrived = c.arrived;
        if (run.resolved == 0 && after_order(c.resolved_at)) run.resolved = c.resolved_at;
        if (c.resolve_due != 0) run.resolve_due = c.resolve_due;
        if (c.sign_due != 0 && run.signed_at == 0) run.sign_due = c.sign_due;
    }

    // A rewind: the picture after it is the recording's again, so the drill's orders standing
    // before it end where the trainer left them.
    void rewound(std::uint64_t seq, TimeMs time) {
        for (const auto& [id, k] : current)
            out.orders[k].ended = latest;
        current.clear();
        if (in_window(time))
            out.timeline.push_back(
                {started ? TimelineEntry::Kind::rewound : TimelineEntry::Kind::started,
                 time,
                 seq,
                 0,
                 {},
                 IncidentStatus::reported,
                 {}});
        started = true;
    }

    void bookmarked(const wire::DrillClock& mark, std::uint64_t seq) {
        for (const wire::Bookmark& b : mark.bookmarks) {
            if (!in_window(b.at)) continue;
            out.bookmarks.push_back(b);
            out.timeline.push_back({TimelineEntry::Kind::bookmark,
                                    b.at,
                                    seq,
                                    0,
                                    {},
                                    IncidentStatus::reported,
                                    b.note});
        }
    }

    void finish() {
        const TimeMs end = out.to;
        for (const OrderRun& run : out.orders) {
            if (!in_window(run.ordered)) continue;
            DepartmentFigures& d = out.departments[run.department];
            if (run.signed_at) d.to_sign.push_back(run.signed_at - run.ordered);
            if (run.arrived) d.to_scene.push_back(run.arrived - run.ordered);
            if (run.resolved) d.to_resolve.push_back(run.resolved - run.ordered);
            const TimeMs stood_until = run.ended ? run.ended : end;
            const auto check = [&](bool sign, TimeMs due, TimeMs done) {
                if (due == 0) return;
                if (done ? done <= due : stood_until <= due) return;
                out.missed.push_back({run.incident, run.department, sign, due, done});
                ++d.missed;
            };
            check(true, run.sign_due, run.signed_at);
            check(false, run.resolve_due, run.resolved);
        }
        std::stable_sort(out.timeline.begin(), out.timeline.end(),
                         [](const TimelineEntry& a, const TimelineEntry& b) {
                             return std::tie(a.time, a.seq) < std::tie(b.time, b.seq);
                         });
        std::stable_sort(out.bookmarks.begin(), out.bookmarks.end(),
                         [](const auto& a, const auto& b) { return a.at < b.at; });
        std::stable_sort(
            out.missed.begin(), out.missed.end(),
            [](const MissedDeadline& a, const MissedDeadline& b) { return a.due < b.due; });
    }
};

}  // namespace

Spread spread_of(std::vector<TimeMs> durations) {
    Spread s;
    s.count = durations.size();
    if (durations.empty()) return s;
    std::sort(durations.begin(), durations.end());
    s.median = durations[(durations.size() - 1) / 2];
    s.longest = durations.back();
    return s;
}

Result<Debrief> read_debrief(const std::filesystem::path& journal, std::optional<TimeMs> from,
                             std::optional<TimeMs> to) {
    using R = Result<Debrief>;
    if (from && to && *to < *from)
        return R::failure(ErrorKind::invalid, "the window ends before it begins");
    auto reader = JournalReader::open(journal);
    if (!reader) return reader.because("journal: ");
    Debrief debrief;
    Reading reading{debrief,
                    from.value_or(std::numeric_limits<TimeMs>::min()),
                    to.value_or(std::numeric_limits<TimeMs>::max()),
                    {},
                    {},
                    std::numeric_limits<TimeMs>::min()};
    debrief.from = std::numeric_limits<TimeMs>::max();
    debrief.to = std::numeric_limits<TimeMs>::min();
    wire::Message message;
    // A drill's journal steps back in time where the trainer sought, so the whole journal is
    // read and the window applied to each record.
    while (auto record = (*reader)->next()) {
        ++debrief.records;
        if (!wire::decode_into(record->payload, message)) {
            ++debrief.undecodable;
            continue;
        }
        const TimeMs time = record->time;
        if (reading.in_window(time)) {
            debrief.from = std::min(debrief.from, time);
            debrief.to = std::max(debrief.to, time);
        }
        if (const auto* update = std::get_if<wire::IncidentUpdate>(&message)) {
            debrief.drill = debrief.drill || update->incident.drill;
            reading.take(*update, record->seq, time);
        } else if (const auto* mark = std::get_if<wire::DrillClock>(&message)) {
            debrief.drill = true;
            if (!mark->recording.empty()) debrief.recording = mark->recording;
            if (mark->change == wire::DrillClock::Change::rewound)
                reading.rewound(record->seq, time);
            else if (mark->change == wire::DrillClock::Change::bookmarked)
                reading.bookmarked(*mark, record->seq);
        } else if (const auto* unit = std::get_if<wire::UnitUpdate>(&message)) {
            debrief.drill = debrief.drill || unit->unit.drill;
        }
        reading.latest = std::max(reading.latest, time);
    }
    debrief.damaged = (*reader)->stats().corrupt_records;
    if (debrief.from > debrief.to) debrief.from = debrief.to = 0;  // nothing in the window
    reading.finish();
    return debrief;
}

}  // namespace citywall::debrief
