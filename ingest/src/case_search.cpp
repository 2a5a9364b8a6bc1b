#include "case_search.hpp"

#include <set>

#include "city_state.hpp"
#include "citywall/journal.hpp"

namespace citywall::ingest {

JournalCaseSearch::JournalCaseSearch(std::filesystem::path journal_dir)
    : journal_dir_(std::move(journal_dir)), thread_([this] { run(); }) {}

JournalCaseSearch::~JournalCaseSearch() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

bool JournalCaseSearch::ask(std::uint64_t id, const std::string& peer) {
    {
        std::lock_guard lock(mutex_);
        // Asked while being read: that reading answers it too. A case looked for here is
        // closed, so every event of it was journaled before it was asked for.
        auto waiting = reading_.find(id);
        if (waiting == reading_.end()) waiting = wanted_.find(id);
        if (waiting == wanted_.end()) {
            if (wanted_.size() + reading_.size() >= kMaxWanted) return false;
            waiting = wanted_.emplace(id, std::vector<std::string>{}).first;
        }
        auto& peers = waiting->second;
        if (std::find(peers.begin(), peers.end(), peer) == peers.end()) peers.push_back(peer);
    }
    wake_.notify_one();
    return true;
}

std::optional<wire::IncidentCase> JournalCaseSearch::recall(std::uint64_t id) const {
    std::lock_guard lock(mutex_);
    auto it = recent_.find(id);
    if (it == recent_.end()) return std::nullopt;
    return it->second;
}

std::vector<JournalCaseSearch::Answer> JournalCaseSearch::take() {
    std::lock_guard lock(mutex_);
    return std::exchange(ready_, {});
}

std::uint64_t JournalCaseSearch::readings() const {
    std::lock_guard lock(mutex_);
    return readings_;
}

void JournalCaseSearch::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return stopping_ || !wanted_.empty(); });
        if (stopping_) return;
        reading_ = std::exchange(wanted_, {});
        std::vector<std::uint64_t> ids;
        for (const auto& [id, peers] : reading_)
            ids.push_back(id);
        lock.unlock();
        auto found = read(journal_dir_, ids, &stopping_);
        lock.lock();
        for (auto& answer : found) {
            if (answer.has_incident()) {
                if (recent_.insert_or_assign(answer.id, answer).second)
                    recent_order_.push_back(answer.id);
                if (recent_order_.size() > kRecent) {
                    recent_.erase(recent_order_.front());
                    recent_order_.pop_front();
                }
            }
            ready_.push_back({std::move(reading_[answer.id]), std::move(answer)});
        }
        reading_.clear();
        ++readings_;
    }
}

// Every event of the wanted incidents, through a state of their own and the same commit() that
// built the live one, so the case comes back as it was kept while it was open.
std::vector<wire::IncidentCase> JournalCaseSearch::read(const std::filesystem::path& journal_dir,
                                                        const std::vector<std::uint64_t>& ids,
                                                        const std::atomic<bool>* stop) {
    using Found = wire::IncidentCase::Found;
    const std::set<std::uint64_t> wanted(ids.begin(), ids.end());
    CityState cases;
    std::uint64_t last_seq = 0;
    if (auto reader = JournalReader::open(journal_dir)) {
        while (auto record = (*reader)->next()) {
            if (stop && stop->load(std::memory_order_relaxed)) break;
            last_seq = record->seq;
            auto header = wire::peek_header(record->payload);
            if (!header || header->kind != wire::Kind::incident) continue;
            auto message = wire::decode(record->payload);
            auto* update = message ? std::get_if<wire::IncidentUpdate>(&*message) : nullptr;
            if (!update || !wanted.contains(update->incident.id)) continue;
            cases.skip_to(record->seq - 1);
            cases.commit(record->seq, cases.change(std::move(update->incident)));
        }
    }
    std::vector<wire::IncidentCase> out;
    for (const std::uint64_t id : ids) {
        wire::IncidentCase found = cases.incident_case(id);
        found.seq = last_seq;
        if (found.has_incident()) {
            // Read from the journal, closed or (a reading that ended before it closed) open.
            found.open = false;
            found.found = Found::journal;
        }
        out.push_back(std::move(found));
    }
    return out;
}

}  // namespace citywall::ingest
