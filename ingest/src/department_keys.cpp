#include "department_keys.hpp"

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

namespace {

constexpr std::size_t kCurveKeyBytes = 32;
constexpr std::string_view kZ85Alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
constexpr std::uintmax_t kMaxKeyFileBytes = 64 * 1024;

int z85_digit(char c) {
    auto at = kZ85Alphabet.find(c);
    return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

std::string printable(char c) {
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x21 && byte < 0x7f) return std::string("'") + c + "'";
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", byte);
    return hex;
}

// Z85 text (already checked) → 32 bytes.
std::string z85_to_binary(std::string_view z85) {
    std::string out;
    out.reserve(kCurveKeyBytes);
    for (std::size_t group = 0; group < z85.size(); group += 5) {
        std::uint64_t value = 0;
        for (std::size_t k = 0; k < 5; ++k)
            value = value * 85 + static_cast<std::uint64_t>(z85_digit(z85[group + k]));
        for (int shift = 24; shift >= 0; shift -= 8)
            out.push_back(static_cast<char>((value >> shift) & 0xff));
    }
    return out;
}

std::string binary_to_z85(std::string_view binary) {
    if (binary.size() != kCurveKeyBytes) return {};
    std::array<char, kCurveKeyChars + 1> text{};
    if (!zmq_z85_encode(text.data(), reinterpret_cast<const std::uint8_t*>(binary.data()),
                        binary.size()))
        return {};
    return std::string(text.data(), kCurveKeyChars);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::string errno_text(int error) {
    return std::strerror(error);
}

Result<std::string> read_small_file(const std::filesystem::path& file) {
    using R = Result<std::string>;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        return R::failure(file.string() + ": no such key file");
    auto size = std::filesystem::file_size(file, ec);
    if (ec) return R::failure(file.string() + ": " + ec.message());
    if (size > kMaxKeyFileBytes) return R::failure(file.string() + ": too large for a key file");
    std::ifstream in(file, std::ios::binary);
    if (!in) return R::failure(file.string() + ": cannot read");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Writes `text` to `target` with `mode`: complete or not at all. Without overwrite an existing
// target is left alone (link(2) fails with EEXIST: no window between the check and the write).
Result<bool> write_file_atomically(const std::filesystem::path& target, std::string_view text,
                                   mode_t mode, bool overwrite) {
    using R = Result<bool>;
    auto temporary = target;
    temporary += ".tmp-" + std::to_string(::getpid());
    ::unlink(temporary.c_str());
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return R::failure(temporary.string() + ": " + errno_text(errno));
    bool ok = ::fchmod(fd, mode) == 0;  // the umask may have narrowed it; never widens 0600
    for (std::size_t done = 0; ok && done < text.size();) {
        auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    int error = errno;
    ok = (::close(fd) == 0) && ok;
    if (!ok) {
        ::unlink(temporary.c_str());
        return R::failure(target.string() + ": " + errno_text(error));
    }
    int placed = overwrite ? ::rename(temporary.c_str(), target.c_str())
                           : ::link(temporary.c_str(), target.c_str());
    error = errno;
    ::unlink(temporary.c_str());  // after link(2); after rename(2) it is already gone
    if (placed != 0)
        return R::failure(target.string() + (error == EEXIST
                                                 ? ": exists (use --force to replace it)"
                                                 : ": " + errno_text(error)));
    return true;
}

}  // namespace

// ---- Keys -------------------------------------------------------------------------------------

Result<std::string> parse_curve_key(std::string_view z85) {
    using R = Result<std::string>;
    if (z85.size() != kCurveKeyChars)
        return R::failure("key is " + std::to_string(z85.size()) +
                          " characters; a Z85 CURVE key has 40");
    for (std::size_t k = 0; k < z85.size(); ++k)
        if (z85_digit(z85[k]) < 0)
            return R::failure("key has " + printable(z85[k]) + " at position " +
                              std::to_string(k + 1) + ", outside the Z85 alphabet");
    for (std::size_t group = 0; group < z85.size(); group += 5) {
        std::uint64_t value = 0;
        for (std::size_t k = 0; k < 5; ++k)
            value = value * 85 + static_cast<std::uint64_t>(z85_digit(z85[group + k]));
        if (value > 0xffffffffu)
            return R::failure("key does not decode to 32 bytes (characters " +
                              std::to_string(group + 1) + ".." + std::to_string(group + 5) +
                              " overflow)");
    }
    return std::string(z85);
}

Result<KeyPair> generate_key_pair() {
    using R = Result<KeyPair>;
    if (!zmq_has("curve")) return R::failure("this libzmq was built without CURVE");
    std::array<char, kCurveKeyChars + 1> public_key{}, secret_key{};
    if (zmq_curve_keypair(public_key.data(), secret_key.data()) != 0)
        return R::failure(std::string("cannot make a key pair: ") + zmq_strerror(zmq_errno()));
    return KeyPair{std::string(public_key.data(), kCurveKeyChars),
                   std::string(secret_key.data(), kCurveKeyChars)};
}

Result<std::string> public_key_of(std::string_view secret_key) {
    using R = Result<std::string>;
    auto checked = parse_curve_key(secret_key);
    if (!checked) return R::failure("secret " + checked.error());
    std::array<char, kCurveKeyChars + 1> public_key{};
    if (zmq_curve_public(public_key.data(), checked->c_str()) != 0)
        return R::failure(std::string("cannot derive the public key: ") +
                          zmq_strerror(zmq_errno()));
    return std::string(public_key.data(), kCurveKeyChars);
}

// ---- Key files --------------------------------------------------------------------------------

bool valid_key_name(std::string_view name) {
    if (name.empty() || name.size() > 64 || name.front() == '.') return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

KeyFiles key_files_for(const std::filesystem::path& dir, std::string_view name) {
    return {dir / (std::string(name) + ".key"), dir / (std::string(name) + ".pub")};
}

std::string key_file_text(std::string_view name, const KeyPair& keys, bool with_secret) {
    std::string text;
    if (with_secret) {
        text += "# citywall CURVE key pair \"" + std::string(name) +
                "\". SECRET: keep it on the one machine that speaks as\n"
                "# \"" +
                std::string(name) +
                "\", readable by its owner only (0600). Format: docs/security.md\n";
    } else {
        text += "# citywall CURVE public key \"" + std::string(name) +
                "\". Public: hand it to the other side. Format: docs/security.md\n";
    }
    text += "public = \"" + keys.public_key + "\"\n";
    if (with_secret) text += "secret = \"" + keys.secret_key + "\"\n";
    return text;
}

Result<KeyPair> parse_key_file(std::string_view text) {
    using R = Result<KeyPair>;
    KeyPair keys;
    bool have_public = false, have_secret = false;
    std::size_t line_number = 0;
    while (!text.empty()) {
        auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        ++line_number;
        const std::string where = "line " + std::to_string(line_number) + ": ";
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        auto equals = line.find('=');
        if (equals == std::string_view::npos)
            return R::failure(where + "expected name = \"value\"");
        auto name = trim(line.substr(0, equals));
        auto rest = trim(line.substr(equals + 1));
        if (rest.size() < 2 || rest.front() != '"')
            return R::failure(where + "the value must be in double quotes");
        auto close = rest.find('"', 1);
        if (close == std::string_view::npos) return R::failure(where + "unterminated string");
        auto value = rest.substr(1, close - 1);
        auto after = trim(rest.substr(close + 1));
        if (!after.empty() && after.front() != '#')
            return R::failure(where + "unexpected text after the value");
        bool* seen = name == "public" ? &have_public : name == "secret" ? &have_secret : nullptr;
        if (!seen)
            return R::failure(where + "unknown setting '" + std::string(name) +
                              "' (expected public or secret)");
        if (*seen) return R::failure(where + "'" + std::string(name) + "' given twice");
        auto key = parse_curve_key(value);
        if (!key) return R::failure(where + std::string(name) + " " + key.error());
        *seen = true;
        (name == "public" ? keys.public_key : keys.secret_key) = *key;
    }
    if (!have_public) return R::failure("no public key (expected public = \"…\")");
    if (have_secret) {
        auto derived = public_key_of(keys.secret_key);
        if (!derived) return R::failure(derived.error());
        if (*derived != keys.public_key)
            return R::failure("the secret key does not belong to the public key");
    }
    return keys;
}

Result<KeyPair> load_secret_key_file(const std::filesystem::path& file) {
    using R = Result<KeyPair>;
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0)
        return R::failure(file.string() + ": " + errno_text(errno));
    if ((info.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
        return R::failure(file.string() + ": secret key file is readable by others (mode " + mode +
                          "); chmod 600 " + file.string());
    }
    auto text = read_small_file(file);
    if (!text) return R::failure(text.error());
    auto keys = parse_key_file(*text);
    if (!keys) return R::failure(file.string() + ": " + keys.error());
    if (keys->secret_key.empty())
        return R::failure(file.string() + ": no secret key (is this the .pub file?)");
    return keys;
}

Result<std::string> load_public_key_file(const std::filesystem::path& file) {
    using R = Result<std::string>;
    auto text = read_small_file(file);
    if (!text) return R::failure(text.error());
    auto keys = parse_key_file(*text);
    if (!keys) return R::failure(file.string() + ": " + keys.error());
    return keys->public_key;
}

Result<KeyFiles> write_key_files(const std::filesystem::path& dir, std::string_view name,
                                 const KeyPair& keys, bool overwrite) {
    using R = Result<KeyFiles>;
    if (!valid_key_name(name))
        return R::failure("'" + std::string(name) +
                          "' is not a key name (letters, digits, '.', '_', '-'; at most 64)");
    if (auto checked = parse_curve_key(keys.public_key); !checked)
        return R::failure("public " + checked.error());
    auto derived = public_key_of(keys.secret_key);
    if (!derived) return R::failure(derived.error());
    if (*derived != keys.public_key)
        return R::failure("the secret key does not belong to the public key");

    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
        std::filesystem::create_directories(dir, ec);
        if (ec) return R::failure(dir.string() + ": " + ec.message());
        std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
    }
    auto files = key_files_for(dir, name);
    if (!overwrite)
        for (const auto& file : {files.secret_file, files.public_file})
            if (std::filesystem::exists(file, ec))
                return R::failure(file.string() + ": exists (use --force to replace it)");
    if (auto written = write_file_atomically(files.secret_file, key_file_text(name, keys, true),
                                             0600, overwrite);
        !written)
        return R::failure(written.error());
    if (auto written = write_file_atomically(files.public_file, key_file_text(name, keys, false),
                                             0644, overwrite);
        !written)
        return R::failure(written.error());
    return files;
}

// ---- Sockets ---------------------------------------------------------------------------------

Result<bool> configure_department_server(zmq::socket_t& socket, std::string_view department,
                                         std::string_view ingest_secret_key) {
    using R = Result<bool>;
    if (department.empty()) return R::failure("a department socket needs the department's code");
    auto secret = parse_curve_key(ingest_secret_key);
    if (!secret) return R::failure("ingest secret " + secret.error());
    try {
        socket.set(zmq::sockopt::curve_server, true);
        socket.set(zmq::sockopt::curve_secretkey, z85_to_binary(*secret));
        socket.set(zmq::sockopt::zap_domain, department);
    } catch (const zmq::error_t& e) {
        return R::failure("department " + std::string(department) + ": " + e.what());
    }
    return true;
}

Result<bool> configure_department_client(zmq::socket_t& socket, std::string_view ingest_public_key,
                                         const KeyPair& department) {
    using R = Result<bool>;
    auto server = parse_curve_key(ingest_public_key);
    if (!server) return R::failure("ingest public " + server.error());
    auto own_public = parse_curve_key(department.public_key);
    if (!own_public) return R::failure("department public " + own_public.error());
    auto own_secret = parse_curve_key(department.secret_key);
    if (!own_secret) return R::failure("department secret " + own_secret.error());
    try {
        socket.set(zmq::sockopt::curve_serverkey, z85_to_binary(*server));
        socket.set(zmq::sockopt::curve_publickey, z85_to_binary(*own_public));
        socket.set(zmq::sockopt::curve_secretkey, z85_to_binary(*own_secret));
    } catch (const zmq::error_t& e) {
        return R::failure(std::string("CURVE client: ") + e.what());
    }
    return true;
}

std::string_view speaker_of(const zmq::message_t& message) {
    const char* user_id = zmq_msg_gets(message.handle(), "User-Id");
    return user_id ? std::string_view(user_id) : std::string_view();
}

// ---- The gate --------------------------------------------------------------------------------

std::string_view describe(Refusal reason) {
    switch (reason) {
        case Refusal::unknown_key:
            return "unknown key";
        case Refusal::other_department_key:
            return "key of another department";
        case Refusal::wrong_mechanism:
            return "wrong mechanism";
        case Refusal::unknown_department:
            return "not a department socket";
    }
    return "refused";
}

std::optional<Refusal> refusal_of_handshake_event(std::uint16_t event, std::int32_t value) {
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL &&
        value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
        return Refusal::wrong_mechanism;
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
            return R::failure("department " + d.code + " is listed twice");
        config.department_keys[d.code] = d.public_key;
    }
    return config;
}

struct KeyGate::Impl {
    KeyGateConfig config;
    std::map<std::string, std::string> key_of;    // department → binary public key
    std::map<std::string, std::string> owner_of;  // binary public key → department
    std::string ingest_secret;                    // Z85, checked

    mutable std::mutex mutex;
    std::map<std::string, GateCounts> counts;

    zmq::socket_t stop;  // the owner's end of the pipe that stops the handler thread
    std::thread thread;

    void serve(zmq::socket_t handler, zmq::socket_t stop_signal);
    void answer(zmq::socket_t& handler);
    void refuse(RefusalEvent event);
    void admit(const std::string& domain);
};

void KeyGate::Impl::refuse(RefusalEvent event) {
    {
        std::lock_guard lock(mutex);
        auto& c = counts[event.domain];
        switch (event.reason) {
            case Refusal::unknown_key:
                ++c.unknown_key;
                break;
            case Refusal::other_department_key:
                ++c.other_department_key;
                break;
            case Refusal::wrong_mechanism:
                ++c.wrong_mechanism;
                break;
            case Refusal::unknown_department:
                ++c.unknown_department;
                break;
        }
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
        event.client_key = binary_to_z85(offered);
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

void KeyGate::Impl::serve(zmq::socket_t handler, zmq::socket_t stop_signal) {
    std::array<zmq::pollitem_t, 2> items{
        {{handler.handle(), 0, ZMQ_POLLIN, 0}, {stop_signal.handle(), 0, ZMQ_POLLIN, 0}}};
    while (true) {
        try {
            zmq::poll(items.data(), items.size(), std::chrono::milliseconds(-1));
            if (items[1].revents & ZMQ_POLLIN) break;
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
        if (!derived) return R::failure("ingest key: " + derived.error());
        if (!config.ingest.public_key.empty() && *derived != config.ingest.public_key)
            return R::failure("ingest key: the secret key does not belong to the public key");
        config.ingest.public_key = *derived;
        impl->ingest_secret = config.ingest.secret_key;
    }
    for (const auto& [code, key] : config.department_keys) {
        if (code.empty()) return R::failure("a department without a code");
        if (key.empty()) {
            if (config.keys_off) continue;
            return R::failure("department " + code +
                              ": no public_key (required unless keys are off)");
        }
        auto checked = parse_curve_key(key);
        if (!checked) return R::failure("department " + code + ": public_key: " + checked.error());
        auto binary = z85_to_binary(*checked);
        if (auto [it, fresh] = impl->owner_of.emplace(binary, code); !fresh)
            return R::failure("departments " + it->second + " and " + code +
                              " have the same public_key; each needs its own pair");
        impl->key_of[code] = binary;
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
                return R::failure("this ZeroMQ context already has a ZAP handler");
            throw;
        }
        zmq::socket_t stop_signal(context, zmq::socket_type::pair);
        stop_signal.set(zmq::sockopt::linger, 0);
        stop_signal.bind(stop_endpoint);
        impl->stop = zmq::socket_t(context, zmq::socket_type::pair);
        impl->stop.set(zmq::sockopt::linger, 0);
        impl->stop.connect(stop_endpoint);
        // The sockets move to the handler thread; std::thread's start is the memory barrier
        // libzmq asks for when a socket changes threads.
        Impl* self = impl.get();
        impl->thread =
            std::thread([self, h = std::move(handler), s = std::move(stop_signal)]() mutable {
                self->serve(std::move(h), std::move(s));
            });
    } catch (const zmq::error_t& e) {
        return R::failure(std::string("ZAP handler: ") + e.what());
    }
    return std::unique_ptr<KeyGate>(new KeyGate(std::move(impl)));
}

bool KeyGate::keys_off() const {
    return impl_->config.keys_off;
}

const std::string& KeyGate::ingest_public_key() const {
    return impl_->config.ingest.public_key;
}

Result<bool> KeyGate::guard(zmq::socket_t& socket, const std::string& department) const {
    using R = Result<bool>;
    if (!impl_->config.department_keys.count(department))
        return R::failure("department " + department + " is not known to the key gate");
    if (impl_->config.keys_off) {
        try {
            socket.set(zmq::sockopt::zap_domain, department);
        } catch (const zmq::error_t& e) {
            return R::failure("department " + department + ": " + e.what());
        }
        return true;
    }
    return configure_department_server(socket, department, impl_->ingest_secret);
}

std::map<std::string, GateCounts> KeyGate::counts() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->counts;
}

void KeyGate::count_refusal(const std::string& department, Refusal reason, std::string address) {
    impl_->refuse({department, reason, std::move(address), {}, {}, {}});
}

}  // namespace citywall::ingest
