// Fresh CURVE key pairs for tests: a test that needs a department, a wall or an ingest makes its
// own, so no test depends on the demo's keys.
#pragma once

#include <stdexcept>

#include "citywall/keys.hpp"

namespace citywall::testing {

inline KeyPair fresh_key_pair() {
    auto keys = generate_key_pair();
    if (!keys) throw std::runtime_error(keys.error());
    return *keys;
}

}  // namespace citywall::testing
