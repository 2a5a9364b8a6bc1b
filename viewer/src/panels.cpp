// Index: [fonts and style] [side panel] [banners] [map labels] [scale bar]
#include "panels.hpp"

#include <imgui_internal.h>  // ImTextCharFromUtf8

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <string_view>

#include "wall_words.hpp"

namespace citywall::viewer {

namespace {

constexpr ImU32 kAlertRed = IM_COL32(230, 40, 40, 255);
constexpr ImU32 kDrillMagenta = IM_COL32(214, 0, 132, 255);
const ImVec4 kTextDim(0.62f, 0.68f, 0.76f, 1.0f);
const ImVec4 kTextGood(0.35f, 0.85f, 0.55f, 1.0f);
const ImVec4 kTextBad(1.0f, 0.32f, 0.28f, 1.0f);
const ImVec4 kTextWarn(1.0f, 0.78f, 0.25f, 1.0f);

// Glyphs the banner font carries (large, so only these).
constexpr const char* kBannerText =
    "DRILL 演练 DATA STALE NO FROM INGEST — last update s ago 数据中断 未收到数据 最后更新于秒前 "
    "汇聚服务停止画面不是实时的 "
    "0123456789.,:-+% abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 非真实警情训练";

std::string format_age(double seconds) {
    char text[32];
    if (seconds < 0) seconds = 0;
    if (seconds < 90) {
        std::snprintf(text, sizeof text, "%.0f s", seconds);
    } else if (seconds < 5400) {
        std::snprintf(text, sizeof text, "%.0f min", seconds / 60);
    } else if (seconds < 172800) {
        std::snprintf(text, sizeof text, "%.1f h", seconds / 3600);
    } else {
        std::snprintf(text, sizeof text, "%.0f d", seconds / 86400);
    }
    return text;
}

std::string format_count(std::size_t n) {
    const std::string digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

// A marker-like swatch inline with text.
void swatch(const Rgba& color, float diameter) {
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const float line = ImGui::GetTextLineHeight();
    const ImVec2 centre(at.x + diameter / 2 + 1, at.y + line / 2);
    auto* draw = ImGui::GetWindowDrawList();
    draw->AddCircleFilled(centre, diameter / 2 + 1.5f, IM_COL32(5, 8, 12, 240));
    draw->AddCircleFilled(centre, diameter / 2, color.with_alpha(1).packed_abgr());
    ImGui::Dummy(ImVec2(diameter + 2, line));
    ImGui::SameLine();
}

float drill_banner_height(const WallFonts& fonts) {
    return std::round(fonts.banner->FontSize * 1.5f);
}

// Four table columns: name, count, name, count.
void setup_pair_columns() {
    ImGui::TableSetupColumn("a", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("a#", ImGuiTableColumnFlags_WidthFixed, 40);
    ImGui::TableSetupColumn("b", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("b#", ImGuiTableColumnFlags_WidthFixed, 40);
}

// Whether every department's name, with `extra` after it, fits half the panel: two to a row
// then, else one (a city whose departments have long names: "San Francisco Fire Department").
bool names_fit_half(const std::vector<FeedHealth>& feeds, float extra) {
    const float half = ImGui::GetContentRegionAvail().x / 2 - ImGui::GetStyle().CellPadding.x * 2;
    for (const FeedHealth& feed : feeds)
        if (ImGui::CalcTextSize(department_name(feed).c_str()).x + extra > half) return false;
    return true;
}

void right_aligned_count(std::size_t count) {
    const std::string text = std::to_string(count);
    const float width = ImGui::CalcTextSize(text.c_str()).x;
    ImGui::SetCursorPosX(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x - width - 6);
    ImGui::TextUnformatted(text.c_str());
}

void section(const std::string& title, const WallFonts& fonts) {
    ImGui::Spacing();
    ImGui::PushFont(fonts.heading);
    ImGui::TextColored(ImVec4(0.55f, 0.75f, 1.0f, 1.0f), "%s", title.c_str());
    ImGui::PopFont();
    ImGui::Separator();
}

}  // namespace

// `text` as it fits in `width`: whole words, then "…" where it was shortened; a single word
// too long for the box is cut between characters.
std::string fitted(ImFont* font, const std::string& text, float width) {
    auto fits = [&](const std::string& t) {
        return font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, t.c_str()).x <= width;
    };
    if (fits(text)) return text;
    std::string cut = text;
    while (!cut.empty()) {
        const std::size_t space = cut.find_last_of(' ');
        if (space == std::string::npos || space == 0) break;
        cut.resize(space);
        if (fits(cut + " …")) return cut + " …";
    }
    while (!cut.empty() && !fits(cut + "…")) {
        cut.pop_back();
        while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0x80)
            cut.pop_back();  // never half a character
        if (!cut.empty() && static_cast<unsigned char>(cut.back()) >= 0xC0) cut.pop_back();
    }
    return cut + "…";
}

// ==================================================================== fonts and style ====

Result<void> setup_imgui_style(const std::string& font_path, int font_index, float font_size,
                               const std::string& extra_text, WallFonts& fonts) {
    ImGui::StyleColorsDark();
    ImGuiStyle& style = ImGui::GetStyle();
    style.WindowRounding = 0;
    style.WindowBorderSize = 0;
    style.FrameRounding = 3;
    style.WindowPadding = ImVec2(16, 14);
    style.ItemSpacing = ImVec2(8, 5);
    style.Colors[ImGuiCol_WindowBg] = ImVec4(0.035f, 0.05f, 0.075f, 0.90f);
    style.Colors[ImGuiCol_Separator] = ImVec4(0.25f, 0.35f, 0.5f, 0.6f);
    style.Colors[ImGuiCol_Text] = ImVec4(0.90f, 0.93f, 0.97f, 1.0f);
    style.Colors[ImGuiCol_CheckMark] = ImVec4(1.0f, 0.75f, 0.2f, 1.0f);
    style.Colors[ImGuiCol_FrameBg] = ImVec4(0.12f, 0.17f, 0.25f, 1.0f);
    style.Colors[ImGuiCol_TableRowBgAlt] = ImVec4(1, 1, 1, 0.03f);
    return load_wall_fonts(font_path, font_index, font_size, extra_text, fonts);
}

void WallFonts::want(std::string_view text) const {
    if (!body) return;
    const char* at = text.data();
    const char* end = text.data() + text.size();
    while (at < end) {
        unsigned c = 0;
        const int length = ImTextCharFromUtf8(&c, at, end);
        if (length <= 0) break;
        if (c >= 0x80 && !body->FindGlyphNoFallback(static_cast<ImWchar>(c)) &&
            asked.insert(c).second)
            missing.append(at, static_cast<std::size_t>(length));
        at += length;
    }
}

Result<void> load_wall_fonts(const std::string& font_path, int font_index, float font_size,
                             const std::string& extra_text, WallFonts& fonts) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    if (!std::filesystem::exists(font_path)) {
        fonts.body = fonts.heading = fonts.banner = io.Fonts->AddFontDefault();
        return Result<void>::failure(
            ErrorKind::not_found, "font " + font_path + " not found; Chinese text will not render");
    }
    ImFontConfig config;
    config.FontNo = font_index;
    config.OversampleH = 1;  // thousands of CJK glyphs: keep the atlas small
    config.OversampleV = 1;
    config.PixelSnapH = true;
    // The 2,500 common characters miss many place names (坪山, 莞, 圳 …): add every
    // character the map's labels and the palette use.
    static ImVector<ImWchar> text_ranges;  // must outlive the atlas build
    {
        ImFontGlyphRangesBuilder builder;
        builder.AddRanges(io.Fonts->GetGlyphRangesChineseSimplifiedCommon());
        builder.AddText(extra_text.c_str(), extra_text.c_str() + extra_text.size());
        builder.AddText("—·●○▲■▶↑°");
        text_ranges.clear();
        builder.BuildRanges(&text_ranges);
    }
    const ImWchar* chinese = text_ranges.Data;
    fonts.body = io.Fonts->AddFontFromFileTTF(font_path.c_str(), font_size, &config, chinese);
    fonts.heading = io.Fonts->AddFontFromFileTTF(font_path.c_str(), std::round(font_size * 1.3f),
                                                 &config, chinese);

