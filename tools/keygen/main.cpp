// citywall-keygen: CURVE key pairs for the ingest and the departments (docs/security.md).
//
//   citywall-keygen --out keys ingest 110 119 120
//
// writes keys/NAME.key (both halves, 0600) and keys/NAME.pub (public half) for each name, and
// prints the public keys as TOML lines for the ingest configuration on stdout.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "citywall/keys.hpp"

namespace {

using namespace citywall;

int fail(const std::string& message) {
    std::fprintf(stderr, "citywall-keygen: %s\n", message.c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"citywall-keygen: CURVE key pairs for citywall-ingest and its departments"};
    std::string out;
    std::vector<std::string> names;
    bool force = false;
    app.add_option("-o,--out", out, "directory for NAME.key (secret, 0600) and NAME.pub")
        ->required();
    app.add_option("names", names, "one key pair per name: 'ingest' and department codes")
        ->required();
    app.add_flag("-f,--force", force, "replace existing key files");
    app.footer(
        "Give each department its NAME.key and ingest.pub; ingest.key stays on the ingest.\n"
        "Paste the printed public_key lines into the departments' [[department]] tables.");
    CLI11_PARSE(app, argc, argv);

    // Every name is checked before anything is written: no half-made key directory.
    std::set<std::string> seen;
    for (const auto& name : names) {
        if (!valid_key_name(name))
            return fail("'" + name +
                        "' is not a key name (letters, digits, '.', '_', '-'; at most 64)");
        if (!seen.insert(name).second) return fail("'" + name + "' is given twice");
        if (force) continue;
        auto files = key_files_for(out, name);
        std::error_code ec;
        for (const auto& file : {files.secret_file, files.public_file})
            if (std::filesystem::exists(file, ec))
                return fail(file.string() + " exists; use --force to replace it");
    }

    std::string toml =
        "# citywall-keygen: each department's public_key goes into its [[department]] table\n";
    for (const auto& name : names) {
        auto keys = generate_key_pair();
        if (!keys) return fail(keys.error());
        auto files = write_key_files(out, name, *keys, force);
        if (!files) return fail(files.error());
        std::fprintf(stderr, "citywall-keygen: wrote %s (secret, 0600) and %s\n",
                     files->secret_file.c_str(), files->public_file.c_str());
        toml += "# " + name + "\npublic_key = \"" + keys->public_key + "\"\n";
    }
    std::fputs(toml.c_str(), stdout);
    return 0;
}
