#include "citywall/keys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace citywall {

namespace {

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
        return R::failure(ErrorKind::not_found, file.string() + ": no such key file");
    auto size = std::filesystem::file_size(file, ec);
    if (ec) return R::failure(ErrorKind::io, file.string() + ": " + ec.message());
    if (size > kMaxKeyFileBytes)
        return R::failure(ErrorKind::invalid, file.string() + ": too large for a key file");
    std::ifstream in(file, std::ios::binary);
    if (!in) return R::failure(ErrorKind::io, file.string() + ": cannot read");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Writes `text` to `target` with `mode`: complete or not at all. Without overwrite an existing
// target is left alone (link(2) fails with EEXIST: no window between the check and the write).
Result<void> write_file_atomically(const std::filesystem::path& target, std::string_view text,
                                   mode_t mode, bool overwrite) {
    using R = Result<void>;
    auto temporary = target;
    temporary += ".tmp-" + std::to_string(::getpid());
    ::unlink(temporary.c_str());
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return R::failure(ErrorKind::io, temporary.string() + ": " + errno_text(errno));
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
        return R::failure(ErrorKind::io, target.string() + ": " + errno_text(error));
    }
    int placed = overwrite ? ::rename(temporary.c_str(), target.c_str())
                           : ::link(temporary.c_str(), target.c_str());
    error = errno;
    ::unlink(temporary.c_str());  // after link(2); after rename(2) it is already gone
    if (placed != 0)
        return R::failure(
            ErrorKind::io,
            target.string() + (error == EEXIST ? ": exists (use --force to replace it)"
                                               : ": " + errno_text(error)));
    return {};
}

}  // namespace

