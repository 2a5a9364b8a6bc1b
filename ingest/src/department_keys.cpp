#include "department_keys.hpp"

#include "citywall/socket_events.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace citywall::ingest {

// ---- Sockets ---------------------------------------------------------------------------------

Result<void> configure_department_server(zmq::socket_t& socket, std::string_view department,
                                         std::string_view ingest_secret_key) {
    using R = Result<void>;
    if (department.empty())
        return R::failure(ErrorKind::invalid, "a department socket needs the department's code");
    auto secret = parse_curve_key(ingest_secret_key);
    if (!secret) return secret.because("ingest secret ");
    try {
        socket.set(zmq::sockopt::curve_server, true);
        socket.set(zmq::sockopt::curve_secretkey, curve_key_bytes(*secret));
        socket.set(zmq::sockopt::zap_domain, department);
    } catch (const zmq::error_t& e) {
        return R::failure(ErrorKind::io, "department " + std::string(department) + ": " + e.what());
    }
    return {};
}

Result<void> configure_department_client(zmq::socket_t& socket, std::string_view ingest_public_key,
                                         const KeyPair& department) {
    return make_curve_client(socket.handle(), ingest_public_key, department);
}

std::string_view speaker_of(const zmq::message_t& message) {
    const char* user_id = zmq_msg_gets(message.handle(), "User-Id");
    return user_id ? std::string_view(user_id) : std::string_view();
}

// ---- The gate --------------------------------------------------------------------------------

std::optional<Refusal> refusal_of_handshake_event(std::uint16_t event, std::int32_t value,
                                                  bool keys_off) {
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL &&
        value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
        return Refusal::wrong_mechanism;
    // With keys off nobody has a key to show: a peer that leaves early was refused nothing.
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL && !keys_off)
        return Refusal::broken_handshake;
    return std::nullopt;
}

Result<KeyGateConfig> KeyGateConfig::for_departments(
    const std::vector<DepartmentConfig>& departments, KeyPair ingest, bool keys_off) {
    using R = Result<KeyGateConfig>;
    KeyGateConfig config;
    config.ingest = std::move(ingest);
    config.keys_off = keys_off;
    for (const auto& d : departments) {
        if (config.department_keys.count(d.code))
            return R::failure(ErrorKind::invalid, "department " + d.code + " is listed twice");
        config.department_keys[d.code] = d.public_key;
    }
    return config;
}

Result<void> KeyGateConfig::add_walls(const std::vector<WallConfig>& walls) {
    for (const auto& w : walls)
        if (!wall_keys.emplace(w.name, w.public_key).second)
            return Result<void>::failure(ErrorKind::invalid, "wall " + w.name + " is listed twice");
    return {};
}

struct KeyGate::Impl {
    KeyGateConfig config;
    std::map<std::string, std::string> key_of;    // department → binary public key
    std::map<std::string, std::string> owner_of;  // binary public key → department
    std::map<std::string, std::string> wall_of;   // binary public key → wall
    std::string ingest_secret;                    // Z85, checked

    mutable std::mutex mutex;
    std::map<std::string, GateCounts> counts;

    zmq::socket_t stop;  // the owner's end of the pipe that stops the handler thread
    std::thread thread;

    // The wall stream's connections, from its sockets' monitors (read on the gate's thread,
    // before each request it answers, so a connection is counted before it is asked about).
    std::atomic<int> wall_connections{0};
    std::atomic<std::uint64_t> wall_departures{0};
    void watch_walls(std::vector<zmq::socket_t>& monitors);

    void serve(zmq::socket_t handler, zmq::socket_t stop_signal,
               std::vector<zmq::socket_t> monitors);
    void answer(zmq::socket_t& handler);
    void refuse(RefusalEvent event);
    void admit(const std::string& domain);
    // A connection to the wall stream: only a listed wall's key.
    void answer_wall(
        RefusalEvent& event, const std::vector<std::string>& frames,
        const std::function<void(std::string_view, std::string_view, std::string_view)>& reply);
};

void KeyGate::Impl::refuse(RefusalEvent event) {
    {
        std::lock_guard lock(mutex);
        ++counts[event.domain].of(event.reason);
    }
    if (config.on_refusal) {
        try {
            config.on_refusal(event);
        } catch (...) {
            // A listener's failure must not stop the gate.
        }
    }
}

