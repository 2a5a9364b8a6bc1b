// A recording played into a drill ingest (docs/drills.md, "Replay"): each record due by the
// replay's clock becomes the drill's own event on the one path (numbered, journaled with the
// drill flag, published); a seek journals a rewind and the picture of the moment sought; a
// trainer's key steers the clock.
#include "drill_replay.hpp"

#include <limits>

#include "citywall/utf8.hpp"
#include "ingest_server_impl.hpp"

namespace citywall::ingest {

namespace {
constexpr const char* kBookmarksFile = "bookmarks.drill";
}  // namespace

Result<void> save_bookmarks(const std::filesystem::path& dir, std::uint64_t seq,
                            const std::vector<wire::Bookmark>& bookmarks) {
    wire::DrillClock kept;
    kept.seq = seq;
    kept.change = wire::DrillClock::Change::bookmarked;
    kept.bookmarks = bookmarks;
    return replace_file(dir / kBookmarksFile, wire::encode(kept));
}

Result<Restored> load_bookmarks(const std::filesystem::path& dir, std::uint64_t seq,
                                std::vector<wire::Bookmark>& bookmarks) {
    const auto bytes = read_whole_file(dir / kBookmarksFile);
    if (!bytes && bytes.error_kind() == ErrorKind::not_found) return Restored::absent;
    if (!bytes) return bytes.error_value();
    auto message = wire::decode(*bytes);
    if (!message) return message.because(std::string(kBookmarksFile) + ": ");
    const auto* kept = std::get_if<wire::DrillClock>(&*message);
    if (!kept)
        return Result<Restored>::failure(ErrorKind::invalid,
                                         std::string(kBookmarksFile) + ": not a drill's bookmarks");
    if (kept->seq != seq) return Restored::absent;
    bookmarks = kept->bookmarks;
    return Restored::yes;
}

Result<std::unique_ptr<DrillReplay>> DrillReplay::open(const ReplayOptions& options, TimeMs now) {
    using R = Result<std::unique_ptr<DrillReplay>>;
    auto recording = RecordedPicture::open(options.recording);
    if (!recording) return recording.because("recording " + options.recording.string() + ": ");
    const JournalIndex& index = recording->cursor().index();
    if (!index.first())
        return R::failure(ErrorKind::invalid,
                          "recording " + options.recording.string() + ": it holds no events");
    const TimeMs from = options.from != 0 ? options.from : index.earliest();
    const TimeMs to = options.to != 0 ? options.to : index.latest();
    if (to < from) return R::failure(ErrorKind::invalid, "the window ends before it begins");
    if (from > index.latest() || to < index.earliest())
        return R::failure(ErrorKind::invalid, "the window " + format_iso8601_utc(from) + " to " +
                                                  format_iso8601_utc(to) +
                                                  " holds nothing of the recording (" +
                                                  format_iso8601_utc(index.earliest()) + " to " +
                                                  format_iso8601_utc(index.latest()) + ")");
    auto replay = std::unique_ptr<DrillReplay>(new DrillReplay{
        options, std::move(*recording), ReplayClock(from, to, now), {}, {}, {}, {}, false, false});
    replay->name = utf8_prefix(
        std::filesystem::absolute(options.recording).lexically_normal().filename().string(), 256);
    if (replay->name.empty())
        replay->name = utf8_prefix(options.recording.parent_path().filename().string(), 256);
    for (std::uint64_t n : index.density(from, to + 1, kDensityBins))
        replay->density.push_back(
            static_cast<std::uint32_t>(std::min<std::uint64_t>(n, UINT32_MAX)));
    // Once through the window: copies of the picture are kept on the way, and the largest
    // incident number is known before the drill numbers its own.
    replay->recording.play_through(to);
    if (!replay->recording.cursor().failure().empty())
        return R::failure(ErrorKind::damaged, "recording " + options.recording.string() + ": " +
                                                  replay->recording.cursor().failure());
    if (options.loop) replay->clock.set_loop(true);
    if (options.speed == 0) {
        replay->clock.set_as_fast_as_possible(now);
    } else if (auto set = replay->clock.set_speed(options.speed, now); !set) {
        return set.error_value();
    }
    if (options.paused) replay->clock.pause(now);
    return replay;
}

TimeMs IngestServer::Impl::event_time() const {
    return replay ? replay->clock.position(clock()) : clock();
}

namespace {

// Whether two endpoints are one place to bind or connect: the same ipc path, or the same tcp
// port (on one machine an address of "*" and any other one clash).
bool same_place(const std::string& a, const std::string& b) {
    if (a == b) return true;
    if (!a.starts_with("tcp://") || !b.starts_with("tcp://")) return false;
    return a.substr(a.rfind(':')) == b.substr(b.rfind(':'));
}

// The live city's journal and endpoints, none of which a drill may use.
Result<void> clear_of_the_city(const IngestConfig& drill) {
    auto live = load_ingest_config(drill.live_config);
    if (!live) return live.because("live_config " + drill.live_config.string() + ": ");
    if (live->drill)
        return Result<void>::failure(
            ErrorKind::invalid,
            "live_config " + drill.live_config.string() + " is a drill's, not the live city's");
    std::error_code ec;
    if (drill.journal_dir.lexically_normal() == live->journal_dir.lexically_normal() ||
        std::filesystem::equivalent(drill.journal_dir, live->journal_dir, ec))
        return Result<void>::failure(ErrorKind::refused,
                                     "the drill's journal_dir " + drill.journal_dir.string() +
                                         " is the live city's: give the drill its own");
    std::vector<std::pair<std::string, std::string>> ours = {
        {"updates_endpoint", drill.updates_endpoint},
        {"snapshot_endpoint", drill.snapshot_endpoint}};
    for (const auto& d : drill.departments)
        ours.emplace_back("department " + d.code, d.endpoint);
    std::vector<std::pair<std::string, std::string>> theirs = {
        {"updates_endpoint", live->updates_endpoint},
        {"snapshot_endpoint", live->snapshot_endpoint}};
    for (const auto& d : live->departments)
        theirs.emplace_back("department " + d.code, d.endpoint);
    for (const auto& [what, endpoint] : ours)
        for (const auto& [whose, live_endpoint] : theirs)
            if (same_place(endpoint, live_endpoint))
                return Result<void>::failure(
                    ErrorKind::refused,
                    "the drill's " + what + " " + endpoint + " is the live city's (" + whose +
                        " in " + drill.live_config.string() +
                        "): a drill takes ports of its own, or the city's departments would "
                        "report into it");
    return {};
}

}  // namespace

Result<void> drill_allowed(const IngestConfig& config, const StartOptions& options) {
    if (!config.live_config.empty())
        if (auto clear = clear_of_the_city(config); !clear) return clear;
    if (!options.replay) return {};
    if (!config.drill)
        return Result<void>::failure(
            ErrorKind::refused,
            "a recording is replayed only into a drill: set [ingest] drill = true, with a "
            "journal_dir and ports of the drill's own");
    std::error_code ec;
    if (std::filesystem::equivalent(options.replay->recording, config.journal_dir, ec))
        return Result<void>::failure(ErrorKind::refused,
                                     "the recording " + options.replay->recording.string() +
                                         " is this drill's own journal: give the drill another "
                                         "journal_dir (or --journal)");
    return {};
}

Result<void> IngestServer::Impl::open_replay() {
    if (!options.replay) return {};
    auto opened = DrillReplay::open(*options.replay, clock());
    if (!opened) return opened.error_value();
    replay = std::move(*opened);
    state.number_own_from(replay->recording.largest_incident_id() + 1);
    log("replay: " + replay->name + " from " + format_iso8601_utc(replay->clock.from()) + " to " +
        format_iso8601_utc(replay->clock.to()) + " (" +
        std::to_string(replay->recording.copies_kept()) +
        " pictures kept for seeks); the drill's own incidents are numbered from " +
        std::to_string(state.next_id()));
    if (scenario) scenario->start = replay->clock.from();
    if (auto sought = replay->recording.seek(replay->clock.from()); !sought) return sought;
    return rewind_to_recording(replay->clock.from());
}

void IngestServer::Impl::start_over() {
    state.start_over();
    units = UnitRoster{};
    escalations = EscalationSchedule(config.deadlines.escalate_every_ms());
    start_day_ledger();
    pending_orders.clear();
    // Notices of cases that are no longer in the picture are not sent.
    pending_notices.clear();
    for (Department& department : departments)
        department.notices.clear();
    if (replay) {
        replay->drilled.clear();
        replay->orders.clear();
    }
    image.reset();
}

bool IngestServer::Impl::orders_out(std::uint64_t id) const {
    if (!replay) return true;
    const auto incident = state.incident(id);
    return incident && replay->orders.contains(incident->case_state.order);
}

void IngestServer::Impl::rewind_in_place(TimeMs now) {
    DrillReplay& r = *replay;
    const TimeMs at = r.clock.position(now);
    if (auto sought = r.recording.seek(at); !sought) {
        log("replay: cannot rebuild the picture at " + format_iso8601_utc(at) + ": " +
            sought.error());
        r.clock.pause(now);
        r.needs_rewind = false;
        return;
    }
    if (auto rewound = rewind_to_recording(at); !rewound) return;  // tried again next pass
    r.needs_rewind = false;
    log("replay: the picture at " + format_iso8601_utc(at) + " was sent again");
}

Result<std::uint64_t> IngestServer::Impl::append_drill_mark(wire::DrillClock::Change change,
                                                            std::vector<wire::Bookmark> marked,
                                                            TimeMs at, const std::string& source) {
    wire::Message mark = drill_clock(0);
    auto& clock_mark = std::get<wire::DrillClock>(mark);
    clock_mark.change = change;
    clock_mark.density.clear();  // the heartbeats carry it; the journal needs it once
    clock_mark.bookmarks = std::move(marked);
    return append(mark, at, source);
}

Result<void> IngestServer::Impl::rewind_at(TimeMs at) {
    auto seq = append_drill_mark(wire::DrillClock::Change::rewound, {}, at, kReplaySource);
    if (!seq) return seq.error_value();
    start_over();
    state.skip_to(*seq);
    return {};
}

// The recording's picture where it now stands becomes the drill's: a rewind, then every open
// incident and unit on duty, each an event, in the order of their ids. A wall drops its picture
// at the rewind and builds the new one from the events that follow.
Result<void> IngestServer::Impl::rewind_to_recording(TimeMs at) {
    if (auto rewound = rewind_at(at); !rewound) return rewound;
    ++counters.replay_seeks;
    const CityPicture& picture = replay->recording.picture();
    std::vector<std::uint64_t> ids;
    ids.reserve(picture.incidents().size());
    for (const auto& [id, view] : picture.incidents())
        ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    for (std::uint64_t id : ids) {
        auto incident = picture.incidents().incident(id);
        if (!incident) continue;
        if (auto recorded = record(state.change(std::move(*incident)), at, kReplaySource, true);
            !recorded)
            return recorded;
    }
    std::vector<const Unit*> on_duty;
    for (const auto& [key, unit] : picture.units())
        on_duty.push_back(&unit);
    std::sort(on_duty.begin(), on_duty.end(),
              [](const Unit* a, const Unit* b) { return unit_key(*a) < unit_key(*b); });
    for (const Unit* unit : on_duty)
        if (auto recorded = record_unit(*unit, at, kReplaySource); !recorded) return recorded;
    replay->said_end = false;
    restart_scenario(at);
    return {};
}

// One record of the recording, due now, as the drill's own event. An incident a step of the
// drill touched keeps the drill's case (and its deadline); the rest is the recording's.
void IngestServer::Impl::take_recorded(wire::Message& message, TimeMs due) {
    Result<void> taken;
    if (auto* update = std::get_if<wire::IncidentUpdate>(&message)) {
        Incident& incident = update->incident;
        const bool drilled = replay->drilled_case(incident.id);
        if (drilled) {
            // A case the drill closed stays closed, whatever the recording says after.
            const auto now = state.incident(incident.id);
            if (!now) return;
            incident.case_state = now->case_state;
            incident.due = now->due;
        }
        taken = record(state.change(std::move(incident)), due, kReplaySource, !drilled);
    } else if (auto* fix = std::get_if<wire::UnitUpdate>(&message)) {
        taken = record_unit(std::move(fix->unit), due, kReplaySource);
    } else if (const auto* mark = std::get_if<wire::DrillClock>(&message);
               mark && mark->change == wire::DrillClock::Change::rewound) {
        // A drill's own recording, replayed for a debrief: where it was rewound, so is this.
        taken = rewind_at(due);
    } else {
        return;
    }
    if (!taken) {
        replay->needs_rewind = true;
        throttled.write("replay",
                        "replay: a record of the recording was not taken (" + taken.error() +
                            "); the picture is sent again once the journal works",
                        clock());
        return;
    }
    ++counters.replayed;
}

// The records due by the clock, at most kReplayPerPass a pass; as fast as possible, that many
// each pass, the clock following the last one played.
void IngestServer::Impl::play_recording(TimeMs now) {
    if (!replay || events.failing()) return;
    DrillReplay& r = *replay;
    const auto take = [&](wire::Message& message, TimeMs due, std::uint64_t) {
        take_recorded(message, due);
    };
    if (r.needs_rewind) return rewind_in_place(now);
    if (r.clock.wrapped(now)) {
        // The window's tail first, then its start again.
        while (r.recording.play_until(r.clock.to(), kReplayPerPass, take) != 0) {
        }
        if (auto sought = r.recording.seek(r.clock.from());
            !sought || !rewind_to_recording(r.clock.from())) {
            log("replay: cannot start the window again: " +
                (sought ? std::string("the journal fails") : sought.error()));
            r.clock.pause(now);
        }
        return;
    }
    if (r.clock.paused()) return;
    const bool fastest = r.clock.as_fast_as_possible();
    const TimeMs position = fastest ? r.clock.to() : std::min(r.clock.position(now), r.clock.to());
    const std::size_t played = r.recording.play_until(position, kReplayPerPass, take);
    if (fastest && played != 0) r.clock.seek(r.recording.cursor().position(), now);
    const bool ended = played == 0 && (fastest || r.clock.at_end(now));
    if (!ended) return;
    if (fastest) r.clock.seek(r.clock.to(), now);
    if (fastest && r.clock.loop()) {
        r.clock.seek(r.clock.from(), now);
        if (auto sought = r.recording.seek(r.clock.from()); sought)
            (void)rewind_to_recording(r.clock.from());
        return;
    }
    if (r.said_end) return;
    r.said_end = true;
    const std::string& failure = r.recording.cursor().failure();
    log("replay: " +
        (failure.empty() ? "the window's end (" + format_iso8601_utc(r.clock.to()) + ")"
                         : "the recording ends early: " + failure) +
        "; the drill goes on, a trainer may seek");
}

wire::DrillClock IngestServer::Impl::drill_clock(std::uint64_t seq) const {
    wire::DrillClock c;
    c.seq = seq;
    if (!replay) return c;
    const DrillReplay& r = *replay;
    c.time = r.clock.position(clock());
    c.from = r.clock.from();
    c.to = r.clock.to();
    c.speed = r.clock.as_fast_as_possible() ? 0 : r.clock.speed();
    c.paused = r.clock.paused();
    c.loop = r.clock.loop();
    c.recording_seq = r.recording.recording_seq();
    c.recording = r.name;
    c.failure = utf8_prefix(r.recording.cursor().failure(), 512);
    c.bookmarks = bookmarks;
    c.density = r.density;
    return c;
}

// A trainer's command: checked against the key's role, applied to the replay's clock, and
// answered like a case's command (a seek and a bookmark once their events are published).
void IngestServer::Impl::take_drill_command(const WallRequests::Request& request, TimeMs now) {
    const wire::DrillCommand& c = *request.drill;
    wire::CommandReply reply{state.last_seq(), c.id, 0, false, {}, {}};
    auto refuse = [&](CaseRefusal why, std::string detail) {
        ++counters.commands_refused[static_cast<std::size_t>(why)];
        reply.refusal = to_string(why);
        reply.detail = std::move(detail);
        throttled.write("drill-" + reply.refusal,
                        "drill command of '" + request.speaker + "' refused (" + reply.refusal +
                            "): " + reply.detail,
                        now);
        walls->answer(request.peer, wire::encode(reply));
    };
    if (request.limited)
        return refuse(CaseRefusal::too_fast, "over this wall's rate of requests; send it again");
    if (!is_valid_utf8(c.id) || !is_valid_utf8(c.note))
        return refuse(CaseRefusal::malformed, "text that is not UTF-8");
    if (request.role != WallRole::trainer)
        return refuse(CaseRefusal::forbidden, "only a trainer's key steers a drill (this key is " +
                                                  std::string(describe(request.role)) + ")");
    if (!replay)
        return refuse(CaseRefusal::no_recording,
                      config.drill ? "this drill replays no recording (start it with "
                                     "citywall-replay)"
                                   : "this is the live city, not a drill");
    if (events.failing()) return refuse(CaseRefusal::journal_failing, events.failure());
    DrillReplay& r = *replay;
    const TimeMs position = r.clock.position(now);
    auto in_window = [&](TimeMs at) { return at >= r.clock.from() && at <= r.clock.to(); };
    auto outside = [&](TimeMs at) {
        return refuse(CaseRefusal::out_of_range, format_iso8601_utc(at) +
                                                     " is outside the window played (" +
                                                     format_iso8601_utc(r.clock.from()) + " to " +
                                                     format_iso8601_utc(r.clock.to()) + ")");
    };
    bool evented = false;  // answered once its events are published
    switch (c.action) {
        case wire::DrillAction::none:
            return refuse(CaseRefusal::malformed, "no action");
        case wire::DrillAction::play:
            // At the window's end: from its start again, the picture of that moment first.
            if (r.clock.at_end(now) && !r.clock.loop()) {
                if (auto sought = r.recording.seek(r.clock.from()); !sought)
                    return refuse(CaseRefusal::out_of_range, sought.error());
                r.clock.seek(r.clock.from(), now);
                if (auto rewound = rewind_to_recording(r.clock.from()); !rewound)
                    return refuse(CaseRefusal::journal_failing, rewound.error());
                evented = true;
            }
            r.clock.resume(now);
            break;
        case wire::DrillAction::pause:
            r.clock.pause(now);
            break;
        case wire::DrillAction::speed:
            if (c.speed == 0) {
                r.clock.set_as_fast_as_possible(now);
            } else if (auto set = r.clock.set_speed(c.speed, now); !set) {
                return refuse(CaseRefusal::out_of_range, set.error());
            }
            break;
        case wire::DrillAction::step: {
            if (c.count == 0 && c.span_ms <= 0)
                return refuse(CaseRefusal::missing_field,
                              "a step names a number of events or a stretch of time");
            r.clock.pause(now);
            const auto take = [&](wire::Message& m, TimeMs due, std::uint64_t) {
                take_recorded(m, due);
            };
            if (c.count != 0) {
                const std::size_t want = std::min<std::uint32_t>(c.count, 100'000);
                std::size_t played = 0;
                while (played < want) {
                    const std::size_t now_played =
                        r.recording.play_until(r.clock.to(), want - played, take);
                    if (now_played == 0) break;
                    played += now_played;
                }
                r.clock.seek(std::max(position, r.recording.cursor().position()), now);
            } else {
                const TimeMs until = std::min(position + c.span_ms, r.clock.to());
                while (r.recording.play_until(until, kReplayPerPass, take) != 0) {
                }
                r.clock.seek(until, now);
            }
            evented = true;
            break;
        }
        case wire::DrillAction::seek: {
            Result<void> sought;
            TimeMs to = c.at;
            if (c.seq != 0) {
                const std::uint64_t stood = r.recording.recording_seq();
                sought = r.recording.seek_after(c.seq);
                to = r.recording.cursor().position();
                if (sought && !in_window(to)) {
                    (void)r.recording.seek_after(stood);  // refused: it stays where it stood
                    return outside(to);
                }
            } else {
                if (!in_window(c.at)) return outside(c.at);
                sought = r.recording.seek(c.at);
            }
            if (!sought) return refuse(CaseRefusal::out_of_range, sought.error());
            r.clock.seek(to, now);
            if (auto rewound = rewind_to_recording(r.clock.position(now)); !rewound)
                return refuse(CaseRefusal::journal_failing, rewound.error());
            evented = true;
            break;
        }
        case wire::DrillAction::loop:
            r.clock.set_loop(c.loop);
            break;
        case wire::DrillAction::bookmark: {
            const TimeMs at = c.at != 0 ? c.at : position;
            if (!in_window(at)) return outside(at);
            if (bookmarks.size() >= kMaxBookmarks || c.note.size() > kMaxBookmarkNote)
                return refuse(CaseRefusal::out_of_range,
                              "a drill keeps " + std::to_string(kMaxBookmarks) +
                                  " bookmarks of notes up to " + std::to_string(kMaxBookmarkNote) +
                                  " bytes");
            auto seq =
                append_drill_mark(wire::DrillClock::Change::bookmarked, {{at, c.note}}, position,
                                  std::string(kWallCommandSource) + request.speaker);
            if (!seq) return refuse(CaseRefusal::journal_failing, seq.error());
            state.skip_to(*seq);
            bookmarks.push_back({at, c.note});
            std::stable_sort(bookmarks.begin(), bookmarks.end(),
                             [](const auto& a, const auto& b) { return a.at < b.at; });
            evented = true;
            break;
        }
    }
    ++counters.drill_commands;
    log("drill: " + (request.speaker.empty() ? std::string("(keys off)") : request.speaker) + " " +
        std::string(wire::to_string(c.action)) + " at " +
        format_iso8601_utc(r.clock.position(now)));
    reply.accepted = true;
    reply.seq = state.last_seq();
    // Every wall sees the new clock at once, not at the next heartbeat.
    publish(drill_clock(events.published_seq()));
    if (evented) {
        pending_replies.push_back({reply.seq, request.peer, std::move(reply)});
    } else {
        walls->answer(request.peer, wire::encode(reply));
    }
}

}  // namespace citywall::ingest
