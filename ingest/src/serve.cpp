#include "serve.hpp"

#include <atomic>
#include <csignal>
#include <cstdio>

namespace citywall::ingest {

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) {
    g_stop.store(true);
}
}  // namespace

int serve_until_stopped(const char* program, const IngestConfig& config,
                        const StartOptions& options) {
    auto server = IngestServer::create(config, options);
    if (!server) {
        std::fprintf(stderr, "%s: %s\n", program, server.error().c_str());
        return 1;
    }
    // A file size limit is a failed write for the journal to report and heal, not a crash.
    std::signal(SIGXFSZ, SIG_IGN);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    (*server)->run(g_stop);
    return 0;
}

}  // namespace citywall::ingest
