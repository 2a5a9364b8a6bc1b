#include "wall_words.hpp"

#include <atomic>

#include "citywall/domain_words.hpp"

namespace citywall::viewer {

namespace {
std::atomic<Language> language{Language::zh_en};
}  // namespace

std::string stage_word(CaseStage stage) {
    const DomainWords w = words_of(stage);
    return say(w.zh, w.en);
}

std::string stage_word_short(CaseStage stage) {
    const DomainWords w = words_of(stage);
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
    const DomainWords w = words_of(severity);
    return say(w.zh, w.en);
}

std::string severity_word_short(Severity severity) {
    const DomainWords w = words_of(severity);
    return say_short(w.zh, w.en);
}

std::string status_word(IncidentStatus status) {
    const DomainWords w = words_of(status);
    return say(w.zh, w.en);
}

std::string status_word_short(IncidentStatus status) {
    const DomainWords w = words_of(status);
    return say_short(w.zh, w.en);
}

void set_wall_language(Language l) {
    language.store(l, std::memory_order_relaxed);
}

Language wall_language() {
    return language.load(std::memory_order_relaxed);
}

}  // namespace citywall::viewer
