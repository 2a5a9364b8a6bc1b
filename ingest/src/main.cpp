// citywall-ingest: receives every department's stream and serves the merged picture.
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>

#include "citywall/config.hpp"
#include "citywall/ingest_server.hpp"

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) {
    g_stop.store(true);
}
}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"citywall-ingest: departments in, one sequenced, journaled picture out"};
    std::string config_path, journal_dir;
    app.add_option("-c,--config", config_path, "ingest configuration (TOML)")->required();
    app.add_option("--journal", journal_dir, "journal directory (overrides the config)");
    citywall::ingest::StartOptions start;
    app.add_flag("--accept-journal-damage", start.accept_journal_damage,
                 "start although the journal has damage where published events may have been "
                 "(the refusal names them); recorded beside the journal");
    CLI11_PARSE(app, argc, argv);

    auto config = citywall::load_ingest_config(config_path);
    if (!config) {
        std::fprintf(stderr, "citywall-ingest: config: %s\n", config.error().c_str());
        return 2;
    }
    if (!journal_dir.empty()) config->journal_dir = journal_dir;
    auto server = citywall::ingest::IngestServer::create(*config, start);
    if (!server) {
        std::fprintf(stderr, "citywall-ingest: %s\n", server.error().c_str());
        return 1;
    }
    // A file size limit is a failed write for the journal to report and heal, not a crash.
    std::signal(SIGXFSZ, SIG_IGN);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    (*server)->run(g_stop);
    return 0;
}
