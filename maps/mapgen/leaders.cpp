#include "leaders.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>

#include "random.hpp"

namespace citywall::mapgen {

namespace {

// Common surnames and given-name characters (all in the viewer's common glyph set).
const char* const kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                 "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"};
const char* const kGiven[] = {"建", "国", "华", "明", "伟", "芳", "军", "平", "文", "东",
                              "海", "红", "强", "丽", "春", "志", "新", "立", "永", "德"};

std::string person(Random& rng, std::set<std::string>& used) {
    for (;;) {
        std::string name = kSurnames[rng.below(static_cast<int>(std::size(kSurnames)))];
        name += kGiven[rng.below(static_cast<int>(std::size(kGiven)))];
        if (rng.below(3) != 0) name += kGiven[rng.below(static_cast<int>(std::size(kGiven)))];
        if (used.insert(name).second || used.size() > 6000) return name;
    }
}

}  // namespace

void writeLeaders(const CityMap& city, const std::string& path, std::uint64_t seed) {
    Random rng = Random(seed).fork(0x1eade75);
    std::set<std::string> used;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "level,code,name,phone\n";
    int n = 0;
    auto line = [&](const char* level, const std::string& code) {
        char phone[24];
        std::snprintf(phone, sizeof phone, "1380000%04d", ++n % 10000);
        out << level << ',' << code << ',' << person(rng, used) << ',' << phone << '\n';
    };
    line("centre", "");
    for (const Area& area : city.districts)
        line("district", area.code);
    for (const Area& area : city.streets)
        line("street", area.code);
    for (const Area& area : city.communities)
        line("community", area.code);
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace citywall::mapgen
