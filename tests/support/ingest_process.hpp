// The built citywall-ingest as a child process of a test (CITYWALL_INGEST_BIN), or another of
// the programs with its arguments, its stderr appended to a log file; killed when the test ends,
// however it ends.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace citywall::testing {

class IngestProcess {
  public:
    IngestProcess(const std::filesystem::path& config, const std::filesystem::path& log)
        : IngestProcess(CITYWALL_INGEST_BIN, {"--config", config.string()}, log) {}
    IngestProcess(std::string binary, std::vector<std::string> args,
                  const std::filesystem::path& log) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                         0644);
        std::vector<char*> argv = {binary.data()};
        for (std::string& arg : args)
            argv.push_back(arg.data());
        argv.push_back(nullptr);
        if (posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ) != 0)
            pid_ = -1;
        posix_spawn_file_actions_destroy(&actions);
    }
    ~IngestProcess() { kill_now(); }
    IngestProcess(const IngestProcess&) = delete;
    IngestProcess& operator=(const IngestProcess&) = delete;

    bool running() {
        if (pid_ <= 0) return false;
        if (::waitpid(pid_, &status_, WNOHANG) == pid_) pid_ = -1;
        return pid_ > 0;
    }
    void kill_now() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
        pid_ = -1;
    }
    // SIGTERM, as an operator stops it; true when it exits by itself with status 0 in time.
    bool stop(std::chrono::seconds limit = std::chrono::seconds(15)) {
        if (pid_ <= 0) return false;
        ::kill(pid_, SIGTERM);
        for (const auto deadline = std::chrono::steady_clock::now() + limit;
             std::chrono::steady_clock::now() < deadline;) {
            if (::waitpid(pid_, &status_, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status_) && WEXITSTATUS(status_) == 0;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        kill_now();
        return false;
    }

  private:
    pid_t pid_ = -1;
    int status_ = 0;
};

}  // namespace citywall::testing