    static ImVector<ImWchar> banner_ranges;  // must outlive the atlas build
    ImFontGlyphRangesBuilder builder;
    builder.AddRanges(io.Fonts->GetGlyphRangesDefault());
    builder.AddText(kBannerText);
    banner_ranges.clear();
    builder.BuildRanges(&banner_ranges);
    fonts.banner = io.Fonts->AddFontFromFileTTF(font_path.c_str(), std::round(font_size * 2.6f),
                                                &config, banner_ranges.Data);
    if (!fonts.body || !fonts.heading || !fonts.banner)
        return Result<void>::failure(ErrorKind::io, "cannot load font " + font_path);
    return {};
}

float side_panel_width(const Camera& camera) {
    return std::clamp(camera.width * 0.24f, 300.0f, 440.0f);
}

// ========================================================================= side panel ====

void draw_side_panel(const CityPicture& picture, const OpenTotals& totals, const Palette& palette,
                     const StreamStatus& status, const WallFonts& fonts, const Camera& camera) {
    const float width = side_panel_width(camera);
    const float top = status.drill ? drill_banner_height(fonts) : 0;
    ImGui::SetNextWindowPos(ImVec2(0, top));
    ImGui::SetNextWindowSize(ImVec2(width, static_cast<float>(camera.height) - top));
    ImGui::Begin("##wall", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus);

    ImGui::PushFont(fonts.heading);
    // The centre's name, wrapped between words to the panel's width.
    fonts.want(status.centre);
    ImGui::TextWrapped("%s", status.centre.c_str());
    ImGui::PopFont();
    if (!status.deterministic) {
        const std::time_t seconds = static_cast<std::time_t>(status.now / 1000);
        std::tm local{};
        localtime_r(&seconds, &local);
        char clock[64];
        std::strftime(clock, sizeof clock, "%Y-%m-%d  %H:%M:%S", &local);
        ImGui::TextUnformatted(clock);
    }

    // ---- stream state
    section(say("数据流", "Stream"), fonts);
    if (!status.live) {
        ImGui::TextColored(kTextDim, "%s", say("无数据流", "no stream: map only").c_str());
    } else {
        if (status.stale) {
            ImGui::TextColored(kTextBad, "● %s  %s %s", say("中断", "STALE").c_str(),
                               format_age(status.silent_s).c_str(),
                               say_short("无数据", "silent").c_str());
        } else if (!status.have_snapshot) {
            ImGui::TextColored(kTextWarn, "● %s", say("等待快照", "waiting for snapshot").c_str());
        } else {
            ImGui::TextColored(kTextGood, "● %s", say("实时", "LIVE").c_str());
        }
        if (!status.deterministic) {
            ImGui::TextColored(kTextDim, "%s", status.updates_endpoint.c_str());
        }
        ImGui::Text("%s %llu", say("序号", "seq").c_str(),
                    static_cast<unsigned long long>(status.seq));
        if (status.data_time > 0) {
            ImGui::Text(
                "%s %s", say("数据时延", "data age").c_str(),
                format_age(static_cast<double>(status.now - status.data_time) / 1000).c_str());
        }
        if (status.decode_errors > 0) {
            ImGui::TextColored(kTextWarn, "%s %llu", say("解码错误", "decode errors").c_str(),
                               static_cast<unsigned long long>(status.decode_errors));
        }
    }

    // ---- incident totals, kept as deltas arrive (AreaCounts), not counted here each frame
    std::map<std::string, std::size_t, std::less<>> by_family, by_department;
    for (std::size_t i = 0; i < totals.families.size(); ++i)
        if (totals.by_family[i] != 0) by_family[totals.families[i]] = totals.by_family[i];
    for (std::size_t i = 0; i < totals.departments.size(); ++i)
        if (totals.by_department[i] != 0)
            by_department[totals.departments[i]] = totals.by_department[i];
    const auto& by_severity = totals.by_severity;
    const std::size_t open = totals.open;
    section(say("在办事件", "Open incidents"), fonts);
    ImGui::PushFont(fonts.banner);
    ImGui::TextUnformatted(format_count(open).c_str());
    ImGui::PopFont();
    ImGui::TextColored(kTextBad, "%s %zu", severity_word_short(Severity::critical).c_str(),
                       by_severity[0]);
    ImGui::SameLine();
    ImGui::TextColored(kTextWarn, "%s %zu", severity_word_short(Severity::major).c_str(),
                       by_severity[1]);
    ImGui::SameLine();
    ImGui::Text("%s %zu  %s %zu", severity_word_short(Severity::moderate).c_str(), by_severity[2],
                severity_word_short(Severity::low).c_str(), by_severity[3]);
    // A state of its own: placed far beyond every area (a geocoder or a CRS to check), counted
    // apart so it is never taken for an incident just across a border.
    if (totals.outside > 0)
        ImGui::TextColored(kTextWarn, "%s %zu",
                           say("城外", "outside the city", "城外 outside the city").c_str(),
                           totals.outside);

    // ---- legend with counts, in the palette's order, two to a row
    section(say("类别", "Categories"), fonts);
    if (ImGui::BeginTable("families", 4, ImGuiTableFlags_RowBg)) {
        setup_pair_columns();
        for (const auto& [family, color] : palette.families()) {
            ImGui::TableNextColumn();
            swatch(color, 12);
            const std::string label =
                fitted(ImGui::GetFont(), std::string(palette.family_label(family)),
                       ImGui::GetContentRegionAvail().x);
            ImGui::TextUnformatted(label.c_str());
            ImGui::TableNextColumn();
            const auto it = by_family.find(family);
            right_aligned_count(it == by_family.end() ? 0 : it->second);
        }
        ImGui::EndTable();
    }

    // ---- per department, two to a row, by the name ingest's config gives it
    auto display_name = [&](const std::string& code) -> std::string {
        for (const FeedHealth& feed : picture.feeds())
            if (feed.department == code) return department_name(feed);
        return code;
    };
    section(say("部门", "Departments"), fonts);
    if (by_department.empty()) {
        ImGui::TextColored(kTextDim, "—");
    } else if (ImGui::BeginTable("departments", 4, ImGuiTableFlags_RowBg)) {
        // Two to a row by name; by code when a name would not fit (the feed health below names
        // them in full, one to a row): the counts stay on a few lines.
        const bool by_name = names_fit_half(picture.feeds(), 40);
        setup_pair_columns();
        for (const auto& [department, count] : by_department) {
            ImGui::TableNextColumn();
            const std::string name = by_name ? display_name(department) : department;
            fonts.want(name);
            ImGui::PushTextWrapPos(0);
            ImGui::TextUnformatted(department.empty() ? "(unknown)" : name.c_str());
            ImGui::PopTextWrapPos();
            ImGui::TableNextColumn();
            right_aligned_count(count);
        }
        ImGui::EndTable();
    }

    // ---- feed health
    section(say("接入状态", "Feed health"), fonts);
    if (picture.feeds().empty()) {
        ImGui::TextColored(kTextDim, "%s",
                           status.live ? say("尚无报告", "no report yet").c_str() : "—");
    } else if (ImGui::BeginTable(
                   "feeds",
                   names_fit_half(picture.feeds(), ImGui::CalcTextSize(" 99 min").x) ? 2 : 1,
                   ImGuiTableFlags_RowBg)) {
        // Two feeds to a row: dot, department, and how long ago it was heard; red when not OK.
        for (const FeedHealth& feed : picture.feeds()) {
            ImGui::TableNextColumn();
            const bool ok = feed.connected && !feed.stale;
            swatch(ok ? Rgba{0.35f, 0.85f, 0.55f, 1} : Rgba{1.0f, 1.0f, 1.0f, 1}, 10);
            const std::string heard =
                feed.last_message > 0
                    ? format_age(static_cast<double>(status.now - feed.last_message) / 1000)
                    : say("从未", "never", "never");
            // The name, then its state; when both do not fit the cell's line, the name wraps
            // between its words and the state goes under it: nothing is cut.
            const std::string name = department_name(feed);
            char rate[32];
            std::snprintf(rate, sizeof rate, "%.0f/s", feed.rate_per_s);
            const std::string state = ok && feed.flooding ? say_short("洪泛", "FLOOD") + " " + rate
                                      : ok                ? heard
                                           : (feed.connected ? say("中断", "STALE", "STALE")
                                                             : say("断开", "DOWN", "DOWN")) +
                                                 " " + heard;
            fonts.want(name);
            fonts.want(state);
            const bool one_line = ImGui::CalcTextSize((name + " " + state).c_str()).x <=
                                  ImGui::GetContentRegionAvail().x;
            auto name_and_state = [&](const ImVec4& name_color, const ImVec4& state_color,
                                      bool together) {
                if (!one_line) {
                    ImGui::PushStyleColor(ImGuiCol_Text, name_color);
                    ImGui::PushTextWrapPos(0);
                    ImGui::TextUnformatted(name.c_str());
                    ImGui::PopTextWrapPos();
                    ImGui::PopStyleColor();
                    ImGui::TextColored(state_color, "%s", state.c_str());
                } else if (together) {
                    ImGui::TextColored(name_color, "%s %s", name.c_str(), state.c_str());
                } else {
                    ImGui::TextColored(name_color, "%s", name.c_str());
                    ImGui::SameLine();
                    ImGui::TextColored(state_color, "%s", state.c_str());
                }
            };
            if (ok && feed.flooding) {
                // Not an outage, but the department to look at: it sends more than its share.
                ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, IM_COL32(200, 120, 0, 235));
                name_and_state(ImVec4(0, 0, 0, 1), ImVec4(0, 0, 0, 1), true);
            } else if (ok) {
                name_and_state(ImGui::GetStyleColorVec4(ImGuiCol_Text), kTextDim, false);
            } else {
                // Unmistakable from across the room: the whole cell red, the text white.
                ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, kAlertRed);
                name_and_state(ImVec4(1, 1, 1, 1), ImVec4(1, 1, 1, 1), true);
                // Not a cable to wait for: a key to mend, said inside the cell.
                if (std::string refused = feed_refusal(feed); !refused.empty()) {
                    // Wrapped to the cell: first after "refused:", never before the count.
                    if (const auto times = refused.rfind(" ×"); times != std::string::npos)
                        refused.replace(times, 1, "\u00a0");
                    if (ImGui::CalcTextSize(refused.c_str()).x > ImGui::GetContentRegionAvail().x) {
                        if (const auto colon = refused.find("："); colon != std::string::npos) {
                            refused.insert(colon + std::string_view("：").size(), "\n");
                        } else if (const auto space = refused.find(' ');
                                   space != std::string::npos) {
                            refused.replace(space, 1, "\n");
                        }
                    }
                    fonts.want(refused);
                    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.92f, 0.55f, 1));
                    ImGui::PushTextWrapPos(0);
                    ImGui::TextUnformatted(refused.c_str());
                    ImGui::PopTextWrapPos();
                    ImGui::PopStyleColor();
                }
            }
            // Its reports that land outside the city: a geocoder or a CRS to check.
            if (feed.far_away > 0) {
                const std::string far = say("城外", "far") + " ×" + format_count(feed.far_away);
                ImGui::TextColored(ImVec4(1.0f, 0.78f, 0.25f, 1.0f), "%s", far.c_str());
            }
        }
        ImGui::EndTable();
    }
    ImGui::End();
}

