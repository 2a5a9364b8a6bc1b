// What a restart finds: the state rebuilt from the last checkpoint and the journal after it,
// the damage check, and the checkpoints written beside intake that make the next restart short
// (docs/journal.md).
#include "ingest_server_impl.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "citywall/utf8.hpp"

namespace citywall::ingest {

// Rebuilds the state from the journal through the same commit() that live events take.
Result<void> IngestServer::Impl::recover() {
    auto checkpoint = read_checkpoint(config.journal_dir);
    std::uint64_t after = 0;
    // Events of the other kind than this ingest (drill or live) in what is read.
    std::uint64_t other_kind = 0;
    const auto of_other_kind = [&](const Incident& incident) {
        // A live centre may follow a drill centre's incidents: those say drill, and are its own.
        const bool ours = incident.drill == config.drill ||
                          (incident.drill && !config.drill && !incident.provenance.empty());
        other_kind += ours ? 0 : 1;
    };
    if (!checkpoint) {
        // A damaged checkpoint costs time, not data: the whole journal is replayed instead.
        log("checkpoint ignored (" + checkpoint.error() + "); replaying the whole journal");
    } else if (checkpoint->has_value()) {
        after = (*checkpoint)->seq;
        for (const auto& open : (*checkpoint)->open)
            of_other_kind(open.incident);
        state.restore(std::move(**checkpoint));
        checkpointed_seq = after;
        if (auto loaded = units.load(config.journal_dir, after); !loaded) {
            log("unit roster ignored (" + loaded.error() + "); units return with their next fix");
        } else if (*loaded == Restored::absent) {
            log("no unit roster for this checkpoint; units return with their next fix");
        }
        auto ledger = day.load(config.journal_dir, after, clock());
        if (!ledger || *ledger == Restored::absent) {
            // Without it the day's counts restart from the incidents still open: those that
            // closed earlier today are missing from them (logged, so the gap is known).
            log(std::string("day ledger ") +
                (ledger ? "missing for this checkpoint" : "ignored (" + ledger.error() + ")") +
                "; today's counts restart from the open incidents");
            state.snapshot(kSnapshotChunk, {}, [&](const wire::SnapshotChunk& chunk) {
                for (const auto& incident : chunk.incidents)
                    day.observe(std::nullopt, incident, clock());
            });
        }
        if (config.drill)
            if (auto loaded = load_bookmarks(config.journal_dir, after, bookmarks);
                !loaded || *loaded == Restored::absent)
                log(std::string("drill bookmarks ") +
                    (loaded ? "missing for this checkpoint" : "ignored (" + loaded.error() + ")") +
                    "; those made before it are not shown (the journal holds them)");
        if (auto loaded = load_notices(after); !loaded || *loaded == Restored::absent)
            log(std::string("departments' notices ") +
                (loaded ? "missing for this checkpoint" : "ignored (" + loaded.error() + ")") +
                "; those made before it that had not reached their departments are not sent");
        log("checkpoint: " + std::to_string(state.open_count()) + " open incidents at seq " +
            std::to_string(after));
    }
    auto reader = JournalReader::open(config.journal_dir, after);
    if (!reader) return reader.because("journal: ");
    std::uint64_t undecodable = 0;
    while (auto record = (*reader)->next()) {
        auto message = wire::decode(record->payload);
        if (const auto* fix = message ? std::get_if<wire::UnitUpdate>(&*message) : nullptr;
            fix && fix->seq == record->seq) {
            // Units are not in checkpoints: the ones heard since the last one come back here,
            // the others with their next fix (docs/journal.md).
            if (fix->seq <= state.last_seq()) continue;
            other_kind += fix->unit.drill != config.drill ? 1 : 0;
            units.apply(fix->unit);
            state.skip_to(fix->seq);
            ++counters.recovered_events;
            continue;
        }
        if (const auto* mark = message ? std::get_if<wire::DrillClock>(&*message) : nullptr;
            mark && mark->seq == record->seq && mark->event()) {
            // A drill's seek replaced its picture here; its trainers' bookmarks are kept.
            if (mark->seq <= state.last_seq()) continue;
            other_kind += config.drill ? 0 : 1;
            if (mark->change == wire::DrillClock::Change::rewound) start_over();
            if (mark->change == wire::DrillClock::Change::bookmarked)
                bookmarks.insert(bookmarks.end(), mark->bookmarks.begin(), mark->bookmarks.end());
            state.skip_to(mark->seq);
            ++counters.recovered_events;
            continue;
        }
        auto* update = message ? std::get_if<wire::IncidentUpdate>(&*message) : nullptr;
        if (!update || update->seq != record->seq) {
            ++undecodable;
            continue;
        }
        if (update->seq <= state.last_seq()) continue;
        of_other_kind(update->incident);
        const IncidentChange change = state.change(std::move(update->incident));
        const bool case_step = is_case_step(change);
        day.observe(change, record->time, case_step);
        // The notices its steps gave departments are made again (they may not have been sent).
        // (A replaying drill's steps are the recording's until it rewinds: none is made.)
        if (case_step && !options.replay && record->time + kNoticeReplayMs >= clock()) {
            const auto before = state.incident(change.after.id);
            if (auto notice = notice_of(before ? before->case_state : CaseState{},
                                        change.after.case_state, change.after.id))
                keep_notice(std::move(*notice));
        }
        state.commit(record->seq, change);
        ++counters.recovered_events;
    }
    // Numbering always goes on after the journal's last record, even one this build cannot read
    // (written by another version, or damaged inside an intact frame): never a reused number.
    if (events.journal_last_seq() > state.last_seq()) state.skip_to(events.journal_last_seq());
    std::stable_sort(bookmarks.begin(), bookmarks.end(),
                     [](const auto& a, const auto& b) { return a.at < b.at; });
    if (undecodable != 0)
        log("journal: " + std::to_string(undecodable) +
            " records could not be decoded and were skipped (kept on disk)");
    std::vector<JournalDamage> damage = events.recovery().damage;
    for (const JournalDamage& d : (*reader)->damage())
        if (std::find(damage.begin(), damage.end(), d) == damage.end()) damage.push_back(d);
    if (auto checked = check_damage(damage); !checked) return checked;
    // A drill written into the city's journal would come back as the city after a restart (and
    // the city's incidents would be published as a drill's): one journal, one kind.
    if (other_kind != 0)
        return Result<void>::failure(
            ErrorKind::refused,
            "journal: " + config.journal_dir.string() + " holds " +
                (config.drill ? "events of the live city" : "events of a drill") + " (" +
                std::to_string(other_kind) + " read), and this ingest is " +
                (config.drill ? "a drill" : "the live city") + " ([ingest] drill); give " +
                (config.drill ? "the drill" : "the city") +
                " a journal of its own (journal_dir, or --journal)");
    events.resume(state.last_seq());
    // Every open incident with a deadline, by its next step; the steps already in the journal
    // are in the state, so none is taken twice.
    escalations = EscalationSchedule(config.deadlines.escalate_every_ms());
    escalations.rebuild(state);
    const auto& stats = (*reader)->stats();
    const auto& repair = events.recovery();
    log("journal: recovered " + std::to_string(counters.recovered_events) + " events up to seq " +
        std::to_string(state.last_seq()) + ", " + std::to_string(state.open_count()) +
        " open incidents" +
        (stats.corrupt_records ? ", " + std::to_string(stats.corrupt_records) + " corrupt records"
                               : std::string()) +
        (repair.truncated_bytes ? ", cut a torn tail of " + std::to_string(repair.truncated_bytes) +
                                      " bytes never published; numbering resumes after " +
                                      std::to_string(events.journal_last_seq())
                                : std::string()));
    return {};
}

namespace {

std::string damage_key(const JournalDamage& d) {
    return d.segment.filename().string() + " " + std::to_string(d.offset) + " " +
           std::to_string(d.bytes);
}

std::string describe_damage(const JournalDamage& d) {
    std::string text = d.segment.filename().string() + " at byte " + std::to_string(d.offset) +
                       " (" + std::to_string(d.bytes) + " bytes): ";
    if (d.lost_seqs() == 0) return text + "no record is missing";
    return text + "records " + std::to_string(d.after_seq + 1) + " to " +
           std::to_string(d.before_seq - 1) + " cannot be read";
}

}  // namespace

// Damage that may have held published events stops the start, unless an operator accepted it
// now or before; accepted damage is recorded beside the journal, so it is asked about once.
Result<void> IngestServer::Impl::check_damage(const std::vector<JournalDamage>& damage) {
    const auto accepted_path = config.journal_dir / kAcceptedDamageFile;
    std::set<std::string> accepted;
    {
        std::ifstream in(accepted_path);
        for (std::string line; std::getline(in, line);)
            accepted.insert(line);
    }
    std::vector<const JournalDamage*> refused;
    for (const JournalDamage& d : damage) {
        if (d.lost_seqs() == 0 || accepted.contains(damage_key(d))) {
            log("journal: damage read past in " + describe_damage(d));
            continue;
        }
        refused.push_back(&d);
    }
    if (refused.empty()) return {};
    std::string list;
    std::uint64_t lost = 0;
    for (const JournalDamage* d : refused) {
        lost += d->lost_seqs();
        if (list.size() < 2000) list += "\n  " + describe_damage(*d);
    }
    if (!options.accept_journal_damage)
        return Result<void>::failure(
            ErrorKind::damaged,
            "journal: damage where " + std::to_string(lost) +
                " published events may have been; nothing was changed, the bad bytes are copied "
                "beside their segments (*.damaged-<offset>):" +
                list +
                "\nStart with --accept-journal-damage to carry on without them (walls resync).");
    std::ofstream out(accepted_path, std::ios::app);
    for (const JournalDamage* d : refused)
        out << damage_key(*d) << '\n';
    out.flush();
    if (!out)
        return Result<void>::failure(
            ErrorKind::io, "journal: cannot record accepted damage in " + accepted_path.string());
    log("JOURNAL DAMAGE ACCEPTED by the operator: " + std::to_string(lost) +
        " events may be missing:" + list);
    return {};
}

// The journal came back holding less than the state (EventLog::retry): the state is rebuilt
// from it, and the events it never got — never published, never answered — go whole to the
// dead letter, the only copy of them there is.
Result<void> IngestServer::Impl::rebuild(std::vector<UnjournaledEvent> dropped) {
    const TimeMs now = clock();
    for (auto& event : dropped) {
        // An escalation step is ingest's own: the rebuilt schedule takes it again.
        if (event.source == kEscalationSource) continue;
        // A wall's command is no department's: it is kept, and its console told below.
        if (!event.source.starts_with(kWallCommandSource)) {
            ++counters.rejected;
            health->rejected(event.source, RejectReason::journal_error);
        }
        (void)dead_letter->write(now, event.source, RejectReason::journal_error, events.failure(),
                                 event.record.payload, DeadLetterKeep::whole);
    }
    pending_answers.clear();  // the departments send those again
    // The commands whose steps were lost were never answered: they are refused now, so no
    // console takes a step for done that the journal does not hold (their numbers will be
    // given again).
    for (PendingReply& pending : pending_replies) {
        pending.reply.accepted = false;
        pending.reply.refusal = to_string(CaseRefusal::journal_failing);
        pending.reply.detail = "the journal lost this step before it was on disk; send it again";
        pending.reply.seq = 0;
        walls->answer(pending.peer, wire::encode(pending.reply));
    }
    pending_replies.clear();
    pending_orders.clear();   // sent again from the rebuilt state
    pending_notices.clear();  // their steps are not on disk: nothing was taken away
    // The notices waiting come back, as at a start, from the checkpoint's file and the journal
    // after it; those kept now would be made a second time.
    for (Department& department : departments)
        department.notices.clear();
    state = CityState{};
    state.set_neighbour_radius(config.merge.distance_m);
    if (replay) state.number_own_from(replay->recording.largest_incident_id() + 1);
    units = UnitRoster{};
    bookmarks.clear();
    start_day_ledger();
    reap_checkpoint(true);
    checkpointed_seq = 0;
    if (auto recovered = recover(); !recovered) return recovered;
    // A replay's picture, escalations and cases are the recording's where it stands: sent again.
    if (replay) replay->needs_rewind = true;
    return {};
}

// Syncs the journal first, so a checkpoint never gets ahead of what is durable there. The
// files are written by a child process (fork): its copy of the state stays as it was at this
// seq while ingest goes on, so a checkpoint of a million incidents does not stop intake
// (docs/journal.md, "Checkpoints"). A clean stop writes it here instead. A failed checkpoint
// costs restart time, not data: it is tried again after a back-off, not after every event.
void IngestServer::Impl::take_checkpoint(bool in_background) {
    if (checkpoint_writer != 0) {
        if (!in_background) reap_checkpoint(true);
        return;
    }
    if (state.last_seq() == checkpointed_seq || events.failing()) return;
    const TimeMs now = clock();
    if (in_background && now < next_checkpoint_try) return;
    if (!events.settle()) return;
    const std::uint64_t seq = state.last_seq();
    if (in_background) {
        const pid_t parent = ::getpid();
        const pid_t child = ::fork();
        if (child == 0) {
            // The child holds nothing of ingest's but memory: not its listening sockets (a
            // restarted ingest must be able to bind them while a checkpoint is still being
            // written) nor the journal; and it goes when ingest goes, even by kill -9.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) _exit(1);  // ingest is gone already
            ::close_range(3, ~0U, 0);
            _exit(write_checkpoint_files(seq) ? 0 : 1);  // only the state is touched
        }
        if (child > 0) {
            checkpoint_writer = child;
            checkpoint_writing_seq = seq;
            return;
        }
        log(std::string("checkpoint written in the loop (cannot fork: ") + std::strerror(errno) +
            ")");
    }
    checkpoint_done(seq, write_checkpoint_files(seq), now);
}

// Waits for a checkpoint being written by a child, or only looks whether it has finished.
void IngestServer::Impl::reap_checkpoint(bool wait) {
    if (checkpoint_writer == 0) return;
    int status = 0;
    pid_t done;
    do {
        done = ::waitpid(checkpoint_writer, &status, wait ? 0 : WNOHANG);
    } while (done < 0 && errno == EINTR);
    if (done == 0) return;
    checkpoint_writer = 0;
    checkpoint_done(checkpoint_writing_seq,
                    done > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, clock());
}

void IngestServer::Impl::checkpoint_done(std::uint64_t seq, bool written, TimeMs now) {
    if (written) {
        checkpoint_retry_ms = 0;
        next_checkpoint_try = 0;
        checkpointed_seq = std::max(checkpointed_seq, seq);
        return;
    }
    ++counters.checkpoint_failures;
    checkpoint_retry_ms =
        std::clamp<TimeMs>(checkpoint_retry_ms * 2, kFirstCheckpointRetryMs, kMaxCheckpointRetryMs);
    next_checkpoint_try = now + checkpoint_retry_ms;
    throttled.write("checkpoint",
                    "checkpoint at seq " + std::to_string(seq) + " failed (next try in " +
                        std::to_string(checkpoint_retry_ms / 1000) +
                        " s; the journal holds everything)",
                    now);
}

// The checkpoint, then the unit roster and the day's counts that name it (a roster never names
// a checkpoint that is not there). Streamed from the state: no second copy of the city.
bool IngestServer::Impl::write_checkpoint_files(std::uint64_t seq) const {
    if (auto written = state.write_checkpoint(config.journal_dir); !written) {
        log("checkpoint failed: " + written.error());
        return false;
    }
    if (auto saved = units.save(config.journal_dir, seq); !saved)
        log("unit roster not saved: " + saved.error());
    if (auto saved = day.save(config.journal_dir, seq); !saved)
        log("day ledger not saved: " + saved.error());
    if (auto saved = save_notices(seq); !saved)
        log("departments' notices not saved: " + saved.error());
    if (config.drill)
        if (auto saved = save_bookmarks(config.journal_dir, seq, bookmarks); !saved)
            log("drill bookmarks not saved: " + saved.error());
    return true;
}

}  // namespace citywall::ingest
