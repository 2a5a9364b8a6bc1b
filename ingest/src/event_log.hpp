// Private to ingest: the event log, the one path every event takes — numbered, journaled,
// published once the disk has it (docs/journal.md, "Batches"). Incidents and units go through
// it today; orders, case steps and drill control are further kinds of wire::Message on the same
// path. What an event does to the state is its owner's business, after append() took it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/journal.hpp"
#include "citywall/result.hpp"
#include "citywall/wire.hpp"

namespace citywall::ingest {

// Events a journal record may hold at most (docs/journal.md): one over it is refused before it
// is numbered.
constexpr std::size_t kMaxJournalPayload = 64u << 20;
// Events journaled with one write at most; a drain pass writes what it has at its end anyway.
constexpr std::size_t kJournalBatch = 256;

struct EventLogCounters {
    std::uint64_t journaled = 0;         // events written (not yet necessarily on disk)
    std::uint64_t published = 0;         // sent to the walls once on disk
    std::uint64_t journal_failures = 0;  // writes that failed; intake stopped, then retried
    std::uint64_t journal_retries = 0;
};

// An event taken in and numbered that the journal never got: handed back when a journal that
// came back no longer matches the state (EventLog::retry).
struct UnjournaledEvent {
    JournalRecord record;
    std::string source;  // who sent it: a department's code, or ingest's own ("@deadlines")
};

class EventLog {
  public:
    struct Hooks {
        // Sends a durable event's bytes to every wall, in the order of their numbers.
        std::function<void(std::string_view bytes)> publish;
        // Everything up to `seq` is published: what waited for it (answers to departments)
        // may go.
        std::function<void(std::uint64_t seq)> published;
        // The journal was opened anew and holds less than the state (events written but lost
        // with the old writer, or numbers its recovery reserved): the owner rebuilds the state
        // from the journal, calls resume(), and keeps the events that were never journaled
        // (never published, never answered) where an operator finds them.
        std::function<Result<void>(std::vector<UnjournaledEvent> dropped)> rebuild;
        std::function<void(const std::string& line)> say;  // one line of ingest's log
        std::function<TimeMs()> clock;
    };

    EventLog(JournalOptions journal, Hooks hooks);
    ~EventLog();
    EventLog(const EventLog&) = delete;
    EventLog& operator=(const EventLog&) = delete;

    // Opens the journal, cutting off a torn tail. The owner then reads what it holds and calls
    // resume().
    [[nodiscard]] Result<void> open();
    // What opening found: the highest number written or reserved, and the damage read past.
    const JournalRecovery& recovery() const;
    std::uint64_t journal_last_seq() const;
    // After the journal was read up to `seq`: numbering goes on above it (and above anything
    // the journal holds or reserved), and everything up to it counts as published.
    void resume(std::uint64_t seq);

    // Numbers `message` (its seq), encodes it and queues it for the journal: the number, or why
    // it cannot be taken (the journal fails; the event is too large). The caller commits the
    // event to its state only when it was taken; it is published at the latest after flush().
    [[nodiscard]] Result<std::uint64_t> append(wire::Message& message, TimeMs now,
                                               std::string_view source);
    std::size_t queued() const { return batch_.size(); }
    bool batch_full() const { return batch_.size() >= kJournalBatch; }
    // Writes what is queued with one write and asks the disk to keep it. If the write fails,
    // the batch is kept and the log fails (failing()) until retry() gets it in.
    void flush();
    // Publishes what the disk holds, in order.
    void publish_durable();
    // Journals what is queued and waits for the disk, so that what follows is not ahead of it.
    // False while the journal fails.
    [[nodiscard]] bool settle();
    // Tries a failing journal again once its back-off has passed (docs/journal.md, "When the
    // journal fails").
    void retry(TimeMs now);

    bool failing() const { return !failure_.empty(); }
    // Why, as every wall shows it ("journal write failed since 03:12:09 (...)"); empty while the
    // journal works.
    const std::string& failure() const { return failure_; }
    std::uint64_t published_seq() const { return published_seq_; }
    // Readable when more of the journal is on disk; -1 while no journal is open.
    int durable_fd() const;
    const EventLogCounters& counters() const { return counters_; }

  private:
    void fail(const std::string& error);
    [[nodiscard]] Result<void> reopen();

    JournalOptions options_;
    Hooks hooks_;
    std::unique_ptr<JournalWriter> journal_;
    std::uint64_t last_numbered_ = 0;
    // Numbered and committed in this drain pass, not yet journaled, hence not yet published;
    // who sent each, for what a rebuild hands back.
    std::vector<JournalRecord> batch_;
    std::vector<std::string> batch_sources_;
    // Journaled but not yet on disk: published once the journal says they are durable, so a
    // number a wall has seen is never lost to a power cut and given to another event.
    std::deque<JournalRecord> unpublished_;
    std::uint64_t published_seq_ = 0;
    // Set while a batch cannot be journaled (the batch is kept): nothing is taken in,
    // published or checkpointed, and every wall is told why.
    std::string failure_;
    TimeMs next_retry_ = 0;
    TimeMs retry_delay_ = 0;
    bool retrying_ = false;
    EventLogCounters counters_;
};

}  // namespace citywall::ingest