float draw_layer_box(std::vector<MapLayer>& layers, const WallFonts& fonts, const Camera& camera,
                     AggregateMode* mode, bool compact, LayerBoxToggles* toggles, float below) {
    // Bottom right, above the scale bar (and a drill's timeline): map controls apart from the
    // city's numbers.
    const float bottom_margin = std::max(fonts.body->FontSize * 2 + 40, below + 8);
    ImGui::SetNextWindowPos(ImVec2(static_cast<float>(camera.width) - 16,
                                   static_cast<float>(camera.height) - bottom_margin),
                            ImGuiCond_Always, ImVec2(1, 1));
    ImGui::SetNextWindowBgAlpha(0.82f);
    ImGui::Begin("##layers", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize);
    ImGui::PushFont(fonts.heading);
    ImGui::TextColored(ImVec4(0.55f, 0.75f, 1.0f, 1.0f), "%s", say("图层", "Layers").c_str());
    ImGui::PopFont();
    ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(3, 1));
    for (std::size_t i = 0; i < layers.size() && !compact; ++i) {
        LayerStyle& style = layers[i].style();
        ImGui::PushID(static_cast<int>(i));
        ImGui::Checkbox(style.name.c_str(), &style.visible);
        ImGui::PopID();
    }
    if (mode) {
        if (!compact) ImGui::Separator();
        ImGui::TextUnformatted(say("聚合", "Aggregate").c_str());
        int value = static_cast<int>(*mode);
        ImGui::RadioButton(say("自动", "auto").c_str(), &value,
                           static_cast<int>(AggregateMode::automatic));
        ImGui::SameLine();
        ImGui::RadioButton(say("开", "on").c_str(), &value, static_cast<int>(AggregateMode::on));
        ImGui::SameLine();
        ImGui::RadioButton(say("关", "off").c_str(), &value, static_cast<int>(AggregateMode::off));
        *mode = static_cast<AggregateMode>(value);
    }
    if (toggles) {
        ImGui::Separator();
        ImGui::Checkbox(say("热力", "Heat").c_str(), toggles->heat);
        ImGui::SameLine();
        ImGui::Checkbox(say("队列", "Queue").c_str(), toggles->queue);
        ImGui::SameLine();
        ImGui::Checkbox(say("指标", "KPI").c_str(), toggles->kpi);
        toggles->box_width = ImGui::GetWindowSize().x;
    }
    ImGui::PopStyleVar();
    const float top = ImGui::GetWindowPos().y;
    ImGui::End();
    return top;
}

