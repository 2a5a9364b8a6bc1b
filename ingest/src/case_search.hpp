// Closed cases older than those the state keeps, read back from the journal for the walls that
// open them by id (docs/dispatch.md, "Closed cases"). The journal is read on a thread of its
// own, so the loop never waits on the disk; one reading answers every id asked meanwhile.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "citywall/wire.hpp"

namespace citywall::ingest {

class JournalCaseSearch {
  public:
    // Ids waiting or being looked for at most; more are refused (the wall asks again).
    static constexpr std::size_t kMaxWanted = 64;

    explicit JournalCaseSearch(std::filesystem::path journal_dir);
    ~JournalCaseSearch();
    JournalCaseSearch(const JournalCaseSearch&) = delete;
    JournalCaseSearch& operator=(const JournalCaseSearch&) = delete;

    // Looks for `id` on behalf of the wall connection `peer`, up to the events journaled so
    // far; false when too many ids are wanted already.
    bool ask(std::uint64_t id, const std::string& peer);
    struct Answer {
        std::vector<std::string> peers;  // who asked
        wire::IncidentCase found;        // found is `journal`, or `none`
    };
    // A case read lately (the latest kRecent), without reading again: closed cases stay so
    // unless reopened, and a reopened one is open in the state, which is asked first.
    std::optional<wire::IncidentCase> recall(std::uint64_t id) const;
    static constexpr std::size_t kRecent = 256;
    // The answers ready since the last call.
    std::vector<Answer> take();
    std::uint64_t readings() const;  // journal readings finished

    // One reading: the cases of `ids` as the journal holds them (the ones it lacks: none);
    // it ends early, with what it has read, once `stop` is set.
    static std::vector<wire::IncidentCase> read(const std::filesystem::path& journal_dir,
                                                const std::vector<std::uint64_t>& ids,
                                                const std::atomic<bool>* stop = nullptr);

  private:
    void run();
    const std::filesystem::path journal_dir_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::atomic<bool> stopping_{false};
    std::map<std::uint64_t, std::vector<std::string>> wanted_;  // not yet being read
    std::map<std::uint64_t, std::vector<std::string>> reading_;
    std::vector<Answer> ready_;
    std::map<std::uint64_t, wire::IncidentCase> recent_;
    std::deque<std::uint64_t> recent_order_;
    std::uint64_t readings_ = 0;
    std::thread thread_;  // last: started once the rest is built
};

}  // namespace citywall::ingest
