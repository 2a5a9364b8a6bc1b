// citywall-wire-bench: the wall stream's codec, version 3 (the field tables, wire_schema.hpp)
// against version 2 (the hand-written layout it replaced), side by side in one process: bytes
// per incident, and the CPU time to encode and to decode a snapshot of 1,000,000 open incidents
// in chunks as ingest sends them, the versions taking turns chunk by chunk.
//
//   citywall-wire-bench [--incidents 1000000] [--chunk 10000] [--rounds 5]
//
// The incidents are like the demo city's and tests/support/sample_incidents.hpp: a Chinese
// title, 1-2 sources, a four-level grid path with Chinese names, a beat; no description (the
// stream sends none in a snapshot). Results: docs/benchmarks.md, "Wire codec".
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "citywall/wire.hpp"

namespace {

using namespace citywall;

Incident realistic_incident(std::uint64_t id) {
    static const char* kTitles[] = {"滨江路地铁站附近盗窃", "东湖区新村仓库起火",
                                    "解放大道两车追尾事故", "城东菜市场占道经营",
                                    "滨江街道噪音扰民投诉", "新村小区电动车起火"};
    static const char* kCategories[] = {"police.theft",        "fire.building", "traffic.collision",
                                        "city.street_vending", "city.noise",    "fire.vehicle"};
    static const char* kDistricts[][2] = {
        {"449901", "东湖区"}, {"449902", "西山区"}, {"449903", "滨江新区"}};
    static const char* kStreets[] = {"滨江街道", "解放路街道", "新港街道", "东湖街道"};
    static const char* kCommunities[] = {"新村社区", "港湾社区", "东门社区", "望江社区"};
    Incident i;
    const auto k = id % 6;
    i.id = id;
    const char* department = k == 1 || k == 5 ? "119" : k == 2 ? "122" : k >= 3 ? "12345" : "110";
    char source_id[32];
    std::snprintf(source_id, sizeof source_id, "P20261203-%06llu",
                  static_cast<unsigned long long>(id % 1000000));
    const TimeMs t = 1795000000000 + static_cast<TimeMs>(id) * 350;
    i.sources = {{department, source_id, IncidentStatus::accepted, t}};
    if (id % 3 == 0)
        i.sources.push_back(
            {"120", "E-" + std::to_string(id * 7), IncidentStatus::dispatched, t + 42000});
    i.category = kCategories[k];
    i.severity = static_cast<Severity>(1 + id % 4);
    i.status = static_cast<IncidentStatus>(id % 5);
    i.location = {114.05 + 0.0000137 * static_cast<double>(id % 10007),
                  22.6 + 0.0000091 * static_cast<double>(id % 9973)};
    i.source_crs = id % 4 == 0 ? "GCJ-02" : "EPSG:4326";
    const auto d = id % 3, s = (id / 3) % 4, c = (id / 12) % 4, g = 1 + (id / 48) % 30;
    const std::string district = kDistricts[d][0];
    const std::string street = district + "00" + std::to_string(1 + s);
    const std::string community = street + "01" + std::to_string(c);
    char grid[8];
    std::snprintf(grid, sizeof grid, "%03llu", static_cast<unsigned long long>(g));
    i.areas = {{"district", district, kDistricts[d][1]},
               {"street", street, kStreets[s]},
               {"community", community, kCommunities[c]},
               {"grid", community + grid,
                std::string(kCommunities[c]) + "第" + std::to_string(g) + "网格"},
               {"beat", "PB00" + std::to_string(10 + id % 80),
                "城东派出所第" + std::to_string(1 + id % 9) + "警格"}};
    i.occurred = t;
    i.received = t + 1500 + static_cast<TimeMs>(id % 900);
    i.updated = i.received + static_cast<TimeMs>(id % 7) * 60000;
    i.title = kTitles[k];
    return i;
}

// This thread's CPU time: the box is shared, and being descheduled must not count.
double cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

struct Figures {
    // repair_ms: version 2 only, the check of its text that decode() now adds to it (version 2
    // did not check text; its messages are passed on as version 3, whose readers do).
    std::vector<double> encode_ms, decode_ms, repair_ms;
    std::size_t bytes = 0;
};

// One round: every chunk encoded in both versions, then decoded in both, the versions taking
// turns chunk by chunk so that both see the same load on a shared box. Freeing what was decoded
// is not timed.
void round(const std::vector<wire::SnapshotChunk>& chunks, Figures& v2, Figures& v3) {
    std::vector<std::string> encoded2, encoded3;
    double encode2 = 0, encode3 = 0, decode2 = 0, decode3 = 0;
    for (const auto& chunk : chunks) {
        double t0 = cpu_ms();
        encoded2.push_back(wire::encode_version2(chunk));
        double t1 = cpu_ms();
        encoded3.push_back(wire::encode(chunk));
        double t2 = cpu_ms();
        encode2 += t1 - t0;
        encode3 += t2 - t1;
    }
    v2.bytes = v3.bytes = 0;
    std::size_t decoded = 0;
    double repair2 = 0;
    auto decode = [&](const std::string& bytes, double& total) {
        const double t0 = cpu_ms();
        auto message = wire::decode(bytes);
        total += cpu_ms() - t0;
        if (!message) {
            std::fprintf(stderr, "decode failed: %s\n", message.error().c_str());
            std::exit(1);
        }
        if (&total == &decode2) {
            const double t1 = cpu_ms();
            wire::repair_text(*message);  // nothing to repair: the cost of the check alone
            repair2 += cpu_ms() - t1;
        }
        decoded += std::get<wire::SnapshotChunk>(*message).incidents.size();
    };
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        v2.bytes += encoded2[i].size();
        v3.bytes += encoded3[i].size();
        if (i % 2) {
            decode(encoded2[i], decode2);
            decode(encoded3[i], decode3);
        } else {
            decode(encoded3[i], decode3);
            decode(encoded2[i], decode2);
        }
    }
    decoded /= 2;
    if (*wire::decode(encoded2.front()) != *wire::decode(encoded3.front())) {
        std::fprintf(stderr, "the versions decode differently\n");
        std::exit(1);
    }
    if (decoded != chunks.size() * chunks.front().incidents.size()) std::exit(1);
    v2.encode_ms.push_back(encode2);
    v3.encode_ms.push_back(encode3);
    v2.decode_ms.push_back(decode2);
    v3.decode_ms.push_back(decode3);
    v2.repair_ms.push_back(repair2);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"citywall-wire-bench: wall stream codec, version 3 against version 2"};
    std::size_t incidents = 1'000'000, chunk_size = 2000;
    int rounds = 5;
    app.add_option("--incidents", incidents, "open incidents in the snapshot");
    app.add_option("--chunk", chunk_size, "incidents per snapshot chunk (ingest sends 2,000)");
    app.add_option("--rounds", rounds, "rounds; medians printed");
    CLI11_PARSE(app, argc, argv);

    std::vector<wire::SnapshotChunk> chunks;
    for (std::uint64_t id = 1; id <= incidents;) {
        wire::SnapshotChunk chunk{1, false, {}, {}};
        for (std::size_t n = 0; n < chunk_size && id <= incidents; ++n)
            chunk.incidents.push_back(realistic_incident(id++));
        chunks.push_back(std::move(chunk));
    }
    chunks.back().last = true;

    Figures v2, v3;
    for (int r = 0; r < rounds; ++r)
        round(chunks, v2, v3);
    const double n = static_cast<double>(incidents);
    std::printf("%zu incidents in chunks of %zu, medians of %d rounds, thread CPU time\n",
                incidents, chunk_size, rounds);
    std::printf("%-10s %12s %10s %10s\n", "version", "bytes/inc.", "encode ms", "decode ms");
    for (auto [name, f] : {std::pair{"2", &v2}, std::pair{"3", &v3}})
        std::printf("%-10s %12.1f %10.1f %10.1f\n", name, static_cast<double>(f->bytes) / n,
                    median(f->encode_ms), median(f->decode_ms));
    const double before = median(v2.decode_ms) - median(v2.repair_ms);
    std::printf("%-10s %12s %10s %10.1f  (version 2 decoded without the text check it now has)\n",
                "2 before", "", "", before);
    std::printf("%-10s %12.2f %10.2f %10.2f\n", "3 / 2", static_cast<double>(v3.bytes) / v2.bytes,
                median(v3.encode_ms) / median(v2.encode_ms),
                median(v3.decode_ms) / median(v2.decode_ms));
    std::printf("%-10s %12s %10s %10.2f\n", "3 / before", "", "", median(v3.decode_ms) / before);
    return 0;
}
