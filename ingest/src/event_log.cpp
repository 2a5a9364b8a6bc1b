// The event log: the one path of every event in ingest — numbered, journaled, published once
// the disk has it, answered to the department that waits — with what keeps that path honest:
// recovery and its damage check, a journal that fails and heals, checkpoints beside intake
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
        auto* update = message ? std::get_if<wire::IncidentUpdate>(&*message) : nullptr;
        if (!update || update->seq != record->seq) {
            ++undecodable;
            continue;
        }
        if (update->seq <= state.last_seq()) continue;
        of_other_kind(update->incident);
        const IncidentChange change = state.change(std::move(update->incident));
        day.observe(change, record->time);
        state.commit(record->seq, change);
        ++counters.recovered_events;
    }
    // Numbering always goes on after the journal's last record, even one this build cannot read
    // (written by another version, or damaged inside an intact frame): never a reused number.
    if (journal->last_seq() > state.last_seq()) state.skip_to(journal->last_seq());
    if (undecodable != 0)
        log("journal: " + std::to_string(undecodable) +
            " records could not be decoded and were skipped (kept on disk)");
    std::vector<JournalDamage> damage = journal->recovery().damage;
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
    published_seq = state.last_seq();
    // Every open incident with a deadline, by its next step; the steps already in the journal
    // are in the state, so none is taken twice.
    escalations = EscalationSchedule(config.deadlines.escalate_every_ms());
    escalations.rebuild(state);
    const auto& stats = (*reader)->stats();
    const auto& repair = journal->recovery();
    log("journal: recovered " + std::to_string(counters.recovered_events) + " events up to seq " +
        std::to_string(state.last_seq()) + ", " + std::to_string(state.open_count()) +
        " open incidents" +
        (stats.corrupt_records ? ", " + std::to_string(stats.corrupt_records) + " corrupt records"
                               : std::string()) +
        (repair.truncated_bytes ? ", cut a torn tail of " + std::to_string(repair.truncated_bytes) +
                                      " bytes never published; numbering resumes after " +
                                      std::to_string(journal->last_seq())
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

// Writes the pending events to the journal with one write; they are published in order once
// the disk has them (publish_durable). If the write fails, ingest stops taking events and
// keeps the batch to write again (docs/journal.md, "When the journal fails").
void IngestServer::Impl::flush_batch() {
    if (batch.empty() || !journal_failed.empty()) return;
    if (auto written = journal->append_batch(batch); !written) return fence(written.error());
    counters.accepted += batch.size();
    for (auto& record : batch)
        unpublished.push_back(std::move(record));
    batch.clear();
    batch_sources.clear();
    journal->request_sync();
    publish_durable();
}

void IngestServer::Impl::publish_durable() {
    if (!journal) return;
    const std::uint64_t durable = journal->durable_seq();
    while (!unpublished.empty() && unpublished.front().seq <= durable) {
        updates.send(zmq::buffer(unpublished.front().payload), zmq::send_flags::dontwait);
        published_seq = unpublished.front().seq;
        ++counters.published;
        unpublished.pop_front();
    }
    answer_durable();
}

bool IngestServer::Impl::settle() {
    flush_batch();
    if (!journal_failed.empty()) return false;
    if (auto synced = journal->sync(); !synced) {
        fence(synced.error());
        return false;
    }
    publish_durable();
    return journal_failed.empty();
}

// The state now holds events the disk does not: nothing more is taken in or published until
// they are written. Departments' messages wait in their queues meanwhile (and a department on
// the acknowledged path waits for its acknowledgements).
void IngestServer::Impl::fence(const std::string& error) {
    const TimeMs now = clock();
    ++counters.journal_failures;
    if (journal_failed.empty() && !journal_retrying) {
        const std::time_t t = static_cast<std::time_t>(now / 1000);
        std::tm local{};
        localtime_r(&t, &local);
        char since[16];
        std::strftime(since, sizeof since, "%H:%M:%S", &local);
        // Every wall shows it: UTF-8 (a path may hold any bytes), a line, not a page.
        journal_failed = utf8_prefix(
            std::string("journal write failed since ") + since + " (" + error + ")", 512);
        journal_retry_delay = kFirstJournalRetryMs;
        log("JOURNAL FAILED: " + error + "; nothing is taken in or published until it can be " +
            "written again (retrying with back-off)");
    } else {
        if (journal_failed.empty())
            journal_failed = utf8_prefix("journal write failed (" + error + ")", 512);
        journal_retry_delay = std::min(journal_retry_delay * 2, kMaxJournalRetryMs);
    }
    next_journal_retry = now + journal_retry_delay;
}

// Writes the kept batch again. A writer that refuses everything (a failed fdatasync) is
// replaced by a new one, which recovers from what is on disk; if the batch's numbers can no
// longer follow it, the state is rebuilt from the journal and the batch, never published or
// acknowledged, is dropped into the dead letter.
void IngestServer::Impl::retry_journal(TimeMs now) {
    if (journal_failed.empty() || now < next_journal_retry) return;
    ++counters.journal_retries;
    if (!journal || journal->broken()) {
        if (auto reopened = reopen_journal(); !reopened) return fence(reopened.error());
        // Written events the disk lost, or numbers the recovery reserved: the state is ahead
        // of the journal and cannot be trusted.
        if (!unpublished.empty() || (!batch.empty() && journal->last_seq() >= batch.front().seq)) {
            log("journal reopened after seq " + std::to_string(journal->last_seq()) + "; " +
                std::to_string(batch.size() + unpublished.size()) +
                " events that were never published are dropped and the state is rebuilt");
            for (std::size_t i = 0; i < batch.size(); ++i) {
                // An escalation step is ingest's own: the rebuilt schedule takes it again.
                if (batch_sources[i] == kEscalationSource) continue;
                ++counters.rejected;
                health->rejected(batch_sources[i], RejectReason::journal_error);
                // The only copy of an event taken in and never journaled: kept whole.
                (void)dead_letter->write(now, batch_sources[i], RejectReason::journal_error,
                                         journal_failed, batch[i].payload, DeadLetterKeep::whole);
            }
            batch.clear();
            batch_sources.clear();
            unpublished.clear();
            pending_answers.clear();  // the departments send those again
            state = CityState{};
            state.set_neighbour_radius(config.merge.distance_m);
            units = UnitRoster{};
            day = DayLedger{};
            reap_checkpoint(true);
            checkpointed_seq = 0;
            if (auto recovered = recover(); !recovered) return fence(recovered.error());
        }
    }
    const std::string was = std::move(journal_failed);
    journal_failed.clear();
    journal_retrying = true;
    flush_batch();
    journal_retrying = false;
    if (!journal_failed.empty()) {
        journal_failed = was;  // fence() set a longer back-off; the reason keeps its "since"
        return;
    }
    log("journal writable again; resumed after: " + was);
}

Result<void> IngestServer::Impl::reopen_journal() {
    journal.reset();  // releases the directory lock first
    auto reopened = JournalWriter::open({config.journal_dir, 64u << 20, config.fsync_interval_ms});
    if (!reopened) return reopened.because("journal: ");
    journal = std::move(*reopened);
    // What was written but not known to be durable is on disk now (the new writer synced it).
    publish_durable();
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
    if (state.last_seq() == checkpointed_seq || !journal_failed.empty()) return;
    const TimeMs now = clock();
    if (in_background && now < next_checkpoint_try) return;
    if (!settle()) return;
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
    return true;
}

}  // namespace citywall::ingest