// The code of a key refusal (the ingest's, docs/security.md) in an operator's words; a code
// newer than this wall as it is.
// (A wall that speaks both says it in English: the cell is narrow, and it is what a technician
// will search the ingest's log for.)
std::string refusal_words(std::string_view code) {
    auto words = [](std::string_view zh, std::string_view en) { return say(zh, en, en); };
    if (code == "unknown_key") return words("密钥错误", "wrong key");
    if (code == "other_department_key") return words("他部门密钥", "another dept's key");
    if (code == "wrong_mechanism") return words("无密钥", "no key");
    if (code == "broken_handshake") return words("未出示密钥", "no key shown");
    if (code == "unknown_department") return words("非部门接口", "not a dept socket");
    return std::string(code);
}

std::string department_name(const FeedHealth& feed) {
    const std::string& name = wall_language() == Language::en && !feed.name_en.empty()
                                  ? feed.name_en
                              : !feed.name.empty() ? feed.name
                                                   : feed.name_en;
    return name.empty() ? feed.department : name;
}

std::string feed_refusal(const FeedHealth& feed) {
    // Being refused: the latest refusal came after the last message that got through.
    if (feed.last_refused == 0 || feed.last_refused <= feed.last_message) return {};
    std::uint64_t count = 0;
    for (const RejectCount& r : feed.refusals)
        if (r.reason == feed.last_refusal_reason) count = r.count;
    std::string line = say("拒绝：", "refused: ", "refused: ");
    line += feed.last_refusal_reason.empty() ? say("密钥", "key", "key")
                                             : refusal_words(feed.last_refusal_reason);
    if (count > 0) line += " ×" + format_count(count);
    return line;
}

