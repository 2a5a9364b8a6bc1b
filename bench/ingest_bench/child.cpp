// The built citywall-ingest as a child process: its TOML config, its memory, starting and
// stopping it (the memory phase and the resilience phases).
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "area_levels.hpp"
#include "ingest_bench.hpp"

namespace citywall::bench {

namespace {

std::string toml_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace

Rss rss_of(pid_t pid) {
    Rss rss;
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        auto value = [&] { return std::strtol(line.c_str() + line.find(':') + 1, nullptr, 10); };
        if (line.rfind("VmRSS:", 0) == 0) rss.rss_kib = value();
        if (line.rfind("RssAnon:", 0) == 0) rss.anon_kib = value();
        if (line.rfind("RssFile:", 0) == 0) rss.file_kib = value();
        if (line.rfind("VmHWM:", 0) == 0) rss.hwm_kib = value();
    }
    return rss;
}

int open_sockets(pid_t pid) {
    int count = 0;
    std::error_code error;
    fs::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", error), end;
    for (; !error && it != end; it.increment(error)) {
        std::error_code unreadable;
        const auto target = fs::read_symlink(it->path(), unreadable);
        if (!unreadable && target.string().rfind("socket:", 0) == 0) ++count;
    }
    return count;
}

double cpu_seconds_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // The command name may hold spaces: the fields are counted after its closing parenthesis.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    double ticks = 0;
    // state is field 3; utime and stime are fields 14 and 15.
    for (int k = 3; k <= 15 && fields >> field; ++k)
        if (k == 14 || k == 15) ticks += std::strtod(field.c_str(), nullptr);
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

void write_toml(const IngestConfig& config, const fs::path& file) {
    std::ofstream out(file);
    out << "[ingest]\n"
        << "updates_endpoint = " << toml_string(config.updates_endpoint) << "\n"
        << "snapshot_endpoint = " << toml_string(config.snapshot_endpoint) << "\n"
        << "journal_dir = " << toml_string(config.journal_dir.string()) << "\n"
        << "fsync_interval_ms = " << config.fsync_interval_ms << "\n"
        << "heartbeat_ms = " << config.heartbeat_ms << "\n"
        << "checkpoint_every = " << config.checkpoint_every << "\n"
        << "publish_queue = " << config.publish_queue << "\n\n"
        << "[security]\n"
        << (config.keys_off ? std::string("keys = \"off\"\n")
                            : "keys = \"on\"\ningest_key_file = " +
                                  toml_string(config.ingest_key_file.string()) + "\n")
        << "\n"
        << "[merge]\nenabled = " << (config.merge.enabled ? "true" : "false") << "\n\n"
        << testing::area_levels_toml(config.areas);
    for (const auto& d : config.departments) {
        out << "[[department]]\n"
            << "code = " << toml_string(d.code) << "\n"
            << "name = " << toml_string(d.name) << "\n"
            << "name_en = " << toml_string(d.name_en) << "\n"
            << "endpoint = " << toml_string(d.endpoint) << "\n"
            << "heartbeat_s = " << d.heartbeat_s << "\n";
        if (d.socket == FeedSocket::acknowledged) out << "socket = \"acknowledged\"\n";
        if (!d.public_key.empty()) out << "public_key = " << toml_string(d.public_key) << "\n";
        out << "\n";
    }
    for (const auto& w : config.walls)
        out << "[[wall]]\n"
            << "name = " << toml_string(w.name) << "\n"
            << "public_key = " << toml_string(w.public_key) << "\n"
            << "role = " << toml_string(std::string(describe(w.role))) << "\n\n";
}

ChildIngest::ChildIngest(const Options& options, const IngestConfig& config, const fs::path& dir) {
    const std::string config_path = (dir / "ingest.toml").string();
    write_toml(config, config_path);
    log_ = (dir / "ingest.log").string();
    // Everything the child needs is made before fork(): after it, only async-signal-safe calls.
    std::vector<std::string> args = {options.ingest_exe, "--config", config_path};
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    const int log_fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0) {
        std::fprintf(stderr, "cannot write %s: %s\n", log_.c_str(), std::strerror(errno));
        return;
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(127);
        ::dup2(log_fd, STDERR_FILENO);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(log_fd);
    if (pid < 0) {
        std::fprintf(stderr, "cannot start %s: %s\n", options.ingest_exe.c_str(),
                     std::strerror(errno));
        return;
    }
    pid_ = pid;
}

void ChildIngest::reaped(int status) {
    ended_ = WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                               : "signal " + std::to_string(WTERMSIG(status));
    pid_ = -1;
}

bool ChildIngest::running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) reaped(status);
    return pid_ > 0;
}

void ChildIngest::signal(int signal) {
    if (running()) ::kill(pid_, signal);
}

bool ChildIngest::log_contains(const std::string& text) const {
    std::ifstream in(log_);
    std::string line;
    while (std::getline(in, line))
        if (line.find(text) != std::string::npos) return true;
    return false;
}

std::optional<double> ChildIngest::stop(int signal, double limit_s) {
    if (!running()) return std::nullopt;
    const auto start = Clock::now();
    ::kill(pid_, signal);
    int status = 0;
    while (seconds_since(start) < limit_s) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            const double took = seconds_since(start);
            reaped(status);
            return took;
        }
        std::this_thread::sleep_for(1ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    reaped(status);
    return std::nullopt;
}

}  // namespace citywall::bench
