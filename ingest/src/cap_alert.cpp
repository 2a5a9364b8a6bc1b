#include "cap_alert.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace citywall::ingest {

namespace {

constexpr std::string_view kSpace = " \t\r\n";

std::string_view trim(std::string_view text) {
    auto first = text.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return {};
    auto last = text.find_last_not_of(kSpace);
    return text.substr(first, last - first + 1);
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t k = 0; k < a.size(); ++k) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        if (lower(a[k]) != lower(b[k])) return false;
    }
    return true;
}

std::string_view local_name(const pugi::xml_node& node) {
    std::string_view name = node.name();
    auto colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The namespace URI of an element: its prefix's (or the default) xmlns declaration on it or the
// nearest ancestor that has one.
std::string_view namespace_uri(const pugi::xml_node& element) {
    std::string_view name = element.name();
    auto colon = name.find(':');
    std::string attribute = "xmlns";
    if (colon != std::string_view::npos) attribute += ":" + std::string(name.substr(0, colon));
    for (pugi::xml_node at = element; at && at.type() == pugi::node_element; at = at.parent())
        if (auto declared = at.attribute(attribute.c_str())) return declared.value();
    return {};
}

bool is_cap(const pugi::xml_node& node, std::string_view local) {
    return node.type() == pugi::node_element && local_name(node) == local &&
           namespace_uri(node) == kCapNamespace;
}

pugi::xml_node cap_child(const pugi::xml_node& parent, std::string_view local) {
    for (pugi::xml_node child : parent.children())
        if (is_cap(child, local)) return child;
    return {};
}

std::vector<pugi::xml_node> cap_children(const pugi::xml_node& parent, std::string_view local) {
    std::vector<pugi::xml_node> found;
    for (pugi::xml_node child : parent.children())
        if (is_cap(child, local)) found.push_back(child);
    return found;
}

// All the character data directly inside an element (text and CDATA), trimmed.
std::string text_of(const pugi::xml_node& element) {
    std::string text;
    for (pugi::xml_node child : element.children())
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata)
            text += child.value();
    return std::string(trim(text));
}

std::string child_text(const pugi::xml_node& parent, std::string_view local) {
    auto child = cap_child(parent, local);
    return child ? text_of(child) : std::string();
}

// Every number in a coordinate list, whatever mix of commas and white space separates them.
std::optional<std::vector<double>> numbers_in(std::string_view text) {
    std::vector<double> numbers;
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (text[pos] == ',' || kSpace.find(text[pos]) != std::string_view::npos) {
            ++pos;
            continue;
        }
        auto end = text.find_first_of(", \t\r\n", pos);
        if (end == std::string_view::npos) end = text.size();
        auto value = parse_decimal_text(text.substr(pos, end - pos));
        if (!value) return std::nullopt;
        numbers.push_back(*value);
        pos = end;
    }
    return numbers;
}

bool on_earth(double lat, double lon) {
    return std::abs(lat) <= 90 && std::abs(lon) <= 180;
}

// The incident a message is about: the identifier of the first alert in `references`
// ("sender,identifier,sent" triples separated by white space) for Update and Cancel, else the
// alert's own identifier.
std::optional<FeedReject> incident_id(const pugi::xml_node& alert, std::string_view msg_type,
                                      std::string& id) {
    if (msg_type == "Alert") return std::nullopt;
    std::string references = child_text(alert, "references");
    if (references.empty()) return std::nullopt;
    std::string_view first = trim(references);
    first = first.substr(0, first.find_first_of(kSpace));
    auto comma = first.find(',');
    auto second = comma == std::string_view::npos ? comma : first.find(',', comma + 1);
    if (second == std::string_view::npos || second == comma + 1 ||
        first.find(',', second + 1) != std::string_view::npos)
        return feed_reject(RejectReason::bad_field, "references is not 'sender,identifier,sent …'");
    std::string_view referenced = first.substr(comma + 1, second - comma - 1);
    if (referenced.size() > kMaxIdLength)
        return feed_reject(RejectReason::bad_field, "referenced identifier is too long");
    id = std::string(referenced);
    return std::nullopt;
}

// The info block a Chinese wall shows: the first in a zh language, else the first.
pugi::xml_node chosen_info(const std::vector<pugi::xml_node>& infos) {
    for (const auto& info : infos) {
        std::string language = child_text(info, "language");
        if (language.size() >= 2 && equals_ignoring_case(language.substr(0, 2), "zh")) return info;
    }
    return infos.empty() ? pugi::xml_node() : infos.front();
}

