// The event log: numbered, journaled with one write a batch, published once the disk has it;
// a journal that fails stops the path and heals with back-off (docs/journal.md).
#include "event_log.hpp"

#include <algorithm>
#include <ctime>

#include "citywall/utf8.hpp"

namespace citywall::ingest {

namespace {

// A journal that cannot be written is tried again after this long, doubling up to the limit.
constexpr TimeMs kFirstRetryMs = 250;
constexpr TimeMs kMaxRetryMs = 30'000;

}  // namespace

EventLog::EventLog(JournalOptions journal, Hooks hooks)
    : options_(std::move(journal)), hooks_(std::move(hooks)) {}

EventLog::~EventLog() = default;

Result<void> EventLog::open() {
    journal_.reset();  // releases the directory lock first
    auto opened = JournalWriter::open(options_);
    if (!opened) return opened.because("journal: ");
    journal_ = std::move(*opened);
    return {};
}

const JournalRecovery& EventLog::recovery() const {
    return journal_->recovery();
}

std::uint64_t EventLog::journal_last_seq() const {
    return journal_->last_seq();
}

void EventLog::resume(std::uint64_t seq) {
    last_numbered_ = std::max(seq, journal_ ? journal_->last_seq() : 0);
    published_seq_ = seq;
}

int EventLog::durable_fd() const {
    return journal_ ? journal_->durable_fd() : -1;
}

Result<std::uint64_t> EventLog::append(wire::Message& message, TimeMs now,
                                       std::string_view source) {
    using R = Result<std::uint64_t>;
    if (failing()) return R::failure(ErrorKind::io, failure_);
    const std::uint64_t seq = last_numbered_ + 1;
    std::visit([seq](auto& m) { m.seq = seq; }, message);
    std::string bytes = wire::encode(message);
    // The journal would refuse it when the batch is written, with the events after it: it is
    // refused here instead, before anything commits it.
    if (bytes.size() > kMaxJournalPayload) {
        std::string error = "journal append: an event of " + std::to_string(bytes.size()) +
                            " bytes is over the journal's limit of " +
                            std::to_string(kMaxJournalPayload);
        hooks_.say("journal append failed: " + error);
        return R::failure(ErrorKind::invalid, std::move(error));
    }
    last_numbered_ = seq;
    batch_.push_back(
        {seq, now, static_cast<std::uint16_t>(wire::kind_of(message)), std::move(bytes)});
    batch_sources_.emplace_back(source);
    return seq;
}

void EventLog::flush() {
    if (batch_.empty() || failing()) return;
    if (auto written = journal_->append_batch(batch_); !written) return fail(written.error());
    counters_.journaled += batch_.size();
    for (auto& record : batch_)
        unpublished_.push_back(std::move(record));
    batch_.clear();
    batch_sources_.clear();
    journal_->request_sync();
    publish_durable();
}

void EventLog::publish_durable() {
    if (!journal_) return;
    const std::uint64_t durable = journal_->durable_seq();
    const std::uint64_t was = published_seq_;
    while (!unpublished_.empty() && unpublished_.front().seq <= durable) {
        hooks_.publish(unpublished_.front().payload);
        published_seq_ = unpublished_.front().seq;
        ++counters_.published;
        unpublished_.pop_front();
    }
    if (published_seq_ != was) hooks_.published(published_seq_);
}

bool EventLog::settle() {
    flush();
    if (failing()) return false;
    if (auto synced = journal_->sync(); !synced) {
        fail(synced.error());
        return false;
    }
    publish_durable();
    return !failing();
}

// The state now holds events the disk does not: nothing more is taken in or published until
// they are written. Departments' messages wait in their queues meanwhile (and a department on
// the acknowledged path waits for its acknowledgements).
void EventLog::fail(const std::string& error) {
    const TimeMs now = hooks_.clock();
    ++counters_.journal_failures;
    if (failure_.empty() && !retrying_) {
        const std::time_t t = static_cast<std::time_t>(now / 1000);
        std::tm local{};
        localtime_r(&t, &local);
        char since[16];
        std::strftime(since, sizeof since, "%H:%M:%S", &local);
        // Every wall shows it: UTF-8 (a path may hold any bytes), a line, not a page.
        failure_ = utf8_prefix(
            std::string("journal write failed since ") + since + " (" + error + ")", 512);
        retry_delay_ = kFirstRetryMs;
        hooks_.say("JOURNAL FAILED: " + error +
                   "; nothing is taken in or published until it can be written again (retrying "
                   "with back-off)");
    } else {
        if (failure_.empty()) failure_ = utf8_prefix("journal write failed (" + error + ")", 512);
        retry_delay_ = std::min(retry_delay_ * 2, kMaxRetryMs);
    }
    next_retry_ = now + retry_delay_;
}

// Writes the kept batch again. A writer that refuses everything (a failed fdatasync) is
// replaced by a new one, which recovers from what is on disk; if the batch's numbers can no
// longer follow it, the owner rebuilds the state from the journal and the batch, never
// published or acknowledged, is handed to it to keep.
void EventLog::retry(TimeMs now) {
    if (!failing() || now < next_retry_) return;
    ++counters_.journal_retries;
    if (!journal_ || journal_->broken()) {
        if (auto reopened = reopen(); !reopened) return fail(reopened.error());
        // Written events the disk lost, or numbers the recovery reserved: the state is ahead
        // of the journal and cannot be trusted.
        if (!unpublished_.empty() ||
            (!batch_.empty() && journal_->last_seq() >= batch_.front().seq)) {
            hooks_.say("journal reopened after seq " + std::to_string(journal_->last_seq()) + "; " +
                       std::to_string(batch_.size() + unpublished_.size()) +
                       " events that were never published are dropped and the state is rebuilt");
            std::vector<UnjournaledEvent> dropped;
            dropped.reserve(batch_.size());
            for (std::size_t i = 0; i < batch_.size(); ++i)
                dropped.push_back({std::move(batch_[i]), std::move(batch_sources_[i])});
            batch_.clear();
            batch_sources_.clear();
            unpublished_.clear();
            if (auto rebuilt = hooks_.rebuild(std::move(dropped)); !rebuilt)
                return fail(rebuilt.error());
        }
    }
    const std::string was = std::move(failure_);
    failure_.clear();
    retrying_ = true;
    flush();
    retrying_ = false;
    if (failing()) {
        failure_ = was;  // fail() set a longer back-off; the reason keeps its "since"
        return;
    }
    hooks_.say("journal writable again; resumed after: " + was);
}

Result<void> EventLog::reopen() {
    if (auto opened = open(); !opened) return opened;
    // What was written but not known to be durable is on disk now (the new writer synced it).
    publish_durable();
    return {};
}

}  // namespace citywall::ingest