void KeyGate::Impl::admit(const std::string& domain) {
    std::lock_guard lock(mutex);
    ++counts[domain].admitted;
}

// One ZAP request (RFC 27), as a REP socket sees it: version, request id, domain, address,
// routing id, mechanism, credentials… The reply: version, request id, status code, status text,
// user id, metadata.
void KeyGate::Impl::answer(zmq::socket_t& handler) {
    std::vector<std::string> frames;
    zmq::message_t frame;
    do {
        if (!handler.recv(frame, zmq::recv_flags::dontwait)) break;
        if (frames.size() < 16) frames.emplace_back(frame.to_string());
    } while (frame.more());
    if (frames.empty()) return;

    auto reply = [&](std::string_view code, std::string_view text, std::string_view user_id) {
        const std::string request_id = frames.size() > 1 ? frames[1] : std::string();
        handler.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
        handler.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
        handler.send(zmq::buffer(code), zmq::send_flags::sndmore);
        handler.send(zmq::buffer(text), zmq::send_flags::sndmore);
        handler.send(zmq::buffer(user_id), zmq::send_flags::sndmore);
        handler.send(zmq::message_t(), zmq::send_flags::none);  // no extra metadata
    };
    if (frames.size() < 6 || frames[0] != "1.0") return reply("500", "malformed ZAP request", "");

    RefusalEvent event{frames[2], Refusal::unknown_department, frames[3], frames[5], {}, {}};
    const std::string& domain = event.domain;
    const std::string& mechanism = event.mechanism;
    if (domain == kWallDomain) return answer_wall(event, frames, reply);
    if (!config.department_keys.count(domain)) {
        refuse(event);
        return reply("400", describe(Refusal::unknown_department), "");
    }
    if (mechanism == "CURVE" && frames.size() == 7 && frames[6].size() == kCurveKeyBytes) {
        const std::string& offered = frames[6];
        auto expected = key_of.find(domain);
        if (expected != key_of.end() && expected->second == offered) {
            admit(domain);
            return reply("200", "OK", domain);
        }
        event.client_key = curve_key_text(offered);
        auto owner = owner_of.find(offered);
        if (owner != owner_of.end()) {
            event.reason = Refusal::other_department_key;
            event.key_owner = owner->second;
        } else {
            event.reason = Refusal::unknown_key;
        }
        refuse(event);
        return reply("400", describe(event.reason), "");
    }
    if (mechanism == "NULL" && config.keys_off) {
        admit(domain);
        return reply("200", "OK (keys off)", domain);
    }
    event.reason = Refusal::wrong_mechanism;
    refuse(event);
    reply("400", describe(event.reason), "");
}

void KeyGate::Impl::answer_wall(
    RefusalEvent& event, const std::vector<std::string>& frames,
    const std::function<void(std::string_view, std::string_view, std::string_view)>& reply) {
    if (config.max_wall_connections > 0 && wall_connections.load() > config.max_wall_connections) {
        event.reason = Refusal::too_many_walls;
        refuse(event);
        return reply("400", describe(event.reason), "");
    }
    if (event.mechanism == "NULL" && config.keys_off) {
        admit(event.domain);
        return reply("200", "OK (keys off)", "");
    }
    if (event.mechanism == "CURVE" && frames.size() == 7 && frames[6].size() == kCurveKeyBytes) {
        const std::string& offered = frames[6];
        if (auto wall = wall_of.find(offered); wall != wall_of.end()) {
            admit(event.domain);
            return reply("200", "OK", wall->second);
        }
        event.client_key = curve_key_text(offered);
        if (auto owner = owner_of.find(offered); owner != owner_of.end()) {
            event.reason = Refusal::department_key_on_wall;
            event.key_owner = owner->second;
        } else {
            event.reason = Refusal::unknown_key;
        }
    } else {
        event.reason = Refusal::wrong_mechanism;
    }
    refuse(event);
    reply("400", describe(event.reason), "");
}

