// Test plumbing for real sockets on loopback: free ports, and an in-process ingest that is
// stopped and joined even when a test fails.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "citywall/config.hpp"
#include "citywall/ingest_server.hpp"

namespace citywall::testing {

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
        if (!free) continue;
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

class RunningIngest {
  public:
    explicit RunningIngest(const IngestConfig& config) {
        auto server = ingest::IngestServer::create(config);
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
