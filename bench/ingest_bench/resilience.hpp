// What the resilience phases share (flood, stuck-subscribers, snapshot-loop, checkpoint-stall):
// a watcher on the updates stream, the paced quiet department, departments that keep updating
// a fixed set of incidents, loading open incidents, sampling the ingest's memory, percentiles.
#pragma once

#include "ingest_bench.hpp"

namespace citywall::bench {

// ingest_config() with `departments` departments, d00 to d<N-1>.
IngestConfig resilience_config(const Options& options, const fs::path& dir, int departments);

// The category department `d` sends (report()): how the watcher tells the quiet one's updates.
std::string category_of(int department);

// Watches the updates stream: counts incident updates; decodes the quiet department's (found by
// its category) and records send → receive from the send time in their titles; records the
// arrival of every heartbeat. The recorded vectors are read after stop().
class StreamWatcher {
  public:
    struct Sample {
        std::int64_t sent_ns = 0, received_ns = 0;
    };
    StreamWatcher(zmq::context_t& context, const std::string& endpoint, int quiet_department);
    ~StreamWatcher() { stop(); }
    void stop();
    // The first heartbeat: the map is loaded and every socket bound.
    bool wait_ready(std::chrono::milliseconds limit) const;
    std::uint64_t incidents() const { return incidents_.load(); }
    std::uint64_t quiet() const { return quiet_.load(); }
    std::uint64_t gaps() const { return gaps_.load(); }
    Clock::time_point last_incident() const {
        return Clock::time_point(Clock::duration(last_ns_.load()));
    }
    // Waits until `expected` incident updates arrived, or nothing more came for `idle`.
    void wait_for(std::uint64_t expected, std::chrono::milliseconds idle = 3000ms) const;
    const std::vector<Sample>& quiet_samples() const { return samples_; }
    const std::vector<std::int64_t>& heartbeats() const { return heartbeats_; }

  private:
    void loop(zmq::context_t& context, const std::string& endpoint);

    std::string marker_;
    std::atomic<bool> stop_{false}, ready_{false};
    std::atomic<std::uint64_t> incidents_{0}, quiet_{0}, gaps_{0};
    std::atomic<Clock::rep> last_ns_{0};
    std::vector<Sample> samples_;
    std::vector<std::int64_t> heartbeats_;
    std::thread thread_;
};

// Department `department` reporting new incidents at `rate` a second, paced, on its own PUSH
// socket, until stop().
class QuietFeed {
  public:
    QuietFeed(zmq::context_t& context, const IngestConfig& config, int department, double rate,
              const std::vector<LonLat>& points);
    ~QuietFeed() { stop(); }
    void stop();
    std::uint64_t sent() const { return sent_.load(); }

  private:
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> sent_{0};
    std::thread thread_;
};

// Department `department` on a PUSH socket of its own, sending reports for the incidents
// [first, first + count) of its ids over and over (the first round opens them, every later one
// moves them: an update each), at `rate` a second (0: as fast as it can), until stop().
class CyclingSender {
  public:
    CyclingSender(zmq::context_t& context, const std::string& endpoint, int department,
                  std::uint64_t first, std::uint64_t count, double rate,
                  const std::vector<LonLat>& points);
    ~CyclingSender() { stop(); }
    // Starts sending (the socket connects at construction).
    void go() { go_.store(true); }
    void stop();
    std::uint64_t sent() const { return sent_.load(); }

  private:
    std::atomic<bool> go_{false}, stop_{false};
    std::atomic<std::uint64_t> sent_{0};
    std::thread thread_;
};

// Opens `total` new incidents from departments 0 to `senders` − 1, as fast as the ingest takes
// them (at most 20,000 ahead of what `watcher` has seen), giving up after `limit_s`.
struct LoadResult {
    std::uint64_t wanted = 0, sent = 0, received = 0;
    double seconds = 0;
    bool complete() const { return received >= wanted; }
};
LoadResult load_incidents(zmq::context_t& context, const IngestConfig& config, int senders,
                          std::uint64_t total, const StreamWatcher& watcher,
                          const std::vector<LonLat>& points, double limit_s);

// Samples a process's VmRSS every `every` and keeps the largest since reset_peak().
class RssSampler {
  public:
    explicit RssSampler(pid_t pid, std::chrono::milliseconds every = 50ms);
    ~RssSampler() { stop(); }
    void stop();
    void reset_peak() { peak_kib_.store(0); }
    long peak_kib() const { return peak_kib_.load(); }

  private:
    std::atomic<bool> stop_{false};
    std::atomic<long> peak_kib_{0};
    std::thread thread_;
};

struct Percentiles {
    std::size_t count = 0;
    double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
};
Percentiles percentiles(std::vector<std::int64_t> ns);

inline double mib(long kib) {
    return static_cast<double>(kib) / 1024.0;
}

// A scratch directory removed when the phase ends, unless keep() (then its ingest.log stays to
// be read).
class ScratchDir {
  public:
    explicit ScratchDir(const std::string& name) : path_(scratch_dir(name)) {}
    ~ScratchDir() {
        if (!keep_) fs::remove_all(path_);
    }
    const fs::path& path() const { return path_; }
    void keep() { keep_ = true; }

  private:
    fs::path path_;
    bool keep_ = false;
};

}  // namespace citywall::bench
