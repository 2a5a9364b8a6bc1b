// The end of citywall-ingest's and citywall-replay's main(): the server made from the config,
// served until SIGINT or SIGTERM. Returns the exit status (1: it could not start, said why).
#pragma once

#include "citywall/config.hpp"
#include "citywall/ingest_server.hpp"

namespace citywall::ingest {

int serve_until_stopped(const char* program, const IngestConfig& config,
                        const StartOptions& options);

}  // namespace citywall::ingest
