#include "log_throttle.hpp"

namespace citywall::ingest {

void LogThrottle::write(const std::string& kind, const std::string& line, TimeMs now) {
    Kind& k = kinds_[kind];
    if (k.written && now - k.last < interval_) {
        ++k.held;
        ++held_back_;
        return;
    }
    std::string out = line;
    if (k.held > 0)
        out += " (and " + std::to_string(k.held) + " more like it in the last " +
               std::to_string((now - k.last + 999) / 1000) + " s)";
    sink_(out);
    k = {now, true, 0};
}

}  // namespace citywall::ingest
