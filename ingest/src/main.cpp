// citywall-ingest: receives every department's stream and serves the merged picture.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "citywall/config.hpp"
#include "serve.hpp"

int main(int argc, char** argv) {
    CLI::App app{"citywall-ingest: departments in, one sequenced, journaled picture out"};
    std::string config_path, journal_dir;
    app.add_option("-c,--config", config_path, "ingest configuration (TOML)")->required();
    app.add_option("--journal", journal_dir, "journal directory (overrides the config)");
    citywall::ingest::StartOptions start;
    app.add_flag("--accept-journal-damage", start.accept_journal_damage,
                 "start although the journal has damage where published events may have been "
                 "(the refusal names them); recorded beside the journal");
    std::string scenario;
    app.add_option("--scenario", scenario,
                   "a drill's scenario (CSV, docs/drills.md): its rows sent in at their times "
                   "after the start; the config must be a drill's");
    CLI11_PARSE(app, argc, argv);
    start.scenario = scenario;

    auto config = citywall::load_ingest_config(config_path);
    if (!config) {
        std::fprintf(stderr, "citywall-ingest: config: %s\n", config.error().c_str());
        return 2;
    }
    if (!journal_dir.empty()) config->journal_dir = journal_dir;
    return citywall::ingest::serve_until_stopped("citywall-ingest", *config, start);
}