// ============================================================================ banners ====

namespace {

void centred_text(ImDrawList* draw, ImFont* font, float y, float left, float right, ImU32 color,
                  const char* text) {
    const ImVec2 size = font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, text);
    draw->AddText(font, font->FontSize, ImVec2((left + right - size.x) / 2, y), color, text);
}

}  // namespace

void draw_banners(const StreamStatus& status, const WallFonts& fonts, const Camera& camera) {
    auto* draw = ImGui::GetForegroundDrawList();
    const float w = static_cast<float>(camera.width);
    const float banner_h = drill_banner_height(fonts);
    float top = 0;
    if (status.drill) {
        // A frame round the whole wall as well: a drill shows even where the banner is cropped.
        draw->AddRect(ImVec2(3, 3), ImVec2(w - 3, static_cast<float>(camera.height) - 3),
                      kDrillMagenta, 0, 0, 6);
        // Across the whole top, over the panel too: nobody may take a drill for the real city.
        draw->AddRectFilled(ImVec2(0, 0), ImVec2(w, banner_h), kDrillMagenta);
        for (float x = -banner_h; x < w; x += banner_h * 1.2f) {  // hazard stripes at the edge
            draw->AddQuadFilled(ImVec2(x, banner_h), ImVec2(x + banner_h * 0.5f, banner_h),
                                ImVec2(x + banner_h * 0.7f, banner_h - 6),
                                ImVec2(x + banner_h * 0.2f, banner_h - 6), IM_COL32(0, 0, 0, 90));
        }
        centred_text(
            draw, fonts.banner, (banner_h - fonts.banner->FontSize) / 2, 0, w,
            IM_COL32(255, 255, 255, 255),
            say("演练 — 非真实警情", "DRILL — not real incidents", "DRILL 演练 — 非真实警情")
                .c_str());
        top = banner_h;
    }
    if (status.keys_off) {
        // Along the bottom, always: a set-up without keys must never pass for a protected one.
        const float h = fonts.heading->FontSize + 16;
        const float bottom = static_cast<float>(camera.height);
        draw->AddRectFilled(ImVec2(0, bottom - h), ImVec2(w, bottom), IM_COL32(200, 120, 0, 235));
        centred_text(draw, fonts.heading, bottom - h + 8, 0, w, IM_COL32(0, 0, 0, 255),
                     say("未启用密钥认证 — 部门数据未经认证",
                         "KEYS OFF — department feeds are not authenticated",
                         "KEYS OFF — department feeds are not authenticated · 未启用密钥认证")
                         .c_str());
    }
    // A red box under the banner that cannot be missed: the picture is not live.
    auto not_live = [&](const char* line, const char* because) {
        const float left = side_panel_width(camera);
        const float margin = 24;
        const float y0 = top + margin;
        const float h = fonts.banner->FontSize + fonts.heading->FontSize + 36;
        draw->AddRectFilled(ImVec2(left + margin, y0), ImVec2(w - margin, y0 + h), kAlertRed, 6);
        draw->AddRect(ImVec2(left + margin, y0), ImVec2(w - margin, y0 + h),
                      IM_COL32(255, 255, 255, 220), 6, 0, 3);
        centred_text(draw, fonts.banner, y0 + 10, left, w, IM_COL32(255, 255, 255, 255), line);
        centred_text(draw, fonts.heading, y0 + 14 + fonts.banner->FontSize, left, w,
                     IM_COL32(255, 235, 235, 255), because);
    };
    if (status.live && !status.stale && !status.ingest_stopped.empty()) {
        // Ingest is alive but takes nothing in: not a network cut, and not to be waited out.
        const float room = w - 2 * 24 - side_panel_width(camera) - 24;
        // The banner font holds the glyphs of the fixed banners only; the reason, which can be
        // anything, goes in the heading font, shortened to the box.
        const std::string why = fitted(fonts.heading,
                                       say_short("汇聚服务已停止接收", "ingest takes nothing in") +
                                           " · " + status.ingest_stopped,
                                       room);
        fonts.want(why);
        not_live(say("汇聚服务停止 — 画面不是实时的", "INGEST STOPPED — picture is NOT live",
                     "INGEST STOPPED — picture is NOT live")
                     .c_str(),
                 why.c_str());
    }
    if (status.live && status.stale) {
        char line[128];
        if (status.heard_anything) {
            const std::string format =
                say("数据中断 — 最后更新于 %.0f 秒前", "DATA STALE — last update %.0f s ago",
                    "DATA STALE — last update %.0f s ago");
            std::snprintf(line, sizeof line, format.c_str(), std::floor(status.silent_s));
        } else {
            const std::string format = say("未收到数据 — %.0f 秒", "NO DATA FROM INGEST — %.0f s",
                                           "NO DATA FROM INGEST — %.0f s");
            std::snprintf(line, sizeof line, format.c_str(), std::floor(status.silent_s));
        }
        if (status.refused.empty()) {
            not_live(line, say("画面不是实时的", "the picture is NOT live",
                               "数据中断 — 画面不是实时的 · picture is NOT live")
                               .c_str());
        } else {
            // Not a network cut: a key to mend, not a wait.
            const float room = w - 2 * 24 - side_panel_width(camera) - 24;
            const std::string why = fitted(
                fonts.heading, say_short("密钥被拒", "key refused") + " · " + status.refused, room);
            fonts.want(why);
            not_live(line, why.c_str());
        }
    }
}

