// The debrief as one HTML page that needs nothing beside it: a trainer mails it, opens it on a
// laptop without the network, or prints it.
#include <algorithm>
#include <cstdio>

#include "citywall/domain_words.hpp"
#include "citywall/feed_time.hpp"
#include "drill_debrief.hpp"

namespace citywall::debrief {

namespace {

// The timeline a page shows at most; a longer one says how many it left out.
constexpr std::size_t kMaxTimelineRows = 20'000;

std::string escaped(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string base64(std::string_view bytes) {
    static constexpr char kDigits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t k = 0;
    for (; k + 2 < bytes.size(); k += 3) {
        const unsigned v = (static_cast<unsigned char>(bytes[k]) << 16) |
                           (static_cast<unsigned char>(bytes[k + 1]) << 8) |
                           static_cast<unsigned char>(bytes[k + 2]);
        out += kDigits[(v >> 18) & 63];
        out += kDigits[(v >> 12) & 63];
        out += kDigits[(v >> 6) & 63];
        out += kDigits[v & 63];
    }
    if (k < bytes.size()) {
        unsigned v = static_cast<unsigned char>(bytes[k]) << 16;
        if (k + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[k + 1]) << 8;
        out += kDigits[(v >> 18) & 63];
        out += kDigits[(v >> 12) & 63];
        out += k + 1 < bytes.size() ? kDigits[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

class Page {
  public:
    Page(const Debrief& d, const PageOptions& o)
        : d_(d), o_(o), language_(o.config ? o.config->centre.language : Language::zh_en) {}

    std::string say(std::string_view zh, std::string_view en) const {
        return escaped(in_language(language_, zh, en));
    }
    std::string say(DomainWords w) const { return say(w.zh, w.en); }

    // "2026-12-05 08:03:28" in the page's zone.
    std::string when(TimeMs t) const {
        if (t == 0) return "";
        const TimeMs local = t + o_.zone.offset_at(t / 1000) * 1000;
        std::string s = format_iso8601_utc(local);
        s = s.substr(0, 19);
        if (s.size() > 10) s[10] = ' ';
        return s;
    }
    static std::string duration(TimeMs ms) {
        const bool negative = ms < 0;
        std::int64_t s = (negative ? -ms : ms) / 1000;
        char text[48];
        if (s >= 3600)
            std::snprintf(text, sizeof text, "%s%lld:%02lld:%02lld", negative ? "-" : "",
                          static_cast<long long>(s / 3600), static_cast<long long>(s / 60 % 60),
                          static_cast<long long>(s % 60));
        else
            std::snprintf(text, sizeof text, "%s%lld:%02lld", negative ? "-" : "",
                          static_cast<long long>(s / 60), static_cast<long long>(s % 60));
        return text;
    }
    // The time from the order to `t`, or a dash when it did not come.
    static std::string after(const OrderRun& run, TimeMs t) {
        return t == 0 ? "—" : duration(t - run.ordered);
    }
    std::string department(const std::string& code) const {
        if (o_.config)
            for (const DepartmentConfig& dc : o_.config->departments)
                if (dc.code == code)
                    return escaped(code) + " " +
                           say(dc.name.empty() ? code : dc.name,
                               dc.name_en.empty() ? code : dc.name_en);
        return escaped(code.empty() ? "—" : code);
    }
    std::string incident(std::uint64_t id) const {
        std::string s = "#" + std::to_string(id);
        const auto found = d_.incidents.find(id);
        if (found != d_.incidents.end() && !found->second.title.empty())
            s += " " + escaped(found->second.title);
        return s;
    }
    static std::string spread(const Spread& s) {
        if (s.count == 0) return "—";
        return duration(s.median) + " / " + duration(s.longest);
    }
    static std::string rate(std::optional<double> r) {
        if (!r) return "—";
        char text[16];
        std::snprintf(text, sizeof text, "%.0f%%", *r * 100);
        return text;
    }

    std::string write(const std::vector<WallPicture>& pictures) const {
        std::string h;
        const std::string title =
            !o_.title.empty()
                ? escaped(o_.title)
                : (o_.config && !o_.config->centre.name.empty()
                       ? escaped(o_.config->centre.title("")) + " — " + say("演练复盘", "Debrief")
                       : say("演练复盘", "Drill debrief"));
        h += "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title +
             "</title>\n<style>\n"
             "body{font-family:sans-serif;margin:0 2em 2em;color:#111}\n"
             ".drill{background:#b00;color:#fff;font-weight:bold;padding:.5em 1em;"
             "margin:0 -2em 1em;font-size:1.2em}\n"
             "table{border-collapse:collapse;margin:.5em 0 1.5em}\n"
             "td,th{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}\n"
             "th{background:#eee}\n td.n{text-align:right}\n tr.late td{background:#fde}\n"
             "tr.mark td{background:#ffd}\n figure{display:inline-block;margin:0 1em 1em 0}\n"
             "img{max-width:100%;border:1px solid #888}\n"
             "</style></head><body>\n";
        if (d_.drill)
            h += "<div class=\"drill\">" +
                 say("演练 — 非真实警情", "DRILL — not the city's real picture") + "</div>\n";
        h += "<h1>" + title + "</h1>\n";
        summary(h);
        pictures_section(h, pictures);
        departments_section(h);
        orders_section(h);
        missed_section(h);
        timeline_section(h);
        h += "</body></html>\n";
        return h;
    }

  private:
    void summary(std::string& h) const {
        h += "<table>\n";
        const auto row = [&](const std::string& label, const std::string& value) {
            h += "<tr><th>" + label + "</th><td>" + value + "</td></tr>\n";
        };
        if (!d_.recording.empty()) row(say("回放记录", "Recording"), escaped(d_.recording));
        row(say("时段", "Window"),
            when(d_.from) + " — " + when(d_.to) + " (" + escaped(o_.zone.name()) + ")");
        row(say("事件", "Incidents"), std::to_string(d_.first_seen.size()));
        row(say("派单", "Orders"), std::to_string(d_.orders.size()));
        row(say("超时", "Deadlines missed"), std::to_string(d_.missed.size()));
        row(say("书签", "Bookmarks"), std::to_string(d_.bookmarks.size()));
        std::size_t rewinds = 0;
        for (const TimelineEntry& e : d_.timeline)
            rewinds += e.kind == TimelineEntry::Kind::rewound ? 1 : 0;  // not a replay's start
        row(say("跳转", "Seeks"), std::to_string(rewinds));
        std::string records = std::to_string(d_.records);
        if (d_.undecodable)
            records +=
                ", " + std::to_string(d_.undecodable) + " " + say("条无法读取", "unreadable");
        if (d_.damaged)
            records += ", " + std::to_string(d_.damaged) + " " + say("处损坏", "damaged stretches");
        row(say("日志记录", "Journal records"), records);
        h += "</table>\n";
    }

    void pictures_section(std::string& h, const std::vector<WallPicture>& pictures) const {
        if (pictures.empty()) return;
        h += "<h2>" + say("大屏画面", "The wall") + "</h2>\n";
        for (const WallPicture& p : pictures) {
            h += "<figure>";
            if (!p.png.empty())
                h += "<img alt=\"" + escaped(p.caption) + "\" src=\"data:image/png;base64," +
                     base64(p.png) + "\">";
            else
                h += "<p>" + say("无画面", "No picture") + ": " + escaped(p.failure) + "</p>";
            h += "<figcaption>" + when(p.at) + " · " + std::to_string(p.open) + " " +
                 say("起在办事件", "open incidents") +
                 (p.caption.empty() ? "" : " · " + escaped(p.caption)) + "</figcaption></figure>\n";
        }
    }

    void departments_section(std::string& h) const {
        h += "<h2>" + say("各部门", "Departments") + "</h2>\n<table><tr><th>" +
             say("部门", "Department") + "</th><th>" + say("上报", "Reported") + "</th><th>" +
             say("派单", "Orders") + "</th><th>" +
             say("签收 中位/最长", "To sign, median / longest") + "</th><th>" +
             say("到场 中位/最长", "To scene") + "</th><th>" + say("办结 中位/最长", "To resolve") +
             "</th><th>" + say("按时签收", "Signed on time") + "</th><th>" +
             say("按时办结", "Resolved on time") + "</th><th>" + say("退单", "Returns") +
             "</th><th>" + say("超时", "Missed") + "</th></tr>\n";
        for (const auto& [code, f] : d_.departments) {
            h += "<tr><td>" + department(code) + "</td><td class=n>" + std::to_string(f.reported) +
                 "</td><td class=n>" + std::to_string(f.orders) + "</td><td class=n>" +
                 spread(spread_of(f.to_sign)) + "</td><td class=n>" +
                 spread(spread_of(f.to_scene)) + "</td><td class=n>" +
                 spread(spread_of(f.to_resolve)) + "</td><td class=n>" +
                 rate(f.counts.sign_on_time_rate()) + "</td><td class=n>" +
                 rate(f.counts.resolve_on_time_rate()) + "</td><td class=n>" +
                 std::to_string(f.counts.returns) + "</td><td class=n>" + std::to_string(f.missed) +
                 "</td></tr>\n";
        }
        h += "</table>\n";
    }

    void orders_section(std::string& h) const {
        h += "<h2>" + say("派单与响应", "Orders and response times") + "</h2>\n<table><tr><th>" +
             say("派单时间", "Ordered") + "</th><th>" + say("事件", "Incident") + "</th><th>" +
             say("步骤", "Step") + "</th><th>" + say("部门", "Department") + "</th><th>" +
             say("单位", "Unit") + "</th><th>" + say("单号", "Order") + "</th><th>" +
             say("派单人", "By") + "</th><th>→ " + say("签收", "signed") + "</th><th>→ " +
             say("到场", "on scene") + "</th><th>→ " + say("办结", "resolved") + "</th><th>" +
             say("结束", "Ended") + "</th></tr>\n";
        for (const OrderRun& run : d_.orders) {
            const bool late =
                (run.sign_due && (run.signed_at ? run.signed_at : d_.to) > run.sign_due) ||
                (run.resolve_due && (run.resolved ? run.resolved : d_.to) > run.resolve_due);
            const CaseActionRule& rule = rule_of(run.action);
            h += std::string(late ? "<tr class=late>" : "<tr>") + "<td>" + when(run.ordered) +
                 "</td><td>" + incident(run.incident) + "</td><td>" + say(rule.zh, rule.en) +
                 "</td><td>" + department(run.department) + "</td><td>" + escaped(run.unit) +
                 "</td><td>" + escaped(run.order) + "</td><td>" + escaped(run.actor) +
                 "</td><td class=n>" + after(run, run.signed_at) + "</td><td class=n>" +
                 after(run, run.arrived) + "</td><td class=n>" + after(run, run.resolved) +
                 "</td><td>" + when(run.ended) + "</td></tr>\n";
        }
        h += "</table>\n";
    }

    void missed_section(std::string& h) const {
        h += "<h2>" + say("超时", "Deadlines missed") + "</h2>\n";
        if (d_.missed.empty()) {
            h += "<p>" + say("无", "None") + "</p>\n";
            return;
        }
        h += "<table><tr><th>" + say("时限", "Due") + "</th><th>" + say("事件", "Incident") +
             "</th><th>" + say("部门", "Department") + "</th><th>" + say("时限类别", "Deadline") +
             "</th><th>" + say("完成", "Done") + "</th><th>" + say("超时", "Late by") +
             "</th></tr>\n";
        for (const MissedDeadline& m : d_.missed) {
            const TimeMs done = m.done ? m.done : d_.to;
            h += "<tr class=late><td>" + when(m.due) + "</td><td>" + incident(m.incident) +
                 "</td><td>" + department(m.department) + "</td><td>" +
                 (m.sign ? say("签收", "to sign") : say("办结", "to resolve")) + "</td><td>" +
                 (m.done ? when(m.done) : say("未完成", "not by the end")) + "</td><td class=n>" +
                 (m.done ? "" : "≥ ") + duration(done - m.due) + "</td></tr>\n";
        }
        h += "</table>\n";
    }

    std::string what(const TimelineEntry& e) const {
        switch (e.kind) {
            case TimelineEntry::Kind::opened: {
                const auto found = d_.incidents.find(e.incident);
                if (found == d_.incidents.end()) return say("上报", "reported");
                const Incident& i = found->second;
                std::string s = say("上报", "reported") + " " +
                                department(std::string(i.department())) + " · " +
                                escaped(i.category) + " · " + say(words_of(i.severity));
                // The outer two levels (a district and its street): where, for a debrief.
                for (std::size_t k = 0; k < std::min<std::size_t>(2, i.areas.size()); ++k)
                    s += " · " + escaped(i.areas[k].name);
                return s;
            }
            case TimelineEntry::Kind::step: {
                const CaseActionRule& rule = rule_of(e.step.action);
                std::string s = "<b>" + say(rule.zh, rule.en) + "</b>";
                if (!e.step.department.empty()) s += " → " + department(e.step.department);
                if (!e.step.unit.empty()) s += " (" + escaped(e.step.unit) + ")";
                if (!e.step.actor.empty())
                    s += " · " + say("由", "by") + " " + escaped(e.step.actor);
                if (!e.step.reason.empty()) s += " · " + escaped(e.step.reason);
                if (!e.step.note.empty()) s += " · " + escaped(e.step.note);
                return s;
            }
            case TimelineEntry::Kind::status:
                return say("状态", "status") + " → " + say(words_of(e.status));
            case TimelineEntry::Kind::bookmark:
                return "<b>" + say("书签", "Bookmark") + "</b> " + escaped(e.note);
            case TimelineEntry::Kind::started:
                return "<b>" +
                       say("回放开始：画面为记录中此刻",
                           "The replay starts: the recording's picture at this moment") +
                       "</b>";
            case TimelineEntry::Kind::rewound:
                return "<b>" +
                       say("跳转：画面回到记录中此刻",
                           "Seek: the picture is the recording's at this moment") +
                       "</b>";
        }
        return "";
    }

    void timeline_section(std::string& h) const {
        h += "<h2>" + say("时间线", "Timeline") + "</h2>\n<table><tr><th>" + say("时间", "Time") +
             "</th><th>" + say("事件", "Incident") + "</th><th>" + say("经过", "What") +
             "</th></tr>\n";
        std::size_t shown = 0;
        for (const TimelineEntry& e : d_.timeline) {
            if (shown++ == kMaxTimelineRows) break;
            const bool mark = e.kind == TimelineEntry::Kind::bookmark ||
                              e.kind == TimelineEntry::Kind::rewound ||
                              e.kind == TimelineEntry::Kind::started;
            h += std::string(mark ? "<tr class=mark>" : "<tr>") + "<td>" + when(e.time) +
                 "</td><td>" + (e.incident ? incident(e.incident) : std::string()) + "</td><td>" +
                 what(e) + "</td></tr>\n";
        }
        h += "</table>\n";
        if (d_.timeline.size() > kMaxTimelineRows)
            h += "<p>" +
                 say("另有 " + std::to_string(d_.timeline.size() - kMaxTimelineRows) +
                         " 条未列出（请缩小时段）",
                     std::to_string(d_.timeline.size() - kMaxTimelineRows) +
                         " more not shown: choose a shorter window") +
                 "</p>\n";
    }

    const Debrief& d_;
    const PageOptions& o_;
    Language language_;
};

}  // namespace

std::string debrief_page(const Debrief& debrief, const std::vector<WallPicture>& pictures,
                         const PageOptions& options) {
    return Page(debrief, options).write(pictures);
}

}  // namespace citywall::debrief
