#include "order_desk.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace citywall::feedsim {

TimeMs OrderDesk::between(TimeMs low, TimeMs high) {
    return std::uniform_int_distribution<TimeMs>(low, std::max(low, high))(rng_);
}

void OrderDesk::plan(const std::string& order, TimeMs at, std::string_view action, std::string note,
                     std::string reason) {
    planned_.emplace(at, Answer{order, std::string(action), std::move(reason), std::move(note)});
}

void OrderDesk::take(std::string_view order_json, TimeMs now) {
    rapidjson::Document doc;
    doc.Parse(order_json.data(), order_json.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("order") ||
        !doc["order"].IsString() || doc["order"].GetStringLength() == 0) {
        ++unreadable_;
        return;
    }
    const std::string order(doc["order"].GetString(), doc["order"].GetStringLength());
    // Taken away (transferred, cancelled, closed): its work stops, and the order is new again
    // if it ever comes back.
    const std::string_view type = doc.HasMember("type") && doc["type"].IsString()
                                      ? std::string_view(doc["type"].GetString())
                                      : std::string_view("order");
    if (type == "supervised" || type == "escalated") {
        if (taken_.contains(order)) hurry(order, now);
        return;
    }
    if (type != "order" && type != "withdrawn") return;  // a notice of a later kind
    if (type == "withdrawn") {
        if (taken_.erase(order) == 0) return;  // a repeat of a notice, or of one never taken
        ++withdrawn_;
        std::erase_if(planned_, [&](const auto& entry) { return entry.second.order == order; });
        unit_calls_.push_back({{}, order, {}, true});
        return;
    }
    if (!taken_.insert(order).second) {
        ++repeats_;
        return;
    }
    // A unit named in the order sets off at once; its own fix on scene is the arrival.
    const bool placed = doc.HasMember("lon") && doc["lon"].IsNumber() && doc.HasMember("lat") &&
                        doc["lat"].IsNumber();
    if (doc.HasMember("unit") && doc["unit"].IsString() && placed)
        unit_calls_.push_back({std::string(doc["unit"].GetString(), doc["unit"].GetStringLength()),
                               order,
                               {doc["lon"].GetDouble(), doc["lat"].GetDouble()},
                               false});
    std::uniform_real_distribution<double> share(0, 1);
    TimeMs at = now + between(timing_.sign_min_ms, timing_.sign_max_ms);
    if (share(rng_) < timing_.return_share) {
        plan(order, at, "return_request", "不属于本部门职责", "wrong_function");
        return;  // the centre decides; a reassigned case comes back as a new order
    }
    plan(order, at, "sign");
    at += between(timing_.arrive_min_ms, timing_.arrive_max_ms);
    plan(order, at, "arrive");
    at += between(timing_.resolve_min_ms, timing_.resolve_max_ms);
    plan(order, at, "resolve", "现场已处置完毕");
}

void OrderDesk::hurry(const std::string& order, TimeMs now) {
    std::vector<std::pair<TimeMs, Answer>> mine;
    for (auto it = planned_.begin(); it != planned_.end();) {
        if (it->second.order != order) {
            ++it;
            continue;
        }
        mine.emplace_back(it->first, std::move(it->second));
        it = planned_.erase(it);
    }
    if (mine.empty()) return;
    ++hurried_;
    const TimeMs soon = now + timing_.hurry_ms;
    const TimeMs earlier = std::max<TimeMs>(0, mine.front().first - soon);
    for (auto& [at, answer] : mine)
        planned_.emplace(at - earlier, std::move(answer));
}

std::vector<std::string> OrderDesk::due(TimeMs now) {
    std::vector<std::string> out;
    while (!planned_.empty() && planned_.begin()->first <= now) {
        const Answer& a = planned_.begin()->second;
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
        w.StartObject();
        w.Key("type");
        w.String("case");
        w.Key("order");
        w.String(a.order.c_str(), static_cast<rapidjson::SizeType>(a.order.size()));
        w.Key("action");
        w.String(a.action.c_str(), static_cast<rapidjson::SizeType>(a.action.size()));
        if (!a.reason.empty()) {
            w.Key("reason");
            w.String(a.reason.c_str(), static_cast<rapidjson::SizeType>(a.reason.size()));
        }
        if (!a.note.empty()) {
            w.Key("note");
            w.String(a.note.c_str(), static_cast<rapidjson::SizeType>(a.note.size()));
        }
        w.EndObject();
        out.emplace_back(buffer.GetString(), buffer.GetSize());
        if (a.action == "resolve") unit_calls_.push_back({{}, a.order, {}, true});
        planned_.erase(planned_.begin());
    }
    return out;
}

}  // namespace citywall::feedsim
