#include "wall_state.hpp"

#include <charconv>
#include <cmath>
#include <string>

namespace citywall::viewer {

namespace {

std::optional<bool> on_off(const std::string& word) {
    if (word == "on" || word == "show") return true;
    if (word == "off" || word == "hide") return false;
    return std::nullopt;
}

Error usage(std::string_view text) {
    return Error{ErrorKind::invalid, std::string(text)};
}

using Args = std::vector<std::string>;

Result<WallCommand> parse_filter(const Args& a) {
    constexpr std::string_view kUsage =
        "queue-filter department|family|severity|status|district|older-than VALUE|any, or clear";
    using Facet = command::FilterQueue::Facet;
    command::FilterQueue f;
    if (a.size() == 1 && a[0] == "clear") return WallCommand{f};
    if (a.size() != 2) return usage(kUsage);
    const std::string& v = a[1];
    const bool any = v == "any";
    if (a[0] == "department" || a[0] == "family" || a[0] == "district") {
        f.facet = a[0] == "department" ? Facet::department
                  : a[0] == "family"   ? Facet::family
                                       : Facet::district;
        f.text = any ? "" : v;
    } else if (a[0] == "severity") {
        const char* names[] = {"any", "critical", "major", "moderate", "low"};
        f.facet = Facet::severity;
        f.number = -1;
        for (int i = 0; i < 5; ++i) {
            if (v == names[i] || v == std::to_string(i)) f.number = i;
        }
        if (f.number < 0) return usage(kUsage);
    } else if (a[0] == "status") {
        const auto status = parse_incident_status(v);
        if (!any && !status) return usage(kUsage);
        f.facet = Facet::status;
        f.number = any ? -1 : static_cast<int>(*status);
    } else if (a[0] == "older-than") {
        const auto age = parse_age(v);
        if (!age) return usage(kUsage);
        f.facet = Facet::older_than;
        f.seconds = *age;
    } else {
        return usage(kUsage);
    }
    return WallCommand{f};
}

}  // namespace

Result<WallCommand> parse_wall_command(std::string_view name, const Args& a) {
    if (name == "view") {
        double v[3] = {0, 0, 0};
        for (std::size_t i = 0; i < 3; ++i) {
            const auto n = a.size() == 3 ? parse_number(a[i]) : std::nullopt;
            if (!n) return usage("view LON LAT MPP");
            v[i] = *n;
        }
        if (std::abs(v[0]) > 180 || std::abs(v[1]) > 85 || v[2] <= 0)
            return usage("view LON LAT MPP");
        return WallCommand{command::SetView{{v[0], v[1]}, v[2]}};
    }
    if (name == "click" || name == "click-beat") {
        command::Click c{0, 0, name == "click-beat"};
        const auto x = a.size() == 2 ? parse_number(a[0]) : std::nullopt;
        if (!x) return usage(std::string(name) + " X Y");
        c.x = *x;
        const auto y = parse_number(a[1]);
        if (!y) return usage(std::string(name) + " X Y");
        c.y = *y;
        return WallCommand{c};
    }
    if (name == "select-incident") {
        const auto id = a.size() == 1 ? parse_number(a[0]) : std::nullopt;
        if (!id || *id < 1 || *id != std::floor(*id)) return usage("select-incident ID");
        return WallCommand{command::SelectIncident{static_cast<std::uint64_t>(*id)}};
    }
    if (name == "zoom-to") {
        if (a.empty()) return usage("zoom-to CODE_OR_NAME");
        std::string text = a[0];
        for (std::size_t i = 1; i < a.size(); ++i)
            text += " " + a[i];
        return WallCommand{command::ZoomTo{text}};
    }
    if (name == "search") {
        if (a.empty()) return usage("search TEXT");
        std::string text = a[0];
        for (std::size_t i = 1; i < a.size(); ++i)
            text += " " + a[i];
        return WallCommand{command::Search{text}};
    }
    if (name == "clear-selection") {
        if (!a.empty()) return usage("clear-selection");
        return WallCommand{command::ClearSelection{}};
    }
    if (name == "aggregate") {
        if (a.size() == 1 && a[0] == "on")
            return WallCommand{command::SetAggregate{AggregateMode::on}};
        if (a.size() == 1 && a[0] == "off")
            return WallCommand{command::SetAggregate{AggregateMode::off}};
        if (a.size() == 1 && a[0] == "auto")
            return WallCommand{command::SetAggregate{AggregateMode::automatic}};
        return usage("aggregate on|off|auto");
    }
    struct PanelName {
        std::string_view name;
        Panel panel;
        std::string_view usage;
    };
    for (const PanelName& p : {PanelName{"queue", Panel::queue, "queue show|hide"},
                               PanelName{"kpi", Panel::kpi, "kpi show|hide"},
                               PanelName{"heat", Panel::heat, "heat on|off"},
                               PanelName{"units", Panel::units, "units on|off"}}) {
        if (name != p.name) continue;
        const auto on = a.size() == 1 ? on_off(a[0]) : std::nullopt;
        if (!on) return usage(p.usage);
        return WallCommand{command::ShowPanel{p.panel, *on}};
    }
    if (name == "queue-filter") return parse_filter(a);
    if (name == "queue-sort") {
        const auto sort = a.size() == 1 ? parse_queue_sort(a[0]) : std::nullopt;
        if (!sort) return usage("queue-sort severity|age|department");
        return WallCommand{command::SortQueue{*sort}};
    }
    if (name == "advance") {
        const auto s = a.size() == 1 ? parse_number(a[0]) : std::nullopt;
        if (!s || *s < 0) return usage("advance SECONDS");
        return WallCommand{command::AdvanceClock{*s}};
    }
    return Error{ErrorKind::not_found, "no wall command " + std::string(name)};
}

std::optional<double> parse_number(std::string_view word) {
    double v = 0;
    const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), v);
    if (error != std::errc() || end != word.data() + word.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

QueueFilter filtered(QueueFilter f, const command::FilterQueue& change) {
    using Facet = command::FilterQueue::Facet;
    switch (change.facet) {
        case Facet::clear: {
            const QueueSort sort = f.sort;
            f = QueueFilter{};
            f.sort = sort;
            break;
        }
        case Facet::department:
            f.department = change.text;
            break;
        case Facet::family:
            f.family = change.text;
            break;
        case Facet::district:
            f.district = change.text;
            break;
        case Facet::severity:
            f.severity = change.number;
            break;
        case Facet::status:
            f.status = change.number;
            break;
        case Facet::older_than:
            f.older_than_s = change.seconds;
            break;
    }
    return f;
}

}  // namespace citywall::viewer
