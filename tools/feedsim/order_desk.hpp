// A simulated department's desk for the centre's orders (docs/dispatch.md, "The order channel"):
// it takes each order once (repeats are repeats), then answers as a real department would,
// on its own time: signs for it after a while, or, now and then, asks to return it; reports its
// units on scene; resolves it with a result. A case of its supervised (督办) or escalated is
// hurried: what it still had to do comes sooner. Pure logic on a clock it is given, so the demo
// and its test share it.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "citywall/incident.hpp"

namespace citywall::feedsim {

struct OrderDeskTiming {
    // The demo's pace: a case takes about a minute, as the simulated departments' own
    // incidents do (feedsim --lifetime), so the demo's deadlines of minutes are mostly kept.
    TimeMs sign_min_ms = 3'000, sign_max_ms = 15'000;         // order → signed for
    TimeMs arrive_min_ms = 5'000, arrive_max_ms = 25'000;     // signed → on scene
    TimeMs resolve_min_ms = 10'000, resolve_max_ms = 40'000;  // on scene → resolved
    double return_share = 0.1;  // of orders, asked to be returned instead of signed for
    TimeMs hurry_ms = 5'000;    // supervised or escalated: its next answer within this
};

class OrderDesk {
  public:
    OrderDesk(OrderDeskTiming timing, std::uint64_t seed) : timing_(timing), rng_(seed) {}

    // A message of the order channel as ingest sent it: an order, or a notice (withdrawn,
    // supervised, escalated). A repeat of an order already taken, or text that is not one, is
    // counted and changes nothing; a notice of a type it does not know is let pass.
    void take(std::string_view order_json, TimeMs now);
    // The answers due by `now`, as the JSON messages the department sends, in time order.
    std::vector<std::string> due(TimeMs now);

    // A unit the centre named in an order, to drive to the case; or (released) an order whose
    // work is over (resolved or taken away), its unit free again.
    struct UnitCall {
        std::string unit;
        std::string order;
        LonLat where;
        bool released = false;
    };
    std::vector<UnitCall> take_unit_calls() { return std::exchange(unit_calls_, {}); }

    std::uint64_t orders() const { return taken_.size(); }
    std::uint64_t repeats() const { return repeats_; }
    std::uint64_t withdrawn() const { return withdrawn_; }  // orders taken away from it
    std::uint64_t hurried() const { return hurried_; }      // supervised or escalated cases
    std::uint64_t unreadable() const { return unreadable_; }

  private:
    TimeMs between(TimeMs low, TimeMs high);
    // Brings the order's planned answers forward so the next is due within hurry_ms.
    void hurry(const std::string& order, TimeMs now);
    void plan(const std::string& order, TimeMs at, std::string_view action, std::string note = {},
              std::string reason = {});

    struct Answer {
        std::string order;
        std::string action;
        std::string reason;
        std::string note;
    };
    OrderDeskTiming timing_;
    std::mt19937_64 rng_;
    std::set<std::string> taken_;
    std::multimap<TimeMs, Answer> planned_;
    std::uint64_t repeats_ = 0;
    std::uint64_t withdrawn_ = 0;
    std::uint64_t hurried_ = 0;
    std::uint64_t unreadable_ = 0;
    std::vector<UnitCall> unit_calls_;
};

}  // namespace citywall::feedsim
