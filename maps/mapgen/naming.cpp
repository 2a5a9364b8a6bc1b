#include "naming.hpp"

#include <cmath>
#include <iterator>
#include <stdexcept>
#include <vector>

namespace citywall::mapgen {
namespace {

enum class Lies { Anywhere, East, West, North, South, NorthBank, SouthBank };

struct DistrictCandidate {
    const char* name;
    const char* pinyin;
    Lies lies;
};

constexpr DistrictCandidate kDistricts[] = {
    {"东湖", "Donghu", Lies::East},        {"西山", "Xishan", Lies::West},
    {"江北", "Jiangbei", Lies::NorthBank}, {"江南", "Jiangnan", Lies::SouthBank},
    {"北关", "Beiguan", Lies::North},      {"南城", "Nancheng", Lies::South},
    {"新华", "Xinhua", Lies::Anywhere},    {"安平", "Anping", Lies::Anywhere},
    {"长宁", "Changning", Lies::Anywhere}, {"金石", "Jinshi", Lies::Anywhere},
    {"凤阳", "Fengyang", Lies::Anywhere},  {"青云", "Qingyun", Lies::Anywhere},
    {"白沙", "Baisha", Lies::Anywhere},    {"桃源", "Taoyuan", Lies::Anywhere},
    {"松林", "Songlin", Lies::Anywhere},   {"明珠", "Mingzhu", Lies::Anywhere},
    {"永兴", "Yongxing", Lies::Anywhere},  {"文昌", "Wenchang", Lies::Anywhere},
};

bool fits(Lies lies, const Whereabouts& w) {
    switch (lies) {
        case Lies::Anywhere:
            return true;
        case Lies::East:
            return w.centre.x > 6000.0;
        case Lies::West:
            return w.centre.x < -6000.0;
        case Lies::North:
            return w.centre.y > 6000.0 && w.riverOffset > 0;
        case Lies::South:
            return w.centre.y < -7000.0 && w.riverOffset < 0;
        case Lies::NorthBank:
            return w.riverOffset > 0 && w.riverOffset < 5000.0;
        case Lies::SouthBank:
            return w.riverOffset < 0 && w.riverOffset > -5000.0;
    }
    return false;
}

constexpr const char* kStreetFirst[] = {"东", "西", "南", "北", "新", "华", "安", "和", "龙",
                                        "凤", "金", "石", "花", "桃", "松", "青", "白", "清",
                                        "云", "春", "长", "永", "福", "兴", "文", "光", "明"};
constexpr const char* kStreetSecond[] = {"门", "桥", "湾", "岭", "园", "林", "塘", "口",
                                         "湖", "山", "田", "沙", "洲", "关", "阳", "华",
                                         "宁", "源", "岗", "城", "港", "溪"};
constexpr const char* kRiverside[] = {"滨江", "江湾", "沿江", "临江",
                                      "望江", "江口", "江心", "江岸"};

constexpr const char* kCommunityFirst[] = {
    "金", "银", "翠", "碧", "锦", "玉", "春", "秋", "晨", "星", "月", "云", "松", "竹",
    "梅", "兰", "桃", "李", "柳", "荷", "莲", "泉", "溪", "石", "新", "和", "福", "康",
    "乐", "安", "华", "丰", "盛", "阳", "光", "红", "友", "建", "育", "胜", "利", "德"};
constexpr const char* kCommunitySecond[] = {"园", "村", "湾", "庭", "里", "城", "景",
                                            "坊", "台", "岸", "居", "林", "苗", "源"};

constexpr const char* kStationFallback[] = {"城东", "城西", "城南", "城北", "城中", "江北",
                                            "江南", "新区", "湖滨", "山前", "河西", "河东"};

}  // namespace

DistrictName Namer::district(const Whereabouts& where) {
    // Prefer a name that describes the place; fall back to the general pool in shuffled order.
    std::vector<int> order;
    for (int i = 0; i < static_cast<int>(std::size(kDistricts)); ++i)
        order.push_back(i);
    for (size_t i = order.size(); i > 1; --i) {
        std::swap(order[i - 1], order[static_cast<size_t>(rng_.below(static_cast<int>(i)))]);
    }
    for (const bool descriptive : {true, false}) {
        for (int i : order) {
            const DistrictCandidate& c = kDistricts[i];
            if ((c.lies != Lies::Anywhere) != descriptive || !fits(c.lies, where)) continue;
            if (!districts_.insert(c.name).second) continue;
            return {std::string(c.name) + "区", std::string(c.pinyin) + " District"};
        }
    }
    throw std::runtime_error("naming: ran out of district names");
}

std::string Namer::unique(const std::string& stem, const char* const* first, int firstCount,
                          const char* const* second, int secondCount, std::set<std::string>& used) {
    for (int attempt = 0; attempt < 5000; ++attempt) {
        const std::string a = first[rng_.below(firstCount)];
        const std::string b = second[rng_.below(secondCount)];
        if (a == b) continue;
        const std::string name = a + b + stem;
        if (used.insert(name).second) return name;
    }
    throw std::runtime_error("naming: ran out of names for " + stem);
}

std::string Namer::street(bool onRiver) {
    if (onRiver) {
        for (const char* stem : kRiverside) {
            const std::string name = std::string(stem) + "街道";
            if (streets_.insert(name).second) return name;
        }
    }
    return unique("街道", kStreetFirst, static_cast<int>(std::size(kStreetFirst)), kStreetSecond,
                  static_cast<int>(std::size(kStreetSecond)), streets_);
}

std::string Namer::community() {
    return unique("社区", kCommunityFirst, static_cast<int>(std::size(kCommunityFirst)),
                  kCommunitySecond, static_cast<int>(std::size(kCommunitySecond)), communities_);
}

std::string Namer::station(const std::string& streetName, const Whereabouts& where) {
    const std::string suffix = "街道";
    std::string stem = streetName.substr(0, streetName.size() - suffix.size());
    if (stations_.insert(stem).second) return stem + "派出所";
    // The street already has a station: name this one by its direction from the centre instead.
    const Point c = where.centre;
    const char* direction =
        std::abs(c.x) > std::abs(c.y) ? (c.x > 0 ? "城东" : "城西") : (c.y > 0 ? "城北" : "城南");
    if (stations_.insert(direction).second) return std::string(direction) + "派出所";
    for (const char* fallback : kStationFallback) {
        if (stations_.insert(fallback).second) return std::string(fallback) + "派出所";
    }
    throw std::runtime_error("naming: ran out of police station names");
}

}  // namespace citywall::mapgen
