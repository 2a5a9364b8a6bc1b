// Test plumbing for real sockets on loopback: free ports, and an in-process ingest that is
// stopped and joined even when a test fails.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>

#include "citywall/config.hpp"
#include "ingest_server.hpp"

namespace citywall::testing {

// A port the kernel just handed out on 127.0.0.1; free again when this returns.
inline int free_tcp_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(fd);
        throw std::runtime_error("no free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
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