// ========================================================================= map labels ====

void draw_map_labels(const std::vector<MapLayer>& layers, const Camera& camera,
                     const WallFonts& fonts, float left_edge, ImDrawList& draw_list) {
    ImDrawList* draw = &draw_list;
    std::vector<ImVec4> placed;  // x0, y0, x1, y1 of labels already drawn
    auto overlaps = [&](const ImVec4& r) {
        return std::any_of(placed.begin(), placed.end(), [&](const ImVec4& p) {
            return r.x < p.z && p.x < r.z && r.y < p.w && p.y < r.w;
        });
    };
    // Top layers first: district names win over grid names.
    for (auto layer = layers.rbegin(); layer != layers.rend(); ++layer) {
        const LayerStyle& style = layer->style();
        if (layer->labels().empty() || !style.shown_at(camera.metres_per_pixel)) continue;
        if (style.label_max_zoom && camera.metres_per_pixel > *style.label_max_zoom) continue;
        ImFont* font = style.label_size >= fonts.heading->FontSize ? fonts.heading : fonts.body;
        const float size = style.label_size > 0 ? style.label_size : font->FontSize;
        const Rgba color = style.label_color.value_or(style.outline.value_or(Rgba{1, 1, 1, 1}));
        const ImU32 text_color = color.with_alpha(std::min(1.0f, color.a * 1.6f)).packed_abgr();
        for (const MapLabel& label : layer->labels()) {
            const auto [sx, sy] = camera.to_screen(label.at);
            if (sx < left_edge || sy < 0 || sx > camera.width || sy > camera.height) continue;
            const ImVec2 text = font->CalcTextSizeA(size, FLT_MAX, 0, label.text.c_str());
            if (label.extent_m / camera.metres_per_pixel < text.x * 1.3f) continue;
            const float x = static_cast<float>(sx) - text.x / 2;
            const float y = static_cast<float>(sy) - text.y / 2;
            const ImVec4 box(x - 4, y - 2, x + text.x + 4, y + text.y + 2);
            if (box.x < left_edge || overlaps(box)) continue;
            placed.push_back(box);
            // Line by line, each centred (a grid's name over its code).
            float line_y = y;
            for (std::string_view rest = label.text; !rest.empty();) {
                const std::size_t end = std::min(rest.find('\n'), rest.size());
                const char* begin = rest.data();
                const float width = font->CalcTextSizeA(size, FLT_MAX, 0, begin, begin + end).x;
                const ImVec2 at(static_cast<float>(sx) - width / 2, line_y);
                // A dark halo keeps the name readable over fills, lines and the basemap.
                for (const ImVec2 d :
                     {ImVec2(-1, 0), ImVec2(1, 0), ImVec2(0, -1), ImVec2(0, 1), ImVec2(-1, -1),
                      ImVec2(1, 1), ImVec2(-1, 1), ImVec2(1, -1)}) {
                    draw->AddText(font, size, ImVec2(at.x + d.x, at.y + d.y),
                                  IM_COL32(3, 6, 10, 220), begin, begin + end);
                }
                draw->AddText(font, size, at, text_color, begin, begin + end);
                line_y += size;
                rest.remove_prefix(std::min(end + 1, rest.size()));
            }
        }
    }
}

