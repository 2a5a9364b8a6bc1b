#include "wall_pictures.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "citywall/config.hpp"
#include "citywall/replay.hpp"

extern char** environ;

namespace citywall::debrief {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string file_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The last line a program wrote: why it stopped, when it did.
std::string last_line(const std::string& text) {
    std::size_t end = text.find_last_not_of("\r\n");
    if (end == std::string::npos) return "(it said nothing)";
    const std::size_t start = text.rfind('\n', end);
    return text.substr(start == std::string::npos ? 0 : start + 1,
                       end + 1 - (start == std::string::npos ? 0 : start + 1));
}

// A program started in a process group of its own, its output to `log`.
Result<pid_t> start(const std::vector<std::string>& args, const fs::path& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    std::vector<char*> argv;
    for (const std::string& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int failed = posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    if (failed != 0)
        return Error{ErrorKind::io, "cannot start " + args[0] + ": " + std::strerror(failed)};
    return pid;
}

// Its exit status once it ended within `limit` (128 + the signal when one stopped it).
std::optional<int> ended(pid_t pid, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        int status = 0;
        const pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0) return -1;
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(20ms);
    }
}

void stop(pid_t pid) {
    kill(-pid, SIGTERM);
    if (ended(pid, 10s)) return;
    kill(-pid, SIGKILL);
    (void)ended(pid, 5s);
}

// Where a wall on this machine reaches an endpoint the ingest binds.
std::string reachable(std::string endpoint) {
    for (const std::string any : {"tcp://*:", "tcp://0.0.0.0:"})
        if (endpoint.rfind(any, 0) == 0)
            endpoint = "tcp://127.0.0.1:" + endpoint.substr(any.size());
    return endpoint;
}

std::size_t open_incidents(const CityPicture& picture) {
    std::size_t open = 0;
    for (const auto& [id, view] : picture.incidents()) {
        const auto incident = picture.incidents().incident(id);
        open += incident && incident->open() ? 1 : 0;
    }
    return open;
}

}  // namespace

fs::path sibling_program(const std::string& name, const std::string& build_folder) {
    std::error_code error;
    const fs::path self = fs::read_symlink("/proc/self/exe", error);
    if (!error) {
        const fs::path beside = self.parent_path() / name;
        if (fs::exists(beside)) return beside;
        const fs::path built = self.parent_path().parent_path() / build_folder / name;
        if (fs::exists(built)) return built;
    }
    return name;
}

Result<std::vector<WallPicture>> draw_moments(const PictureRequest& request,
                                              const std::vector<Moment>& moments) {
    using R = Result<std::vector<WallPicture>>;
    auto config = load_drill_config(
        request.drill_config, "the pictures are drawn by replaying the drill on its own ports");
    if (!config) return config.because("drill config: ");
    if (!config->keys_off && (request.wall_key_file.empty() || request.ingest_key_file.empty()))
        return R::failure(ErrorKind::invalid,
                          "the drill has keys on: give the wall's key file and the ingest's "
                          "public key file");
    auto recorded = RecordedPicture::open(request.journal);
    if (!recorded) return recorded.because("journal: ");
    std::error_code error;
    fs::create_directories(request.work, error);
    if (error)
        return R::failure(ErrorKind::io,
                          "cannot make " + request.work.string() + ": " + error.message());

    std::vector<WallPicture> pictures;
    for (std::size_t k = 0; k < moments.size(); ++k) {
        WallPicture picture{moments[k].at, moments[k].caption, {}, {}, {}, 0};
        const std::string n = std::to_string(k + 1);
        const fs::path journal = request.work / ("replay-" + n);
        const fs::path replay_log = request.work / ("replay-" + n + ".log");
        const fs::path wall_log = request.work / ("wall-" + n + ".log");
        const fs::path png = request.work / ("wall-" + n + ".png");
        fs::remove_all(journal, error);
        // How many incidents the wall must show before it draws: the picture's at that moment.
        if (auto sought = recorded->seek(moments[k].at); sought)
            picture.open = open_incidents(recorded->picture());
        auto replay =
            start({request.replay_program.string(), "--config", request.drill_config.string(),
                   "--recording", request.journal.string(), "--journal", journal.string(), "--from",
                   std::to_string(moments[k].at), "--paused"},
                  replay_log);
        if (!replay) {
            picture.failure = replay.error();
            pictures.push_back(std::move(picture));
            continue;
        }
        bool serving = false;
        for (int wait = 0; wait < 600 && !serving; ++wait) {
            if (auto status = ended(*replay, 100ms)) break;
            serving = file_text(replay_log).find("serving") != std::string::npos;
        }
        if (!serving) {
            picture.failure =
                "the drill's replay did not start: " + last_line(file_text(replay_log));
            stop(*replay);
            pictures.push_back(std::move(picture));
            continue;
        }
        std::vector<std::string> wall = {request.viewer_program.string(),
                                         "--config",
                                         request.wall_config.string(),
                                         "--updates",
                                         reachable(config->updates_endpoint),
                                         "--snapshot-endpoint",
                                         reachable(config->snapshot_endpoint),
                                         "--snapshot",
                                         png.string(),
                                         "--size",
                                         request.size,
                                         "--after-incidents",
                                         std::to_string(picture.open),
                                         "--timeout",
                                         std::to_string(request.timeout_s),
                                         "--deterministic",
                                         "--no-panels"};
        if (!config->keys_off)
            wall.insert(wall.end(), {"--key-file", request.wall_key_file.string(),
                                     "--ingest-key-file", request.ingest_key_file.string()});
        auto viewer = start(wall, wall_log);
        if (!viewer) {
            picture.failure = viewer.error();
        } else if (auto status = ended(*viewer, std::chrono::seconds(request.timeout_s + 30));
                   !status) {
            stop(*viewer);
            picture.failure =
                "the wall did not draw in " + std::to_string(request.timeout_s) + " s";
        } else if (*status != 0) {
            picture.failure = "the wall could not draw: " + last_line(file_text(wall_log));
        } else {
            picture.wall_said = last_line(file_text(wall_log));
            picture.png = file_text(png);
            if (picture.png.empty()) picture.failure = "the wall wrote no picture";
        }
        stop(*replay);
        fs::remove_all(journal, error);
        pictures.push_back(std::move(picture));
    }
    return pictures;
}

}  // namespace citywall::debrief
