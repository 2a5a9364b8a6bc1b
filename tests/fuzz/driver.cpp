// A small mutation driver for builds without libFuzzer (GCC): it replays the seed corpus, then
// feeds mutated copies (flips, truncations, splices, inserted bytes) to the fuzz target for a
// fixed time. With clang and -DCITYWALL_FUZZ=ON the real libFuzzer replaces this file.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::string mutate(std::string input, const std::vector<std::string>& corpus,
                   std::mt19937_64& rng) {
    int steps = 1 + static_cast<int>(rng() % 4);
    for (int s = 0; s < steps; ++s) {
        std::size_t n = input.size();
        switch (rng() % 6) {
            case 0:  // flip a bit
                if (n) input[rng() % n] ^= static_cast<char>(1u << (rng() % 8));
                break;
            case 1:  // set a byte to an interesting value
                if (n) {
                    static const char kValues[] = {
                        0,   1,   0x7f, static_cast<char>(0x80), static_cast<char>(0xff),
                        '"', '{', '\\'};
                    input[rng() % n] = kValues[rng() % sizeof kValues];
                }
                break;
            case 2:  // truncate
                if (n) input.resize(rng() % n);
                break;
            case 3:  // insert random bytes
                input.insert(n ? rng() % n : 0,
                             std::string(1 + rng() % 8, static_cast<char>(rng())));
                break;
            case 4: {  // splice with another corpus entry
                const auto& other = corpus[rng() % corpus.size()];
                if (!other.empty() && n)
                    input = input.substr(0, rng() % n) + other.substr(rng() % other.size());
                break;
            }
            default:  // duplicate a range
                if (n > 1) {
                    std::size_t a = rng() % n, len = 1 + rng() % (n - a);
                    input.insert(rng() % n, input.substr(a, len));
                }
        }
    }
    return input;
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 10;
    std::vector<std::string> corpus;
    for (int k = 1; k < argc; ++k) {
        std::string arg = argv[k];
        if (arg.rfind("-max_total_time=", 0) == 0) {
            seconds = std::atof(arg.c_str() + 16);
            continue;
        }
        if (arg.rfind("-", 0) == 0) continue;  // other libFuzzer flags
        for (const auto& entry : std::filesystem::directory_iterator(arg)) {
            std::ifstream in(entry.path(), std::ios::binary);
            std::ostringstream bytes;
            bytes << in.rdbuf();
            corpus.push_back(bytes.str());
        }
    }
    if (corpus.empty()) corpus.emplace_back();
    for (const auto& input : corpus)
        LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
    std::mt19937_64 rng(20261122);
    auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::uint64_t runs = 0;
    while (std::chrono::steady_clock::now() < end) {
        for (int k = 0; k < 256; ++k, ++runs) {
            auto input = mutate(corpus[rng() % corpus.size()], corpus, rng);
            LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()),
                                   input.size());
        }
    }
    std::printf("fuzz: %llu inputs from %zu seeds, no crash\n",
                static_cast<unsigned long long>(runs), corpus.size());
    return 0;
}
