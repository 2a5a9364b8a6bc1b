#include "wall_requests.hpp"

#include <algorithm>
#include <set>
#include <zmq_addon.hpp>

#include "citywall/wire.hpp"

namespace citywall::ingest {

namespace {
constexpr TimeMs kPruneEveryMs = 10'000;
}  // namespace

std::size_t SnapshotImage::bytes() const {
    std::size_t total = 0;
    for (const auto& m : messages)
        total += m.size();
    return total;
}

WallRequests::WallRequests(zmq::socket_t& socket, WallRequestLimits limits, WallRoleOf role_of)
    : socket_(socket), limits_(limits), role_of_(std::move(role_of)) {
    // A wall that does not read fills only its own small queue: the stream waits (EAGAIN)
    // instead of the socket dropping messages, and a wall that has gone is told apart.
    socket_.set(zmq::sockopt::router_mandatory, 1);
    socket_.set(zmq::sockopt::sndhwm, limits_.queued_messages);
}

bool WallRequests::take_token(Bucket& bucket, Request::Kind kind, TimeMs now) {
    const double snapshot_burst = 2, case_burst = 2 * limits_.cases_per_s,
                 command_burst = 2 * limits_.commands_per_s;
    if (bucket.refilled == 0) {
        bucket = {snapshot_burst, case_burst, command_burst, now, bucket.snapshot_waiting};
    } else if (now > bucket.refilled) {
        const double seconds = static_cast<double>(now - bucket.refilled) / 1000.0;
        bucket.snapshot_tokens =
            std::min(snapshot_burst, bucket.snapshot_tokens + seconds * limits_.snapshots_per_s);
        bucket.case_tokens =
            std::min(case_burst, bucket.case_tokens + seconds * limits_.cases_per_s);
        bucket.command_tokens =
            std::min(command_burst, bucket.command_tokens + seconds * limits_.commands_per_s);
        bucket.refilled = now;
    }
    double& tokens = kind == Request::Kind::snapshot  ? bucket.snapshot_tokens
                     : kind == Request::Kind::command ? bucket.command_tokens
                                                      : bucket.case_tokens;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
}

std::optional<WallRequests::Request> WallRequests::next(TimeMs now) {
    if (now - pruned_ > kPruneEveryMs) {
        // Walls that have been quiet long enough to have full buckets again are forgotten, so
        // clients that come and go cannot grow the table.
        std::erase_if(buckets_, [&](const auto& entry) {
            return now - entry.second.refilled > kPruneEveryMs &&
                   entry.second.snapshot_waiting.empty() && !streams_.contains(entry.first);
        });
        pruned_ = now;
    }
    if (waiting_ > 0) {
        for (auto& [wall, bucket] : buckets_) {
            if (bucket.snapshot_waiting.empty() ||
                !take_token(bucket, Request::Kind::snapshot, now))
                continue;
            --waiting_;
            Request request;
            request.kind = Request::Kind::snapshot;
            request.peer = std::exchange(bucket.snapshot_waiting, {});
            return request;
        }
    }
    for (std::size_t taken = 0; taken < limits_.requests_per_pass; ++taken) {
        std::vector<zmq::message_t> frames;
        if (!zmq::recv_multipart(socket_, std::back_inserter(frames), zmq::recv_flags::dontwait))
            return std::nullopt;
        Request request;
        request.peer = frames.front().to_string();
        if (const char* user_id = zmq_msg_gets(frames.back().handle(), "User-Id"))
            request.speaker = user_id;
        auto asked = frames.size() == 2 ? wire::decode_request(frames[1].to_string_view())
                                        : Result<wire::Request>(Error{ErrorKind::invalid, ""});
        if (asked && std::holds_alternative<wire::SnapshotRequest>(*asked)) {
            request.kind = Request::Kind::snapshot;
        } else if (auto* asked_case = asked ? std::get_if<wire::CaseRequest>(&*asked) : nullptr) {
            request.kind = Request::Kind::incident_case;
            request.incident = asked_case->id;
        } else if (auto* drill = asked ? std::get_if<wire::DrillCommand>(&*asked) : nullptr) {
            request.kind = Request::Kind::command;
            request.drill = std::move(*drill);
        } else if (asked) {
            request.kind = Request::Kind::command;
            request.command = std::move(std::get<wire::CaseCommand>(*asked));
            request.incident = request.command.incident;
        } else {
            ++counters_.refused;
            for (std::size_t k = 1; k < frames.size(); ++k)
                request.size += frames[k].size();
            return request;
        }
        // Every listed key may read; what a command may do with its role the caller checks
        // against the case's rules, and answers.
        const auto role = role_of_ ? role_of_(request.speaker) : std::nullopt;
        if (!role) {
            ++counters_.forbidden;
            request.kind = Request::Kind::unknown;
            request.forbidden = true;
            return request;
        }
        request.role = *role;
        // One budget per key: a wall that opens more connections does not get more.
        Bucket& bucket = buckets_[request.speaker.empty() ? request.peer : request.speaker];
        if (take_token(bucket, request.kind, now)) return request;
        ++counters_.limited;
        if (request.kind == Request::Kind::command) {
            request.limited = true;  // answered, so the console says so
            return request;
        }
        if (request.kind == Request::Kind::snapshot) {
            // Folded into one waiting snapshot, sent to the connection that asked last.
            if (bucket.snapshot_waiting.empty()) ++waiting_;
            bucket.snapshot_waiting = request.peer;
        }
    }
    return std::nullopt;
}

WallRequests::Sent WallRequests::send_to(const std::string& peer, const std::string& bytes) {
    try {
        if (!socket_.send(zmq::buffer(peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait))
            return Sent::full;
        socket_.send(zmq::buffer(bytes), zmq::send_flags::none);
        return Sent::yes;
    } catch (const zmq::error_t&) {
        return Sent::gone;  // EHOSTUNREACH: the wall has gone
    }
}

void WallRequests::answer(const std::string& peer, std::string bytes) {
    const auto kept = answers_.find(peer);
    if (kept == answers_.end()) {
        const Sent sent = send_to(peer, bytes);
        if (sent == Sent::yes) ++counters_.cases_answered;
        if (sent == Sent::gone) ++counters_.answers_dropped;
        if (sent != Sent::full) return;
    }
    // Its queue is full (a stream fills it, or the wall reads slowly): kept in order.
    Answers& answers = answers_[peer];
    if (answers.waiting.size() >= limits_.waiting_answers) {
        ++counters_.answers_dropped;
        return;
    }
    if (answers.waiting.empty()) answers.progressed = 0;  // set by the next pump
    answers.waiting.push_back(std::move(bytes));
}

// A wall's kept answers go out as its queue has room; a wall that has gone, or has taken none
// of them for stalled_ms, loses them (counted).
void WallRequests::pump_answers(TimeMs now) {
    for (auto it = answers_.begin(); it != answers_.end();) {
        Answers& answers = it->second;
        if (answers.progressed == 0) answers.progressed = now;
        Sent sent = Sent::yes;
        while (!answers.waiting.empty()) {
            sent = send_to(it->first, answers.waiting.front());
            if (sent != Sent::yes) break;
            answers.waiting.pop_front();
            answers.progressed = now;
            ++counters_.cases_answered;
        }
        if (answers.waiting.empty()) {
            it = answers_.erase(it);
        } else if (sent == Sent::gone || now - answers.progressed > limits_.stalled_ms) {
            counters_.answers_dropped += answers.waiting.size();
            it = answers_.erase(it);
        } else {
            ++it;
        }
    }
}

void WallRequests::stream(const std::string& peer, std::shared_ptr<const SnapshotImage> image,
                          TimeMs now) {
    streams_[peer] = {std::move(image), 0, now};
    ++counters_.snapshots_started;
}

void WallRequests::pump(TimeMs now) {
    pump_answers(now);
    for (auto it = streams_.begin(); it != streams_.end();) {
        Stream& s = it->second;
        bool gone = false;
        while (s.next < s.image->messages.size()) {
            try {
                if (!socket_.send(zmq::buffer(it->first),
                                  zmq::send_flags::sndmore | zmq::send_flags::dontwait))
                    break;  // its queue is full: the rest when it has read some
                socket_.send(zmq::buffer(s.image->messages[s.next]), zmq::send_flags::none);
            } catch (const zmq::error_t&) {
                gone = true;  // EHOSTUNREACH
                break;
            }
            ++s.next;
            s.progressed = now;
        }
        if (s.next == s.image->messages.size()) {
            ++counters_.snapshots_completed;
            it = streams_.erase(it);
        } else if (gone || now - s.progressed > limits_.stalled_ms) {
            ++counters_.snapshots_cut_off;
            it = streams_.erase(it);
        } else {
            ++it;
        }
    }
}

std::size_t WallRequests::stream_bytes() const {
    std::set<const SnapshotImage*> seen;
    std::size_t total = 0;
    for (const auto& [peer, s] : streams_)
        if (seen.insert(s.image.get()).second) total += s.image->bytes();
    return total;
}

}  // namespace citywall::ingest
