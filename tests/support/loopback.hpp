// Test plumbing for real sockets on loopback: free ports, and an in-process ingest that is
// stopped and joined even when a test fails.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "citywall/config.hpp"
#include "citywall/ingest_server.hpp"

namespace citywall::testing {

// Claims `port` for this test process among all test processes on the machine, for as long as
// it lives: a file named after the port holds the claimant's pid. A test that restarts its
// ingest on the same ports (after kill -9) leaves them unbound for a moment, and a test running
// beside it must not take one then. A claim whose process has gone is taken over.
inline bool claim_port_for_this_process(int port) {
    const std::string dir = "/tmp/citywall-test-ports";
    ::mkdir(dir.c_str(), 01777);
    const std::string file = dir + "/" + std::to_string(port);
    const std::string me = std::to_string(::getpid());
    for (int attempt = 0; attempt < 2; ++attempt) {
        const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) {
            // Let go at a normal exit; after a crash the next claimant finds the pid gone.
            static struct Claims {
                std::vector<std::string> files;
                ~Claims() {
                    for (const auto& f : files)
                        ::unlink(f.c_str());
                }
            } claims;
            claims.files.push_back(file);
            const bool written =
                ::write(fd, me.data(), me.size()) == static_cast<ssize_t>(me.size());
            ::close(fd);
            return written;
        }
        char owner[32] = {};
        const int existing = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (existing < 0) continue;
        const ssize_t n = ::read(existing, owner, sizeof owner - 1);
        ::close(existing);
        const long pid = n > 0 ? std::strtol(owner, nullptr, 10) : 0;
        if (pid == ::getpid()) return false;  // ours already: chosen before, not again
        if (pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM)) return false;
        ::unlink(file.c_str());  // its process has gone
    }
    return false;
}

// A free port on 127.0.0.1, free again when this returns, to be bound a little later. It is
// taken below the kernel's ephemeral range (32768 and up on Linux; the render tests keep to
// 20000-28200): a port the kernel hands out is also what it gives the next outgoing connection,
// and a test's own connections would then take the port before its ingest binds it.
inline int free_tcp_port() {
    static std::mt19937 random(static_cast<unsigned>(::getpid()) ^
                               static_cast<unsigned>(std::random_device{}()));
    static std::set<int> given;  // chosen but perhaps not bound yet: never twice
    std::uniform_int_distribution<int> pick(10000, 19999);
    for (int attempt = 0; attempt < 1000; ++attempt) {
        const int port = pick(random);
        if (given.contains(port)) continue;
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        ::close(fd);
        if (!free || !claim_port_for_this_process(port)) continue;
        given.insert(port);
        return port;
    }
    throw std::runtime_error("no free port");
}

inline std::string loopback_endpoint() {
    return "tcp://127.0.0.1:" + std::to_string(free_tcp_port());
}

inline DepartmentConfig department_config(std::string code, std::string name, std::string endpoint,
                                          std::string crs = "EPSG:4326", int heartbeat_s = 5) {
    DepartmentConfig d;
    d.code = std::move(code);
    d.name = d.name_en = std::move(name);
    d.endpoint = std::move(endpoint);
    d.crs = std::move(crs);
    d.heartbeat_s = heartbeat_s;
    return d;
}

// An ingest on loopback ports of its own with keys off (the key gate has its own tests),
// heartbeats every 200 ms, journaling into `journal_dir`.
inline IngestConfig loopback_config(const std::filesystem::path& journal_dir) {
    IngestConfig config;
    config.updates_endpoint = loopback_endpoint();
    config.snapshot_endpoint = loopback_endpoint();
    config.journal_dir = journal_dir;
    config.heartbeat_ms = 200;
    config.keys_off = true;
    return config;
}

class RunningIngest {
  public:
    explicit RunningIngest(const IngestConfig& config, const ingest::StartOptions& options = {}) {
        auto server = ingest::IngestServer::create(config, options);
        if (!server) throw std::runtime_error("ingest: " + server.error());
        server_ = std::move(*server);
        thread_ = std::thread([this] { server_->run(stop_); });
    }
    ~RunningIngest() { stop(); }
    void stop() {
        stop_.store(true);
        if (thread_.joinable()) thread_.join();
    }
    ingest::IngestServer& server() { return *server_; }

  private:
    std::unique_ptr<ingest::IngestServer> server_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace citywall::testing
