#include "duty_desk.hpp"

#include "unit_fleet.hpp"

namespace citywall::feedsim {

namespace {

std::string family_of(const std::string& category) {
    return category.substr(0, category.find('.'));
}

// A unit heard from longer ago than this is not sent (its place is not known).
constexpr TimeMs kFreshUnitMs = 90'000;
// A unit named in an order is not named again for this long (its department says it is
// dispatched within seconds; then it is no longer free).
constexpr TimeMs kNamedMs = 60'000;

}  // namespace

wire::CaseCommand DutyDesk::command(const Incident& incident, CaseAction action) {
    wire::CaseCommand c;
    c.id = id_prefix_ + "-" + std::to_string(++sent_);
    c.incident = incident.id;
    c.action = action;
    return c;
}

std::optional<wire::CaseCommand> DutyDesk::next_step(const Incident& incident) {
    const CaseState& c = incident.case_state;
    switch (c.stage) {
        case CaseStage::received: {
            if (incident.drill || incident.sources.empty()) return std::nullopt;
            std::string to(incident.department());
            if (auto it = rules_.family_to_department.find(family_of(incident.category));
                it != rules_.family_to_department.end())
                to = it->second;
            if (!rules_.can_take_orders.contains(to)) return std::nullopt;
            auto order = command(incident, CaseAction::order);
            order.department = to;
            order.note = "请按时限处置";
            if (incident.severity == Severity::critical)
                if (const Unit* unit = nearest_free(incident, to)) {
                    order.unit = unit->id;
                    order.note = "特急：派最近的空闲单位 " + std::string(unit->label());
                    named_[unit_key(*unit)] = now_;
                }
            return order;
        }
        case CaseStage::returning: {
            auto agree = command(incident, CaseAction::return_agree);
            agree.department = rules_.fallback_department;
            if (agree.department == c.department)
                return command(incident, CaseAction::return_refuse);
            return agree;
        }
        case CaseStage::resolved:
            return command(incident, CaseAction::review_pass);
        case CaseStage::reviewed: {
            // The hotline's callers are called back; other cases close on the review.
            const bool hotline = incident.department() == "12345";
            if (hotline && c.satisfaction == Satisfaction::none) {
                auto feedback = command(incident, CaseAction::feedback);
                const double draw = std::uniform_real_distribution<double>(0, 1)(rng_);
                feedback.reason = draw < 0.8    ? "satisfied"
                                  : draw < 0.95 ? "basically_satisfied"
                                                : "dissatisfied";
                return feedback;
            }
            auto close = command(incident, CaseAction::close);
            close.reason = "resolved";
            return close;
        }
        case CaseStage::assigned:
        case CaseStage::signed_for:
        case CaseStage::on_scene: {
            // Escalated past its deadline: supervised (督办), once.
            if (incident.escalation == 0 || c.supervised) return std::nullopt;
            auto supervise = command(incident, CaseAction::supervise);
            supervise.note = "已超时升级，请加快处置";
            return supervise;
        }
        default:
            return std::nullopt;
    }
}

const Unit* DutyDesk::nearest_free(const Incident& incident, const std::string& department) const {
    const Unit* best = nullptr;
    double best_m = rules_.unit_within_m;
    for (const Unit& unit : units_) {
        if (unit.department != department || !unit.free() || unit.drill != incident.drill ||
            now_ - unit.received > kFreshUnitMs)
            continue;
        if (auto named = named_.find(unit_key(unit));
            named != named_.end() && now_ - named->second < kNamedMs)
            continue;
        const double metres = metres_between(unit.location, incident.location);
        if (metres <= best_m) {
            best = &unit;
            best_m = metres;
        }
    }
    return best;
}

std::vector<wire::CaseCommand> DutyDesk::decide(const std::vector<Incident>& incidents, TimeMs now,
                                                std::size_t most) {
    std::vector<wire::CaseCommand> out;
    std::set<std::uint64_t> open;
    now_ = now;
    for (const Incident& incident : incidents) {
        open.insert(incident.id);
        // A case is acted on a moment after it reached its stage, as a person would, and a
        // moment after a refusal.
        const std::uint32_t step = incident.case_state.last.number;
        auto [seen, fresh] = seen_.try_emplace(incident.id, Seen{step, now});
        if (seen->second.step != step) seen->second = {step, now};
        if (out.size() >= most || waiting_.contains(incident.id)) continue;
        if (now - seen->second.since < rules_.think_ms) continue;
        if (auto next = next_step(incident)) {
            waiting_[incident.id] = next->id;
            seen->second.since = now;
            out.push_back(std::move(*next));
        }
    }
    std::erase_if(seen_, [&](const auto& entry) { return !open.contains(entry.first); });
    std::erase_if(waiting_, [&](const auto& entry) { return !open.contains(entry.first); });
    return out;
}

void DutyDesk::answered(const wire::CommandReply& reply) {
    auto it = waiting_.find(reply.incident);
    if (it == waiting_.end() || it->second != reply.id) return;
    waiting_.erase(it);
    if (reply.accepted) return;
    ++refused_;
    if (auto seen = seen_.find(reply.incident); seen != seen_.end()) seen->second.since = now_;
}

}  // namespace citywall::feedsim