void KeyGate::Impl::watch_walls(std::vector<zmq::socket_t>& monitors) {
    for (auto& monitor : monitors) {
        while (auto event = next_socket_event(monitor.handle())) {
            if (event->id == ZMQ_EVENT_ACCEPTED) ++wall_connections;
            if (event->id == ZMQ_EVENT_DISCONNECTED) {
                --wall_connections;
                ++wall_departures;
            }
            // A client without keys at a keyed stream never reaches the gate's requests.
            if (auto refusal = refusal_of_handshake_event(event->id, event->value, config.keys_off))
                refuse({std::string(kWallDomain), *refusal, {}, {}, {}, {}});
        }
    }
}

void KeyGate::Impl::serve(zmq::socket_t handler, zmq::socket_t stop_signal,
                          std::vector<zmq::socket_t> monitors) {
    std::vector<zmq::pollitem_t> items{{handler.handle(), 0, ZMQ_POLLIN, 0},
                                       {stop_signal.handle(), 0, ZMQ_POLLIN, 0}};
    for (auto& monitor : monitors)
        items.push_back({monitor.handle(), 0, ZMQ_POLLIN, 0});
    while (true) {
        try {
            zmq::poll(items.data(), items.size(), std::chrono::milliseconds(-1));
            if (items[1].revents & ZMQ_POLLIN) break;
            // Connections first: one that asks was accepted before it could ask.
            watch_walls(monitors);
            if (items[0].revents & ZMQ_POLLIN) answer(handler);
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR) continue;
            break;  // ETERM: the context is going away
        }
    }
    // Closing a socket frees its inproc name later, on libzmq's reaper thread; unbinding frees
    // it now, so a gate opened right after this one is destroyed finds the name free.
    try {
        handler.unbind(kZapEndpoint);
    } catch (const zmq::error_t&) {
        // ETERM: the context is going away and takes the name with it.
    }
    // The sockets close here, on the thread that used them (linger 0).
}

