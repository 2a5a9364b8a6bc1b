#include "wall_words.hpp"

#include <atomic>

namespace citywall::viewer {

namespace {
std::atomic<Language> language{Language::zh_en};
struct Words {
    std::string_view zh, en;
};

Words severity_words(Severity severity) {
    switch (severity) {
        case Severity::critical:
            return {"特急", "critical"};
        case Severity::major:
            return {"紧急", "major"};
        case Severity::moderate:
            return {"一般", "moderate"};
        case Severity::low:
            return {"低", "low"};
    }
    return {"?", "?"};
}

Words status_words(IncidentStatus status) {
    switch (status) {
        case IncidentStatus::reported:
            return {"上报", "reported"};
        case IncidentStatus::accepted:
            return {"受理", "accepted"};
        case IncidentStatus::dispatched:
            return {"派遣", "dispatched"};
        case IncidentStatus::en_route:
            return {"在途", "en route"};
        case IncidentStatus::on_scene:
            return {"到场", "on scene"};
        case IncidentStatus::resolved:
            return {"办结", "resolved"};
        case IncidentStatus::closed:
            return {"关闭", "closed"};
        case IncidentStatus::cancelled:
            return {"取消", "cancelled"};
    }
    return {"?", "?"};
}

Words stage_words(CaseStage stage) {
    switch (stage) {
        case CaseStage::received:
            return {"待派单", "new"};
        case CaseStage::assigned:
            return {"已派单", "assigned"};
        case CaseStage::signed_for:
            return {"已签收", "signed for"};
        case CaseStage::returning:
            return {"退单中", "returning"};
        case CaseStage::on_scene:
            return {"处置中", "on scene"};
        case CaseStage::resolved:
            return {"已办结", "resolved"};
        case CaseStage::reviewed:
            return {"已审核", "reviewed"};
        case CaseStage::closed:
            return {"已结案", "closed"};
        case CaseStage::cancelled:
            return {"已撤销", "cancelled"};
    }
    return {"?", "?"};
}

}  // namespace

std::string stage_word(CaseStage stage) {
    const Words w = stage_words(stage);
    return say(w.zh, w.en);
}

std::string stage_word_short(CaseStage stage) {
    const Words w = stage_words(stage);
    return say_short(w.zh, w.en);
}

std::string action_word(CaseAction action) {
    const CaseActionRule& rule = rule_of(action);
    return say(std::string(rule.zh), std::string(rule.en));
}

std::string level_word(const AreaLevelConfig& level) {
    return say(level.name, level.name_en);
}

std::string level_word_short(const AreaLevelConfig& level) {
    return say_short(level.name, level.name_en);
}

std::string severity_word(Severity severity) {
    const Words w = severity_words(severity);
    return say(w.zh, w.en);
}

std::string severity_word_short(Severity severity) {
    const Words w = severity_words(severity);
    return say_short(w.zh, w.en);
}

std::string status_word(IncidentStatus status) {
    const Words w = status_words(status);
    return say(w.zh, w.en);
}

std::string status_word_short(IncidentStatus status) {
    const Words w = status_words(status);
    return say_short(w.zh, w.en);
}

void set_wall_language(Language l) {
    language.store(l, std::memory_order_relaxed);
}

Language wall_language() {
    return language.load(std::memory_order_relaxed);
}

}  // namespace citywall::viewer
