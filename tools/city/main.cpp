// citywall-city: tools for bringing a new city's maps to the wall (docs/new-city.md).
//
//   citywall-city check city-data/ --write-config city.toml
//
// reads every vector layer in the folder, reports what each holds and how the polygon layers
// nest, and writes a starter config of [[area]] tables from its guesses.
//
// Exit status: 0 every input was read (problems in the data are reported, not fatal); 1 an
// input could not be read, no polygon layer was found, or the config could not be written;
// 2 a usage error, or a config file that exists without --force.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "city_check.hpp"

namespace {

using namespace citywall;

std::string today_utc() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"citywall-city: bring a new city's maps to the wall"};
    app.require_subcommand(1);
    std::vector<std::string> inputs;
    std::string config;
    bool force = false;
    CLI::App* check = app.add_subcommand(
        "check",
        "inspect a city's vector layers (folders are searched recursively), report how the "
        "polygon layers nest, and optionally write a starter config");
    check->add_option("inputs", inputs, "folders and files of vector layers")->required();
    check->add_option("--write-config", config,
                      "write a starter config of [[area]] tables to this file");
    check->add_flag("--force", force, "write over an existing --write-config file");
    check->footer(
        "Exit status: 0 every input was read; 1 an input could not be read or no polygon "
        "layer was found; 2 a usage error. See docs/new-city.md.");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error) == 0 ? 0 : 2;
    }

    std::error_code error;
    if (!config.empty() && !force && std::filesystem::exists(config, error)) {
        std::fprintf(stderr, "citywall-city: %s exists (give --force to write over it)\n",
                     config.c_str());
        return 2;
    }

    const city::CityCheck result = city::check(inputs);
    std::fputs(city::report(result).c_str(), stdout);
    std::fflush(stdout);
    for (const city::InputProblem& problem : result.unreadable)
        std::fprintf(stderr, "citywall-city: cannot read %s: %s\n", problem.path.c_str(),
                     problem.message.c_str());
    if (!result.has_levels())
        std::fprintf(stderr, "citywall-city: no polygon layer found: nothing to make areas of\n");

    if (!config.empty()) {
        if (!result.has_levels()) {
            std::fprintf(stderr, "citywall-city: no config written\n");
        } else if (auto written = city::write_starter_config(result, config, force, today_utc());
                   !written) {
            std::fprintf(stderr, "citywall-city: %s\n", written.error().c_str());
            return 1;
        } else {
            std::fprintf(stderr, "citywall-city: starter config written to %s: read and edit it\n",
                         config.c_str());
        }
    }
    return result.exit_status();
}
