// The ingest process: departments in, one numbered, journaled, published picture out.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "citywall/config.hpp"
#include "citywall/result.hpp"

namespace citywall::ingest {

struct IngestCounters {
    std::uint64_t accepted = 0;
    std::uint64_t rejected = 0;
    std::uint64_t published = 0;
    std::uint64_t snapshots_served = 0;
    std::uint64_t cases_served = 0;      // replies to a wall asking for one incident
    std::uint64_t requests_refused = 0;  // snapshot-socket requests that were neither
    std::uint64_t recovered_events = 0;
};

class IngestServer {
  public:
    // Loads the map, recovers the journal and binds every socket; fails with a reason.
    static Result<std::unique_ptr<IngestServer>> create(const IngestConfig& config);
    ~IngestServer();
    IngestServer(const IngestServer&) = delete;
    IngestServer& operator=(const IngestServer&) = delete;

    // Serves until `stop` becomes true (checked at least every 100 ms).
    void run(const std::atomic<bool>& stop);
    IngestCounters counters() const;

  private:
    struct Impl;
    explicit IngestServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace citywall::ingest
