#include "citywall/domain_words.hpp"

namespace citywall {

DomainWords words_of(Severity severity) {
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

DomainWords words_of(IncidentStatus status) {
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

DomainWords words_of(CaseStage stage) {
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

}  // namespace citywall