std::string curve_key_bytes(std::string_view z85) {
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

std::string curve_key_text(std::string_view binary) {
    if (binary.size() != kCurveKeyBytes) return {};
    std::array<char, kCurveKeyChars + 1> text{};
    if (!zmq_z85_encode(text.data(), reinterpret_cast<const std::uint8_t*>(binary.data()),
                        binary.size()))
        return {};
    return std::string(text.data(), kCurveKeyChars);
}

// ---- Keys -------------------------------------------------------------------------------------

Result<std::string> parse_curve_key(std::string_view z85) {
    using R = Result<std::string>;
    if (z85.size() != kCurveKeyChars)
        return R::failure(ErrorKind::invalid, "key is " + std::to_string(z85.size()) +
                                                  " characters; a Z85 CURVE key has 40");
    for (std::size_t k = 0; k < z85.size(); ++k)
        if (z85_digit(z85[k]) < 0)
            return R::failure(ErrorKind::invalid, "key has " + printable(z85[k]) + " at position " +
                                                      std::to_string(k + 1) +
                                                      ", outside the Z85 alphabet");
    for (std::size_t group = 0; group < z85.size(); group += 5) {
        std::uint64_t value = 0;
        for (std::size_t k = 0; k < 5; ++k)
            value = value * 85 + static_cast<std::uint64_t>(z85_digit(z85[group + k]));
        if (value > 0xffffffffu)
            return R::failure(ErrorKind::invalid, "key does not decode to 32 bytes (characters " +
                                                      std::to_string(group + 1) + ".." +
                                                      std::to_string(group + 5) + " overflow)");
    }
    return std::string(z85);
}

Result<KeyPair> generate_key_pair() {
    using R = Result<KeyPair>;
    if (!zmq_has("curve"))
        return R::failure(ErrorKind::unsupported, "this libzmq was built without CURVE");
    std::array<char, kCurveKeyChars + 1> public_key{}, secret_key{};
    if (zmq_curve_keypair(public_key.data(), secret_key.data()) != 0)
        return R::failure(ErrorKind::io,
                          std::string("cannot make a key pair: ") + zmq_strerror(zmq_errno()));
    return KeyPair{std::string(public_key.data(), kCurveKeyChars),
                   std::string(secret_key.data(), kCurveKeyChars)};
}

Result<std::string> public_key_of(std::string_view secret_key) {
    using R = Result<std::string>;
    auto checked = parse_curve_key(secret_key);
    if (!checked) return checked.because("secret ");
    std::array<char, kCurveKeyChars + 1> public_key{};
    if (zmq_curve_public(public_key.data(), checked->c_str()) != 0)
        return R::failure(ErrorKind::io, std::string("cannot derive the public key: ") +
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
            return R::failure(ErrorKind::invalid, where + "expected name = \"value\"");
        auto name = trim(line.substr(0, equals));
        auto rest = trim(line.substr(equals + 1));
        if (rest.size() < 2 || rest.front() != '"')
            return R::failure(ErrorKind::invalid, where + "the value must be in double quotes");
        auto close = rest.find('"', 1);
        if (close == std::string_view::npos)
            return R::failure(ErrorKind::invalid, where + "unterminated string");
        auto value = rest.substr(1, close - 1);
        auto after = trim(rest.substr(close + 1));
        if (!after.empty() && after.front() != '#')
            return R::failure(ErrorKind::invalid, where + "unexpected text after the value");
        bool* seen = name == "public" ? &have_public : name == "secret" ? &have_secret : nullptr;
        if (!seen)
            return R::failure(ErrorKind::invalid, where + "unknown setting '" + std::string(name) +
                                                      "' (expected public or secret)");
        if (*seen)
            return R::failure(ErrorKind::invalid,
                              where + "'" + std::string(name) + "' given twice");
        auto key = parse_curve_key(value);
        if (!key) return key.because(where + std::string(name) + " ");
        *seen = true;
        (name == "public" ? keys.public_key : keys.secret_key) = *key;
    }
    if (!have_public)
        return R::failure(ErrorKind::invalid, "no public key (expected public = \"…\")");
    if (have_secret) {
        auto derived = public_key_of(keys.secret_key);
        if (!derived) return derived.error_value();
        if (*derived != keys.public_key)
            return R::failure(ErrorKind::invalid,
                              "the secret key does not belong to the public key");
    }
    return keys;
}

Result<KeyPair> load_secret_key_file(const std::filesystem::path& file) {
    using R = Result<KeyPair>;
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0)
        return R::failure(ErrorKind::io, file.string() + ": " + errno_text(errno));
    if ((info.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
        return R::failure(ErrorKind::refused, file.string() +
                                                  ": secret key file is readable by others (mode " +
                                                  mode + "); chmod 600 " + file.string());
    }
    auto text = read_small_file(file);
    if (!text) return text.error_value();
    auto keys = parse_key_file(*text);
    if (!keys) return keys.because(file.string() + ": ");
    if (keys->secret_key.empty())
        return R::failure(ErrorKind::invalid,
                          file.string() + ": no secret key (is this the .pub file?)");
    return keys;
}

Result<std::string> load_public_key_file(const std::filesystem::path& file) {
    auto text = read_small_file(file);
    if (!text) return text.error_value();
    auto keys = parse_key_file(*text);
    if (!keys) return keys.because(file.string() + ": ");
    return keys->public_key;
}

Result<KeyFiles> write_key_files(const std::filesystem::path& dir, std::string_view name,
                                 const KeyPair& keys, bool overwrite) {
    using R = Result<KeyFiles>;
    if (!valid_key_name(name))
        return R::failure(ErrorKind::invalid,
                          "'" + std::string(name) +
                              "' is not a key name (letters, digits, '.', '_', '-'; at most 64)");
    if (auto checked = parse_curve_key(keys.public_key); !checked)
        return checked.because("public ");
    auto derived = public_key_of(keys.secret_key);
    if (!derived) return derived.error_value();
    if (*derived != keys.public_key)
        return R::failure(ErrorKind::invalid, "the secret key does not belong to the public key");

    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
        std::filesystem::create_directories(dir, ec);
        if (ec) return R::failure(ErrorKind::io, dir.string() + ": " + ec.message());
        std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
    }
    auto files = key_files_for(dir, name);
    if (!overwrite)
        for (const auto& file : {files.secret_file, files.public_file})
            if (std::filesystem::exists(file, ec))
                return R::failure(ErrorKind::invalid,
                                  file.string() + ": exists (use --force to replace it)");
    if (auto written = write_file_atomically(files.secret_file, key_file_text(name, keys, true),
                                             0600, overwrite);
        !written)
        return written.error_value();
    if (auto written = write_file_atomically(files.public_file, key_file_text(name, keys, false),
                                             0644, overwrite);
        !written)
        return written.error_value();
    return files;
}

Result<WallKeys> load_wall_keys(const std::filesystem::path& key_file,
                                const std::filesystem::path& ingest_key_file) {
    auto own = load_secret_key_file(key_file);
    if (!own) return own.error_value();
    auto ingest = load_public_key_file(ingest_key_file);
    if (!ingest) return ingest.error_value();
    return WallKeys{*own, *ingest};
}

// ---- Sockets ---------------------------------------------------------------------------------

Result<void> make_curve_client(void* socket, std::string_view server_public_key,
                               const KeyPair& own) {
    using R = Result<void>;
    auto server = parse_curve_key(server_public_key);
    if (!server) return server.because("server public ");
    auto own_public = parse_curve_key(own.public_key);
    if (!own_public) return own_public.because("own public ");
    auto own_secret = parse_curve_key(own.secret_key);
    if (!own_secret) return own_secret.because("own secret ");
    for (auto [option, key] : {std::pair{ZMQ_CURVE_SERVERKEY, &*server},
                               {ZMQ_CURVE_PUBLICKEY, &*own_public},
                               {ZMQ_CURVE_SECRETKEY, &*own_secret}}) {
        const std::string binary = curve_key_bytes(*key);
        if (zmq_setsockopt(socket, option, binary.data(), binary.size()) != 0)
            return R::failure(ErrorKind::io,
                              std::string("CURVE client: ") + zmq_strerror(zmq_errno()));
    }
    return {};
}

}  // namespace citywall
