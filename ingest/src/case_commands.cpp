// Cases at the centre (docs/dispatch.md): a wall's command or a department's answer becomes a
// step of a case, checked against the lifecycle's one table (citywall/case_flow.hpp) and what
// only ingest knows, then recorded as an event like any other: journaled with who, when and
// what before it has any effect. Orders go to their department on its own socket and are sent
// again until it signs for them, so an order to a department that is away waits in the state
// (and so in the journal and the checkpoint) until it is back. An order taken away from a
// department is withdrawn there with a notice on the same socket; a case of its supervised (督办)
// or escalated is told to it the same way.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "citywall/utf8.hpp"
#include "ingest_server_impl.hpp"

namespace citywall::ingest {

namespace {

bool all_text(const wire::CaseCommand& c) {
    for (const std::string* text : {&c.id, &c.department, &c.unit, &c.reason, &c.note})
        if (!is_valid_utf8(*text)) return false;
    return true;
}

std::string iso_time(TimeMs t) {
    return t == 0 ? std::string() : format_iso8601_utc(t);
}

// A message of the order channel, begun with its type, the order's id and the incident.
class ChannelMessage {
  public:
    ChannelMessage(const char* type, const std::string& order, std::uint64_t incident) : w(buffer) {
        w.StartObject();
        text("type", type);
        text("order", order);
        w.Key("incident");
        w.Uint64(incident);
    }
    void text(const char* key, const std::string& value) {
        w.Key(key);
        w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
    }
    std::string done() {
        w.EndObject();
        return std::string(buffer.GetString(), buffer.GetSize());
    }

    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w;
};

}  // namespace

std::optional<CaseRefused> IngestServer::Impl::take_step(std::uint64_t id, CaseStep step, Doer doer,
                                                         const std::string& source) {
    auto incident = state.incident(id);
    // Reopening takes a closed case as ingest keeps it, or as the journal gave it back lately.
    if (!incident && step.action == CaseAction::reopen) {
        incident = state.closed_incident(id);
        if (!incident && case_search)
            if (auto read = case_search->recall(id)) incident = std::move(read->incident);
        if (!incident && id < state.next_id())
            return CaseRefused{CaseRefusal::unknown_case,
                               "case " + std::to_string(id) +
                                   " is neither kept nor read lately: open it by its number "
                                   "first, then reopen it"};
    }
    if (!incident)
        return CaseRefused{
            id < state.next_id() ? CaseRefusal::case_closed : CaseRefusal::unknown_case,
            id < state.next_id() ? "incident " + std::to_string(id) + " is no longer open"
                                 : "no incident " + std::to_string(id)};
    // A case its departments' reports closed, the centre never having taken it up, is closed
    // for reopening as one the centre closed.
    incident->case_state = incident->case_standing();
    CaseState& current = incident->case_state;
    if (auto why = check_step(current, step, doer)) return why;
    // What the table cannot know: who exists, which ids are taken.
    const bool names_department = !step.department.empty() && doer != Doer::department;
    if (names_department && !department_index(step.department))
        return CaseRefused{CaseRefusal::unknown_department,
                           "no department '" + step.department + "'"};
    if (names_department && !departments[*department_index(step.department)].acknowledged())
        return CaseRefused{CaseRefusal::unknown_department,
                           "department '" + step.department +
                               "' cannot receive orders: its feed is not acknowledged"};
    const std::string& unit_department =
        step.department.empty() ? current.department : step.department;
    const Unit* unit = !step.unit.empty() && doer != Doer::department
                           ? units.find(unit_department, step.unit)
                           : nullptr;
    if (!step.unit.empty() && doer != Doer::department && !unit)
        return CaseRefused{CaseRefusal::unknown_unit,
                           "no unit '" + step.unit + "' of " + unit_department + " is on duty"};
    if (unit && unit->status == UnitStatus::out_of_service)
        return CaseRefused{CaseRefusal::unit_unavailable,
                           "unit '" + step.unit + "' of " + unit_department + " is out of service"};
    const bool orders = step.action == CaseAction::order || step.action == CaseAction::reopen;
    if (orders && state.order(step.command))
        return CaseRefused{CaseRefusal::duplicate_command,
                           "order id '" + step.command + "' is already used"};
    if (events.failing()) return CaseRefused{CaseRefusal::journal_failing, events.failure()};

    const CaseLimits case_limits{
        config.deadlines.sign_ms(incident->category),
        config.deadlines.deadline_ms(incident->category, incident->severity)};
    const TimeMs now = step.time;
    const CaseState before = current;
    const bool step_reopens = step.action == CaseAction::reopen;
    current = apply_step(std::move(current), std::move(step), case_limits);
    auto notice = notice_of(before, current, id);
    if (current.stage == CaseStage::closed) incident->status = IncidentStatus::closed;
    if (current.stage == CaseStage::cancelled) incident->status = IncidentStatus::cancelled;
    if (step_reopens) incident->status = IncidentStatus::dispatched;
    incident->updated = now;
    const bool to_send = current.stage == CaseStage::assigned;
    // A drill's step on a case of its recording: the case is the drill's from now on, and an
    // order it gave is the only one that goes out.
    if (replay) {
        replay->drilled.insert(id);
        if (!current.order.empty() && current.order != before.order)
            replay->orders.insert(current.order);
    }
    if (auto recorded = record(state.change(std::move(*incident)), now, source); !recorded)
        return CaseRefused{CaseRefusal::journal_failing, recorded.error()};
    // Sent once it is published: a department never holds an order the journal might lose.
    if (to_send) pending_orders.push_back({state.last_seq(), id});
    if (notice) {
        notice->seq = state.last_seq();
        pending_notices.push_back(std::move(*notice));
    }
    // A unit ordered directly shows as dispatched to the case on every wall at once; its own
    // department's next fix says where it stands from then on.
    if (unit &&
        (current.last.action == CaseAction::order || current.last.action == CaseAction::reopen)) {
        Unit dispatched = *unit;
        dispatched.status = UnitStatus::dispatched;
        dispatched.incident = id;
        dispatched.received = now;
        if (auto recorded = record_unit(std::move(dispatched), now, source); !recorded)
            log("unit " + current.unit + " of " + current.department +
                " is ordered but its status was not recorded: " + recorded.error());
    }
    return std::nullopt;
}

std::optional<std::size_t> IngestServer::Impl::department_index(std::string_view code) const {
    for (std::size_t k = 0; k < departments.size(); ++k)
        if (departments[k].config.code == code) return k;
    return std::nullopt;
}

void IngestServer::Impl::take_command(const WallRequests::Request& request, TimeMs now) {
    const wire::CaseCommand& c = request.command;
    wire::CommandReply reply{state.last_seq(), c.id, c.incident, false, {}, {}};
    auto refuse = [&](CaseRefusal why, std::string detail) {
        ++counters.commands_refused[static_cast<std::size_t>(why)];
        reply.refusal = to_string(why);
        reply.detail = std::move(detail);
        throttled.write("command-" + reply.refusal,
                        "command " + std::string(to_string(c.action)) + " of '" + request.speaker +
                            "' on incident " + std::to_string(c.incident) + " refused (" +
                            reply.refusal + "): " + reply.detail,
                        now);
        walls->answer(request.peer, wire::encode(reply));
    };
    if (request.limited)
        return refuse(CaseRefusal::too_fast, "over this wall's rate of requests; send it again");
    if (!all_text(c)) return refuse(CaseRefusal::malformed, "text that is not UTF-8");
    const auto doer = doer_of(request.role);
    if (!doer)
        return refuse(CaseRefusal::forbidden, "the role " + std::string(describe(request.role)) +
                                                  " may not take steps of a case");
    CaseStep step;
    step.time = now;
    step.action = c.action;
    // Who: the key's name; with keys off nobody is named, and the journal says so.
    step.actor = request.speaker.empty() ? std::string("(keys off)") : request.speaker;
    step.department = c.department;
    step.unit = c.unit;
    step.reason = c.reason;
    step.note = c.note;
    step.command = c.id;
    step.until = c.until;
    if (auto why = take_step(c.incident, std::move(step), *doer,
                             std::string(kWallCommandSource) + request.speaker))
        return refuse(why->why, std::move(why->detail));
    ++counters.commands_accepted;
    reply.accepted = true;
    reply.seq = state.last_seq();
    // Answered once the step is on disk and published, as a department's report is.
    pending_replies.push_back({reply.seq, request.peer, std::move(reply)});
}

void IngestServer::Impl::handle_case_step(Department& department, const FeedCaseStep& answer,
                                          std::string_view bytes, TimeMs now) {
    const std::string& code = department.config.code;
    const auto id = state.order(answer.order);
    if (!id)
        return reject(department, now,
                      {RejectReason::case_refused,
                       "unknown_case: no open case has order '" + answer.order + "'"},
                      bytes);
    if (const auto incident = state.incident(*id)) {
        if (incident->case_state.department != code || incident->case_state.order != answer.order)
            return reject(department, now,
                          {RejectReason::case_refused,
                           "not_assignee: order '" + answer.order + "' is not with " + code},
                          bytes);
    }
    // Its desk saying "on scene" after its unit's own fix already said so: the same fact, taken
    // once (the first arrival stands), answered as done.
    if (const auto incident = state.incident(*id);
        incident && answer.action == CaseAction::arrive &&
        incident->case_state.stage == CaseStage::on_scene) {
        ++counters.case_answers;
        health->accepted(code, std::nullopt, clock());
        if (delivery) this->answer(*delivery, {"ok"});
        return;
    }
    CaseStep step;
    step.time = now;
    step.action = answer.action;
    step.actor = code;  // from the key, never from the message
    step.department = code;
    step.reason = answer.reason;
    step.note = answer.note;
    step.command = answer.order;
    step.until = answer.until;
    if (auto why = take_step(*id, std::move(step), Doer::department, code))
        return reject(department, now,
                      {why->why == CaseRefusal::journal_failing ? RejectReason::journal_error
                                                                : RejectReason::case_refused,
                       std::string(to_string(why->why)) + ": " + why->detail},
                      bytes);
    ++counters.case_answers;
    health->accepted(code, std::nullopt, clock());
}

// The orders `department` has not signed for, sent to the connection that last spoke on its
// socket: [peer, "", order JSON]. An empty first frame is never an answer (a delivery id has at
// least one byte), so a department tells orders from answers by it.
void IngestServer::Impl::deliver_orders(std::size_t index, TimeMs now) {
    Department& department = departments[index];
    department.orders_sent_at = now;
    if (!send_notices(department)) return;
    for (std::uint64_t id : state.awaiting_sign(department.config.code))
        if (orders_out(id) && !send_order(department, id)) return;
}

bool IngestServer::Impl::send_to_department(Department& department, const std::string& json) {
    if (department.order_peer.empty()) return false;
    try {
        zmq::socket_t& socket = department.socket;
        if (!socket.send(zmq::buffer(department.order_peer),
                         zmq::send_flags::sndmore | zmq::send_flags::dontwait))
            return false;  // its queue is full: the rest next time
        socket.send(zmq::const_buffer(nullptr, 0), zmq::send_flags::sndmore);
        socket.send(zmq::buffer(json), zmq::send_flags::none);
        return true;
    } catch (const zmq::error_t&) {
        department.order_peer.clear();  // gone: wait until it speaks again
        return false;
    }
}

bool IngestServer::Impl::send_order(Department& department, std::uint64_t id) {
    if (department.order_peer.empty()) return false;
    const auto incident = state.incident(id);
    if (!incident) return true;
    if (!send_to_department(department, order_message(*incident))) return false;
    ++counters.orders_sent;
    return true;
}

bool IngestServer::Impl::send_notices(Department& department) {
    for (auto& notice : department.notices) {
        if (notice.sent_to == department.order_peer) continue;
        if (!send_to_department(department, notice.message)) return false;
        notice.sent_to = department.order_peer;
        ++counters.notices_sent;
    }
    return true;
}

// An order taken from its department (transferred, returned to another, cancelled, closed) is
// withdrawn there, so it stops work on it; a department whose case is supervised or escalated
// hears it with the deadline it is held to.
std::optional<IngestServer::Impl::PendingNotice> IngestServer::Impl::notice_of(
    const CaseState& before, const CaseState& after, std::uint64_t incident) const {
    const CaseStep& step = after.last;
    const bool withdrawn = !before.department.empty() && !is_final(before.stage) &&
                           (is_final(after.stage) || after.department != before.department);
    if (withdrawn) {
        const auto to = department_index(before.department);
        if (!to) return std::nullopt;
        ChannelMessage m("withdrawn", before.order, incident);
        // What took it away: transfer, return_agree, cancel, close.
        m.text("action", std::string(to_string(step.action)));
        if (!is_final(after.stage) && !after.department.empty()) m.text("to", after.department);
        m.text("at", iso_time(step.time));
        m.text("by", step.actor);
        if (!step.note.empty()) m.text("note", step.note);
        return PendingNotice{0, *to, m.done()};
    }
    const bool told = step.action == CaseAction::supervise || step.action == CaseAction::escalate;
    if (!told || after.department.empty() || is_final(after.stage)) return std::nullopt;
    const auto to = department_index(after.department);
    if (!to) return std::nullopt;
    ChannelMessage m(step.action == CaseAction::supervise ? "supervised" : "escalated", after.order,
                     incident);
    if (step.action == CaseAction::escalate) m.text("level", step.reason);
    m.text("at", iso_time(step.time));
    m.text("by", step.actor);
    if (after.due() != 0) m.text("due", iso_time(after.due()));
    if (!step.note.empty()) m.text("note", step.note);
    return PendingNotice{0, *to, m.done()};
}

Department& IngestServer::Impl::keep_notice(PendingNotice notice) {
    Department& department = departments[notice.department];
    department.notices.push_back({std::move(notice.message), {}});
    if (department.notices.size() > kMaxNoticesWaiting) {
        department.notices.pop_front();
        ++counters.notices_dropped;
    }
    return department;
}

void IngestServer::Impl::resend_orders(TimeMs now) {
    for (std::size_t k = 0; k < departments.size(); ++k)
        if (!departments[k].order_peer.empty() &&
            now - departments[k].orders_sent_at >= kOrderResendMs)
            deliver_orders(k, now);
}

std::string IngestServer::Impl::order_message(const Incident& incident) const {
    const CaseState& c = incident.case_state;
    ChannelMessage m("order", c.order, incident.id);
    auto& w = m.w;
    m.text("action", std::string(to_string(c.last.action)));
    m.text("category", incident.category);
    w.Key("severity");
    w.Int(static_cast<int>(incident.severity));
    m.text("title", incident.title);
    m.text("description", incident.description);
    w.Key("lon");
    w.Double(incident.location.lon);
    w.Key("lat");
    w.Double(incident.location.lat);
    w.Key("areas");
    w.StartArray();
    for (const AreaRef& area : incident.areas) {
        w.StartObject();
        m.text("level", area.level);
        m.text("code", area.code);
        m.text("name", area.name);
        w.EndObject();
    }
    w.EndArray();
    if (!c.unit.empty()) m.text("unit", c.unit);
    m.text("ordered", iso_time(c.assigned));
    if (c.sign_due != 0) m.text("sign_due", iso_time(c.sign_due));
    if (c.resolve_due != 0) m.text("resolve_due", iso_time(c.resolve_due));
    m.text("by", c.last.actor);
    if (!c.last.note.empty()) m.text("note", c.last.note);
    return m.done();
}

void IngestServer::Impl::case_published(std::uint64_t seq) {
    while (!pending_replies.empty() && pending_replies.front().seq <= seq) {
        walls->answer(pending_replies.front().peer, wire::encode(pending_replies.front().reply));
        pending_replies.pop_front();
    }
    while (!pending_notices.empty() && pending_notices.front().seq <= seq) {
        Department& department = keep_notice(std::move(pending_notices.front()));
        pending_notices.pop_front();
        send_notices(department);
    }
    while (!pending_orders.empty() && pending_orders.front().first <= seq) {
        const std::uint64_t id = pending_orders.front().second;
        pending_orders.pop_front();
        const auto incident = state.open_incident(id);
        if (!incident || incident->stage != CaseStage::assigned) continue;
        const auto whole = state.incident(id);
        if (auto k = department_index(whole->case_state.department))
            send_order(departments[*k], id);
    }
}

// One JSON line a notice, after a first line naming the checkpoint: {"seq": N}, then
// {"department": "water", "notice": {…}}.
Result<void> IngestServer::Impl::save_notices(std::uint64_t seq) const {
    std::string text = "{\"seq\":" + std::to_string(seq) + "}\n";
    for (const Department& department : departments)
        for (const Department::Notice& notice : department.notices) {
            rapidjson::StringBuffer buffer;
            rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
            w.StartObject();
            w.Key("department");
            w.String(department.config.code.c_str(),
                     static_cast<rapidjson::SizeType>(department.config.code.size()));
            w.Key("notice");
            w.RawValue(notice.message.c_str(), notice.message.size(), rapidjson::kObjectType);
            w.EndObject();
            text.append(buffer.GetString(), buffer.GetSize());
            text += '\n';
        }
    return replace_file(config.journal_dir / kNoticesFile, text);
}

Result<Restored> IngestServer::Impl::load_notices(std::uint64_t seq) {
    auto bytes = read_whole_file(config.journal_dir / kNoticesFile);
    if (!bytes && bytes.error_kind() == ErrorKind::not_found) return Restored::absent;
    if (!bytes) return bytes.error_value();
    std::string_view rest = *bytes;
    std::size_t line = 0;
    std::vector<PendingNotice> kept;
    while (!rest.empty()) {
        const std::size_t end = std::min(rest.find('\n'), rest.size());
        const std::string text(rest.substr(0, end));
        rest.remove_prefix(std::min(end + 1, rest.size()));
        ++line;
        rapidjson::Document d;
        d.Parse(text.c_str(), text.size());
        const auto bad = [&](const char* why) {
            return Result<Restored>::failure(
                ErrorKind::invalid,
                std::string(kNoticesFile) + ":" + std::to_string(line) + ": " + why);
        };
        if (d.HasParseError() || !d.IsObject()) return bad("not a JSON object");
        if (line == 1) {
            if (!d.HasMember("seq") || !d["seq"].IsUint64()) return bad("no checkpoint number");
            if (d["seq"].GetUint64() != seq) return Restored::absent;
            continue;
        }
        if (!d.HasMember("department") || !d["department"].IsString() || !d.HasMember("notice") ||
            !d["notice"].IsObject())
            return bad("not a department's notice");
        const auto to = department_index(d["department"].GetString());
        if (!to) continue;  // a department no longer in the config
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
        d["notice"].Accept(w);
        kept.push_back({0, *to, std::string(buffer.GetString(), buffer.GetSize())});
    }
    if (line == 0) return Restored::absent;
    for (PendingNotice& notice : kept)
        keep_notice(std::move(notice));
    return Restored::yes;
}

}  // namespace citywall::ingest