std::optional<FeedReject> read_category(const pugi::xml_node& info,
                                        const FeedVocabulary& vocabulary, FeedReport& report) {
    std::string event = child_text(info, "event");
    std::vector<std::string> words;
    if (!event.empty()) words.push_back(event);
    for (const auto& category : cap_children(info, "category"))
        words.push_back(text_of(category));
    if (vocabulary.maps_categories()) {
        for (const auto& word : words) {
            if (auto mapped = vocabulary.find_category(word)) {
                report.category = std::move(*mapped);
                return std::nullopt;
            }
        }
        if (words.empty())
            return feed_reject(RejectReason::missing_field, "info/event and info/category");
        return feed_reject(
            RejectReason::unknown_category,
            "event '" + utf8_prefix(event, 64) + "' and its categories are not in categories");
    }
    if (event.empty()) return feed_reject(RejectReason::missing_field, "info/event");
    FeedReject why;
    auto category = vocabulary.category(event, why);
    if (!category) return why;
    report.category = std::move(*category);
    return std::nullopt;
}

std::optional<FeedReject> read_severity(const pugi::xml_node& info,
                                        const FeedVocabulary& vocabulary, FeedReport& report) {
    std::string severity = child_text(info, "severity");
    if (severity.empty()) return feed_reject(RejectReason::missing_field, "info/severity");
    if (auto mapped = vocabulary.find_severity(severity)) {
        report.severity = *mapped;
        return std::nullopt;
    }
    if (severity == "Unknown") {  // the sender says none: the category's own, else moderate
        report.severity = vocabulary.default_severity(report.category);
        return std::nullopt;
    }
    auto level = cap_severity(severity, child_text(info, "urgency"), child_text(info, "certainty"));
    if (!level)
        return feed_reject(RejectReason::bad_severity,
                           "info/severity '" + utf8_prefix(severity, 32) +
                               "'; CAP has Extreme, Severe, Moderate, Minor, Unknown");
    report.severity = *level;
    return std::nullopt;
}

// onset, else effective, when it is not ahead of the clock (a forecast's onset may be); else sent.
std::optional<FeedReject> read_time(const pugi::xml_node& info, TimeMs sent, TimeMs now,
                                    const FeedLimits& limits, FeedReport& report) {
    report.occurred = sent;
    for (const char* name : {"onset", "effective"}) {
        std::string text = child_text(info, name);
        if (text.empty()) continue;
        auto time = parse_iso8601(text);
        if (!time)
            return feed_reject(RejectReason::bad_time,
                               std::string("info/") + name + " is not an ISO-8601 time");
        if (*time <= now + limits.max_future_ms) {
            report.occurred = *time;
            break;
        }
    }
    return std::nullopt;
}

std::optional<FeedReject> read_texts(const pugi::xml_node& info, FeedReport& report) {
    report.title = child_text(info, "headline");
    if (report.title.empty()) report.title = child_text(info, "event");
    report.description = child_text(info, "description");
    if (!is_valid_utf8(report.title) || !is_valid_utf8(report.description))
        return feed_reject(RejectReason::invalid_utf8, "info/headline or info/description");
    if (report.title.size() > kMaxTitleLength)
        return feed_reject(RejectReason::bad_field, "info/headline is too long");
    if (report.description.size() > kMaxDescriptionLength)
        return feed_reject(RejectReason::bad_field, "info/description is too long");
    return std::nullopt;
}

// The first circle or polygon of the first area that has one, the chosen info's areas first.
std::optional<FeedReject> read_position(const pugi::xml_node& chosen,
                                        const std::vector<pugi::xml_node>& infos,
                                        FeedReport& report) {
    std::vector<pugi::xml_node> ordered{chosen};
    for (const auto& info : infos)
        if (info != chosen) ordered.push_back(info);
    for (const auto& info : ordered) {
        for (const auto& area : cap_children(info, "area")) {
            for (pugi::xml_node shape : area.children()) {
                const bool circle = is_cap(shape, "circle"), polygon = is_cap(shape, "polygon");
                if (!circle && !polygon) continue;
                std::string why, text = text_of(shape);
                auto position =
                    circle ? cap_circle_centre(text, why) : cap_polygon_centroid(text, why);
                if (!position) return feed_reject(RejectReason::bad_location, why);
                report.position = *position;
                return std::nullopt;
            }
        }
    }
    return feed_reject(RejectReason::bad_location,
                       "no info/area has a circle or polygon (geocodes are not resolved)");
}