KeyGate::KeyGate(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

KeyGate::~KeyGate() {
    try {
        impl_->stop.send(zmq::str_buffer("stop"), zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
        // ETERM: the handler thread has seen it too and is leaving.
    }
    if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::unique_ptr<KeyGate>> KeyGate::open(zmq::context_t& context, KeyGateConfig config) {
    using R = Result<std::unique_ptr<KeyGate>>;
    auto impl = std::make_unique<Impl>();
    if (!config.keys_off || !config.ingest.secret_key.empty()) {
        auto derived = public_key_of(config.ingest.secret_key);
        if (!derived) return derived.because("ingest key: ");
        if (!config.ingest.public_key.empty() && *derived != config.ingest.public_key)
            return R::failure(ErrorKind::invalid,
                              "ingest key: the secret key does not belong to the public key");
        config.ingest.public_key = *derived;
        impl->ingest_secret = config.ingest.secret_key;
    }
    for (const auto& [code, key] : config.department_keys) {
        if (code.empty()) return R::failure(ErrorKind::invalid, "a department without a code");
        if (key.empty()) {
            if (config.keys_off) continue;
            return R::failure(
                ErrorKind::invalid,
                "department " + code + ": no public_key (required unless keys are off)");
        }
        auto checked = parse_curve_key(key);
        if (!checked) return checked.because("department " + code + ": public_key: ");
        auto binary = curve_key_bytes(*checked);
        if (auto [it, fresh] = impl->owner_of.emplace(binary, code); !fresh)
            return R::failure(ErrorKind::invalid,
                              "departments " + it->second + " and " + code +
                                  " have the same public_key; each needs its own pair");
        impl->key_of[code] = binary;
    }
    for (const auto& [name, key] : config.wall_keys) {
        if (name.empty()) return R::failure(ErrorKind::invalid, "a wall without a name");
        if (config.keys_off) continue;
        auto checked = parse_curve_key(key);
        if (!checked) return checked.because("wall " + name + ": public_key: ");
        auto binary = curve_key_bytes(*checked);
        if (auto owner = impl->owner_of.find(binary); owner != impl->owner_of.end())
            return R::failure(ErrorKind::invalid,
                              "wall " + name + " has the public_key of department " +
                                  owner->second + "; a wall needs its own pair");
        if (auto [it, fresh] = impl->wall_of.emplace(binary, name); !fresh)
            return R::failure(ErrorKind::invalid,
                              "walls " + it->second + " and " + name +
                                  " have the same public_key; each needs its own pair");
    }
    impl->config = std::move(config);

    static std::atomic<std::uint64_t> gates{0};
    const std::string stop_endpoint = "inproc://citywall-key-gate-stop-" +
                                      std::to_string(::getpid()) + "-" +
                                      std::to_string(gates.fetch_add(1));
    try {
        zmq::socket_t handler(context, zmq::socket_type::rep);
        handler.set(zmq::sockopt::linger, 0);
        try {
            handler.bind(kZapEndpoint);
        } catch (const zmq::error_t& e) {
            if (e.num() == EADDRINUSE)
                return R::failure(ErrorKind::invalid,
                                  "this ZeroMQ context already has a ZAP handler");
            throw;
        }
        zmq::socket_t stop_signal(context, zmq::socket_type::pair);
        stop_signal.set(zmq::sockopt::linger, 0);
        stop_signal.bind(stop_endpoint);
        impl->stop = zmq::socket_t(context, zmq::socket_type::pair);
        impl->stop.set(zmq::sockopt::linger, 0);
        impl->stop.connect(stop_endpoint);
        // inproc lets a PAIR connect before the monitor binds: the wall sockets come later.
        std::vector<zmq::socket_t> monitors;
        for (const auto& endpoint : impl->config.wall_monitors) {
            monitors.emplace_back(context, zmq::socket_type::pair);
            monitors.back().set(zmq::sockopt::linger, 0);
            monitors.back().connect(endpoint);
        }
        // The sockets move to the handler thread; std::thread's start is the memory barrier
        // libzmq asks for when a socket changes threads.
        Impl* self = impl.get();
        impl->thread = std::thread([self, h = std::move(handler), s = std::move(stop_signal),
                                    m = std::move(monitors)]() mutable {
            self->serve(std::move(h), std::move(s), std::move(m));
        });
    } catch (const zmq::error_t& e) {
        return R::failure(ErrorKind::io, std::string("ZAP handler: ") + e.what());
    }
    return std::unique_ptr<KeyGate>(new KeyGate(std::move(impl)));
}

bool KeyGate::keys_off() const {
    return impl_->config.keys_off;
}

const std::string& KeyGate::ingest_public_key() const {
    return impl_->config.ingest.public_key;
}

Result<void> KeyGate::guard(zmq::socket_t& socket, const std::string& department) const {
    using R = Result<void>;
    if (!impl_->config.department_keys.count(department))
        return R::failure(ErrorKind::invalid,
                          "department " + department + " is not known to the key gate");
    if (impl_->config.keys_off) {
        try {
            socket.set(zmq::sockopt::zap_domain, department);
        } catch (const zmq::error_t& e) {
            return R::failure(ErrorKind::io, "department " + department + ": " + e.what());
        }
        return {};
    }
    return configure_department_server(socket, department, impl_->ingest_secret);
}

int KeyGate::wall_connections() const {
    return impl_->wall_connections.load();
}

std::uint64_t KeyGate::take_wall_departures() {
    return impl_->wall_departures.exchange(0);
}

Result<void> KeyGate::guard_walls(zmq::socket_t& socket) const {
    if (impl_->config.keys_off) {
        // NULL, but still through the gate, which counts the walls.
        try {
            socket.set(zmq::sockopt::zap_domain, std::string(kWallDomain));
        } catch (const zmq::error_t& e) {
            return Result<void>::failure(ErrorKind::io, std::string("wall stream: ") + e.what());
        }
        return {};
    }
    try {
        socket.set(zmq::sockopt::curve_server, true);
        socket.set(zmq::sockopt::curve_secretkey, curve_key_bytes(impl_->ingest_secret));
        socket.set(zmq::sockopt::zap_domain, std::string(kWallDomain));
    } catch (const zmq::error_t& e) {
        return Result<void>::failure(ErrorKind::io, std::string("wall stream: ") + e.what());
    }
    return {};
}

std::map<std::string, GateCounts> KeyGate::counts() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->counts;
}

void KeyGate::count_refusal(const std::string& department, Refusal reason, std::string address) {
    impl_->refuse({department, reason, std::move(address), {}, {}, {}});
}

}  // namespace citywall::ingest