// ========================================================================== scale bar ====

void draw_scale_bar(const Camera& camera, const WallFonts& fonts) {
    // Mercator metres shrink to ground metres by cos(latitude) at the view centre.
    const double lat = std::atan(std::sinh(camera.center.y / 6378137.0));
    const double ground_per_px = camera.metres_per_pixel * std::cos(lat);
    const double target = ground_per_px * 160;
    const double magnitude = std::pow(10.0, std::floor(std::log10(target)));
    double nice = magnitude;
    for (const double step : {2.0, 5.0, 10.0}) {
        if (magnitude * step <= target) nice = magnitude * step;
    }
    const float px = static_cast<float>(nice / ground_per_px);
    char text[32];
    if (nice >= 1000) {
        std::snprintf(text, sizeof text, "%g km", nice / 1000);
    } else {
        std::snprintf(text, sizeof text, "%g m", nice);
    }
    auto* draw = ImGui::GetBackgroundDrawList();
    const float x1 = static_cast<float>(camera.width) - 28;
    const float x0 = x1 - px;
    const float y = static_cast<float>(camera.height) - 26;
    const ImU32 color = IM_COL32(220, 228, 240, 230);
    draw->AddRectFilled(ImVec2(x0 - 10, y - fonts.body->FontSize - 12), ImVec2(x1 + 10, y + 10),
                        IM_COL32(5, 8, 12, 170), 4);
    draw->AddLine(ImVec2(x0, y), ImVec2(x1, y), color, 2);
    draw->AddLine(ImVec2(x0, y - 6), ImVec2(x0, y + 1), color, 2);
    draw->AddLine(ImVec2(x1, y - 6), ImVec2(x1, y + 1), color, 2);
    const ImVec2 size = fonts.body->CalcTextSizeA(fonts.body->FontSize, FLT_MAX, 0, text);
    draw->AddText(fonts.body, fonts.body->FontSize, ImVec2((x0 + x1 - size.x) / 2, y - size.y - 6),
                  color, text);
}

}  // namespace citywall::viewer
