// Memory: the built citywall-ingest as a separate process with a generated TOML config, RSS
// after loading the map and after N open incidents.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "ingest_bench.hpp"

namespace citywall::bench {

namespace {

Rss rss_of(pid_t pid) {
    Rss rss;
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        auto value = [&] { return std::strtol(line.c_str() + line.find(':') + 1, nullptr, 10); };
        if (line.rfind("VmRSS:", 0) == 0) rss.rss_kib = value();
        if (line.rfind("RssAnon:", 0) == 0) rss.anon_kib = value();
        if (line.rfind("RssFile:", 0) == 0) rss.file_kib = value();
        if (line.rfind("VmHWM:", 0) == 0) rss.hwm_kib = value();
    }
    return rss;
}

std::string toml_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// The same configuration as ingest_config(), as a file for citywall-ingest --config.
void write_toml(const IngestConfig& config, const fs::path& file) {
    std::ofstream out(file);
    out << "[ingest]\n"
        << "updates_endpoint = " << toml_string(config.updates_endpoint) << "\n"
        << "snapshot_endpoint = " << toml_string(config.snapshot_endpoint) << "\n"
        << "journal_dir = " << toml_string(config.journal_dir.string()) << "\n"
        << "fsync_interval_ms = " << config.fsync_interval_ms << "\n"
        << "heartbeat_ms = " << config.heartbeat_ms << "\n\n"
        << "[security]\nkeys = \"off\"\n\n"
        << "[placement]\n"
        << "grid_source = " << toml_string(config.placement.grid_source.string()) << "\n"
        << "beat_source = " << toml_string(config.placement.beat_source.string()) << "\n\n";
    for (const auto& d : config.departments) {
        out << "[[department]]\n"
            << "code = " << toml_string(d.code) << "\n"
            << "name = " << toml_string(d.name) << "\n"
            << "name_en = " << toml_string(d.name_en) << "\n"
            << "endpoint = " << toml_string(d.endpoint) << "\n"
            << "heartbeat_s = " << d.heartbeat_s << "\n\n";
    }
}

}  // namespace

// Runs citywall-ingest as a child process (keys off) and reads its RSS after the map is loaded
// and after `options.memory_incidents` open incidents. Senders stay at most 20,000 events ahead
// of the subscriber, so no socket queue is full when the RSS is read.
std::optional<MemoryResult> ingest_memory(const Options& options,
                                          const std::vector<LonLat>& points) {
    MemoryResult result;
    result.incidents = options.memory_incidents;
    const auto dir = scratch_dir("memory");
    const auto config = ingest_config(options, dir, nullptr);
    write_toml(config, dir / "ingest.toml");
    const std::string log = (dir / "ingest.log").string();

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const std::string config_path = (dir / "ingest.toml").string();
    std::vector<std::string> args = {options.ingest_exe, "--config", config_path};
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int spawned =
        posix_spawn(&pid, options.ingest_exe.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        std::fprintf(stderr, "cannot start %s: %s\n", options.ingest_exe.c_str(),
                     std::strerror(spawned));
        return std::nullopt;
    }
    bool ok = true;
    {
        zmq::context_t client_context{1};
        Subscriber subscriber(client_context, config.updates_endpoint, nullptr);
        // The first heartbeat: the map is loaded and every socket bound.
        if (!subscriber.wait_ready(30s)) {
            std::fprintf(stderr, "citywall-ingest did not start; see %s\n", log.c_str());
            ok = false;
        } else {
            std::this_thread::sleep_for(500ms);
            result.map_loaded = rss_of(pid);
            const int departments = options.departments;
            const int per_department = options.memory_incidents / departments;
            const std::uint64_t total = static_cast<std::uint64_t>(per_department) *
                                        static_cast<std::uint64_t>(departments);
            result.incidents = static_cast<int>(total);
            const auto start = Clock::now();
            std::vector<std::thread> threads;
            for (int d = 0; d < departments; ++d) {
                threads.emplace_back([&, d] {
                    zmq::socket_t push(client_context, zmq::socket_type::push);
                    push.set(zmq::sockopt::linger, 2000);
                    push.connect(config.departments[static_cast<std::size_t>(d)].endpoint);
                    for (int k = 0; k < per_department; ++k) {
                        const auto sent_total =
                            static_cast<std::uint64_t>(k) * static_cast<std::uint64_t>(departments);
                        while (sent_total > subscriber.incidents() + 20'000)
                            std::this_thread::sleep_for(1ms);
                        const auto kk = static_cast<std::uint64_t>(k);
                        auto body = report(
                            d, kk,
                            points[(kk * 16 + static_cast<std::uint64_t>(d)) % points.size()],
                            steady_ns());
                        push.send(zmq::buffer(body), zmq::send_flags::none);
                    }
                });
            }
            while (subscriber.incidents() < total / 2 && seconds_since(start) < 60)
                std::this_thread::sleep_for(1ms);
            result.half = rss_of(pid);
            for (auto& t : threads)
                t.join();
            wait_for(subscriber, total);
            result.seconds = seconds_since(start);
            result.received = subscriber.incidents();
            std::this_thread::sleep_for(500ms);
            result.full = rss_of(pid);
        }
        subscriber.stop();
    }
    ::kill(pid, SIGTERM);
    int status = 0;
    for (int waited = 0; waited < 300 && ::waitpid(pid, &status, WNOHANG) == 0; ++waited)
        std::this_thread::sleep_for(100ms);
    if (::waitpid(pid, &status, WNOHANG) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    fs::remove_all(dir);
    if (!ok) return std::nullopt;
    return result;
}

}  // namespace citywall::bench