// The document, or why it is not one we read: invalid_utf8, invalid_xml or unknown_type.
std::optional<FeedReject> load(std::string_view bytes, pugi::xml_document& doc,
                               pugi::xml_node& alert) {
    if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
    if (!is_valid_utf8(bytes))
        return feed_reject(RejectReason::invalid_utf8, "an alert is UTF-8 XML");
    auto parsed = doc.load_buffer(
        bytes.data(), bytes.size(),
        pugi::parse_default | pugi::parse_declaration | pugi::parse_doctype, pugi::encoding_utf8);
    if (!parsed)
        return feed_reject(
            RejectReason::invalid_xml,
            std::string(parsed.description()) + " at byte " + std::to_string(parsed.offset));
    int elements = 0;
    for (pugi::xml_node node : doc.children()) {
        if (node.type() == pugi::node_doctype)
            return feed_reject(RejectReason::invalid_xml,
                               "a DOCTYPE (and any entity declaration) is refused");
        if (node.type() == pugi::node_declaration) {
            std::string_view encoding = node.attribute("encoding").value();
            if (!encoding.empty() && !equals_ignoring_case(encoding, "UTF-8") &&
                !equals_ignoring_case(encoding, "UTF8"))
                return feed_reject(
                    RejectReason::invalid_xml,
                    "declared encoding " + utf8_prefix(encoding, 32) + "; an alert is UTF-8");
        }
        if (node.type() == pugi::node_element) {
            ++elements;
            alert = node;
        }
    }
    if (elements != 1)
        return feed_reject(RejectReason::invalid_xml, "an alert has one root element");
    if (local_name(alert) != "alert" || namespace_uri(alert) != kCapNamespace)
        return feed_reject(RejectReason::unknown_type, "root element <" +
                                                           utf8_prefix(alert.name(), 64) +
                                                           "> is not a CAP 1.2 alert (namespace " +
                                                           std::string(kCapNamespace) + ")");
    return std::nullopt;
}

}  // namespace

std::optional<Severity> cap_severity(std::string_view severity, std::string_view urgency,
                                     std::string_view certainty) {
    int level = 0;
    if (severity == "Extreme") level = 1;
    if (severity == "Severe") level = 2;
    if (severity == "Moderate" || severity == "Unknown") level = 3;
    if (severity == "Minor") level = 4;
    if (level == 0) return std::nullopt;
    const bool raise = urgency == "Immediate" && (certainty == "Observed" || certainty == "Likely");
    if (raise && level >= 3 && severity != "Unknown") --level;
    return static_cast<Severity>(level);
}

std::optional<LonLat> cap_circle_centre(std::string_view text, std::string& why) {
    auto numbers = numbers_in(text);
    if (!numbers || numbers->size() != 3) {
        why = "circle '" + utf8_prefix(text, 64) + "' is not 'lat,lon radius_km'";
        return std::nullopt;
    }
    const double lat = (*numbers)[0], lon = (*numbers)[1], radius = (*numbers)[2];
    if (!on_earth(lat, lon) || radius < 0) {
        why = "circle '" + utf8_prefix(text, 64) + "' is outside the world (lat first)";
        return std::nullopt;
    }
    return LonLat{lon, lat};
}

std::optional<LonLat> cap_polygon_centroid(std::string_view text, std::string& why) {
    auto numbers = numbers_in(text);
    if (!numbers || numbers->size() % 2 != 0) {
        why = "polygon is not 'lat,lon lat,lon …'";
        return std::nullopt;
    }
    std::vector<LonLat> ring;
    for (std::size_t k = 0; k < numbers->size(); k += 2) {
        const double lat = (*numbers)[k], lon = (*numbers)[k + 1];
        if (!on_earth(lat, lon)) {
            why = "polygon has a point outside the world (lat first)";
            return std::nullopt;
        }
        ring.push_back({lon, lat});
    }
    if (ring.size() >= 2 && ring.front() == ring.back())
        ring.pop_back();  // closed: drop the repeat
    if (ring.size() < 3) {
        why = "polygon needs at least 3 distinct points (4 pairs with the closing one)";
        return std::nullopt;
    }
    // Shoelace formula about the first point, which keeps the products small.
    const LonLat origin = ring.front();
    double twice_area = 0, cx = 0, cy = 0;
    for (std::size_t k = 0; k < ring.size(); ++k) {
        const LonLat& a = ring[k];
        const LonLat& b = ring[(k + 1) % ring.size()];
        const double ax = a.lon - origin.lon, ay = a.lat - origin.lat;
        const double bx = b.lon - origin.lon, by = b.lat - origin.lat;
        const double cross = ax * by - bx * ay;
        twice_area += cross;
        cx += (ax + bx) * cross;
        cy += (ay + by) * cross;
    }
    double sx = 0, sy = 0, west = 180, east = -180, south = 90, north = -90;
    for (const auto& p : ring) {
        sx += p.lon;
        sy += p.lat;
        west = std::min(west, p.lon);
        east = std::max(east, p.lon);
        south = std::min(south, p.lat);
        north = std::max(north, p.lat);
    }
    const auto count = static_cast<double>(ring.size());
    const LonLat mean{sx / count, sy / count};
    if (std::abs(twice_area) < 1e-14) return mean;  // all on one line
    const LonLat centroid{origin.lon + cx / (3 * twice_area), origin.lat + cy / (3 * twice_area)};
    // A ring that crosses itself can have lobes that cancel out, putting the formula's point far
    // away: outside the ring's bounding box, take the mean of its points instead.
    if (!(centroid.lon >= west && centroid.lon <= east && centroid.lat >= south &&
          centroid.lat <= north))
        return mean;
    return centroid;
}

