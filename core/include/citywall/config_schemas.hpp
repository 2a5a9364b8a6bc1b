// What each program's TOML file may hold (toml_schema::check), for the programs themselves and
// for what reads their files from outside: a drill package carries both files to another
// centre, with the files they name (toml_schema::FileRole).
#pragma once

#include <span>

#include "citywall/toml_schema.hpp"

namespace citywall {

// citywall-ingest's and citywall-replay's file (docs/config.md).
std::span<const toml_schema::Key> ingest_config_schema();
// citywall-viewer's file (docs/viewer.md).
std::span<const toml_schema::Key> wall_config_schema();

}  // namespace citywall
