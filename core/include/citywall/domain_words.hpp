// The words of the model in both of the centre's languages: a severity, an incident's status, a
// case's stage. The wall says them (viewer/src/wall_words.hpp) and a debrief writes them; the
// steps of a case have theirs in their own table (CaseActionRule::zh, en).
#pragma once

#include <string_view>

#include "citywall/case_flow.hpp"
#include "citywall/incident.hpp"

namespace citywall {

struct DomainWords {
    std::string_view zh;  // "特急"
    std::string_view en;  // "critical"
};

DomainWords words_of(Severity severity);
DomainWords words_of(IncidentStatus status);
DomainWords words_of(CaseStage stage);

}  // namespace citywall