FeedMessage decode_cap_alert(std::string_view bytes, TimeMs now, const FeedVocabulary& vocabulary,
                             const FeedLimits& limits) {
    if (bytes.size() > limits.max_bytes)
        return feed_reject(RejectReason::oversized, std::to_string(bytes.size()) + " bytes");
    pugi::xml_document doc;
    pugi::xml_node alert;
    if (auto why = load(bytes, doc, alert)) return *why;

    // Test and System messages only show the feed is alive; Exercise and Draft are not for the
    // real wall (an Exercise is for a drill's).
    std::string status = child_text(alert, "status");
    if (status == "Test" || status == "System") return FeedHeartbeat{};
    if (status == "Exercise" && limits.exercise) status = "Actual";
    if (status == "Exercise" || status == "Draft")
        return feed_reject(RejectReason::not_actual,
                           "status " + status + "; the wall shows Actual alerts");
    if (status.empty()) return feed_reject(RejectReason::missing_field, "status");
    if (status != "Actual")
        return feed_reject(RejectReason::bad_field, "status '" + utf8_prefix(status, 32) + "'");

    std::string msg_type = child_text(alert, "msgType");
    if (msg_type == "Ack" || msg_type == "Error") return FeedHeartbeat{};
    if (msg_type.empty()) return feed_reject(RejectReason::missing_field, "msgType");
    if (msg_type != "Alert" && msg_type != "Update" && msg_type != "Cancel")
        return feed_reject(RejectReason::bad_field, "msgType '" + utf8_prefix(msg_type, 32) + "'");

    FeedReport report;
    report.source_id = child_text(alert, "identifier");
    if (report.source_id.empty()) return feed_reject(RejectReason::missing_field, "identifier");
    if (report.source_id.size() > kMaxIdLength)
        return feed_reject(RejectReason::bad_field, "identifier is too long");
    if (auto why = incident_id(alert, msg_type, report.source_id)) return *why;
    if (!is_valid_utf8(report.source_id))
        return feed_reject(RejectReason::invalid_utf8, "identifier is not valid UTF-8");
    report.status = msg_type == "Cancel" ? IncidentStatus::cancelled : IncidentStatus::reported;

    std::string sent_text = child_text(alert, "sent");
    if (sent_text.empty()) return feed_reject(RejectReason::missing_field, "sent");
    auto sent = parse_iso8601(sent_text);
    if (!sent) return feed_reject(RejectReason::bad_time, "sent is not an ISO-8601 time with zone");
    if (*sent > now + limits.max_future_ms)
        return feed_reject(RejectReason::future_time, "sent is ahead of ingest's clock");

    auto infos = cap_children(alert, "info");
    if (infos.empty()) {
        if (msg_type != "Cancel") return feed_reject(RejectReason::missing_field, "info");
        // CAP allows a bare Cancel: it closes what it references and says nothing else, so
        // it can only apply to an incident this department already reported.
        report.status_only = true;
        report.occurred = *sent;
        return report;
    }
    const pugi::xml_node info = chosen_info(infos);
    if (auto why = read_category(info, vocabulary, report)) return *why;
    if (auto why = read_severity(info, vocabulary, report)) return *why;
    if (auto why = read_time(info, *sent, now, limits, report)) return *why;
    if (auto why = read_texts(info, report)) return *why;
    if (auto why = read_position(info, infos, report)) return *why;
    if (auto why = final_checks(report, vocabulary, now, limits)) return *why;
    return report;
}

}  // namespace citywall::ingest
