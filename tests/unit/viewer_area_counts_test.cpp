// Open incidents per area on their own: every level of the area path counted from
// what each incident carries, an incident outside the map counted as unplaced, a delta moving
// counts from where an incident was to where it is (and reporting those areas once), and the
// panel's totals kept with it.
#include <gtest/gtest.h>

#include <algorithm>

#include "area_counts.hpp"
#include "citywall/picture.hpp"
#include "citywall/wire.hpp"
#include "pictures.hpp"
#include "sample_incidents.hpp"

namespace citywall::viewer {
namespace {

// The levels, in the wall's order.
constexpr AreaLevel kDistrict = 0, kCommunity = 2, kGrid = 3, kBeat = 4;

// Two grids in one community of one street and district, and one beat.
AreaCounts counts_of_demo_levels() {
    return AreaCounts(
        {{{"district", "449901", "东湖区"}},
         {{"street", "449901003", "滨江街道"}},
         {{"community", "449901003012", "新村社区"}},
         {{"grid", "449901003012004", "第4网格"}, {"grid", "449901003012005", "第5网格"}},
         {{"beat", "PB0042", "城东派出所第2警格"}}},
        {"district", "street", "community", "grid", "beat"});
}

Incident in_grid(std::uint64_t id, const std::string& grid, Severity severity = Severity::low) {
    Incident i = testing::sample_incident(id);
    i.areas[3] = {"grid", grid, "网格"};
    i.severity = severity;
    return i;
}

TEST(AreaCounts, EveryLevelIsCountedFromThePathEachIncidentCarries) {
    const CityPicture picture =
        testing::picture_of({in_grid(1, "449901003012004", Severity::critical),
                             in_grid(2, "449901003012004"), in_grid(3, "449901003012005"),
                             in_grid(4, "999999999999999")});  // not one of the map's grids
    AreaCounts counts = counts_of_demo_levels();
    counts.rebuild(picture);
    EXPECT_EQ(counts.count(kGrid, 0), 2u);
    EXPECT_EQ(counts.count(kGrid, 1), 1u);
    EXPECT_EQ(counts.unplaced(kGrid), 1u);
    EXPECT_EQ(counts.count(kCommunity, 0), 4u);  // its parents are the map's
    EXPECT_EQ(counts.count(kDistrict, 0), 4u);
    EXPECT_EQ(counts.count(kBeat, 0), 4u);
    EXPECT_EQ(counts.max_count(kGrid), 2u);
    EXPECT_EQ(counts.totals().open, 4u);
    EXPECT_EQ(counts.totals().by_severity[0], 1u);  // critical
    EXPECT_EQ(counts.totals().by_severity[3], 3u);  // low
}

TEST(AreaCounts, ADeltaMovesCountsAndNamesTheAreasItTouchedOnce) {
    CityPicture picture =
        testing::picture_of({in_grid(1, "449901003012004"), in_grid(2, "449901003012004")});
    AreaCounts counts = counts_of_demo_levels();
    counts.rebuild(picture);
    counts.take_changed(kGrid);
    // 1 moves to the other grid; 2 closes.
    Incident moved = in_grid(1, "449901003012005");
    Incident closed = in_grid(2, "449901003012004");
    closed.status = IncidentStatus::closed;
    ASSERT_EQ(picture.apply(wire::IncidentUpdate{11, moved}), CityPicture::Outcome::applied);
    ASSERT_EQ(picture.apply(wire::IncidentUpdate{12, closed}), CityPicture::Outcome::applied);
    counts.update(picture, picture.take_changes());
    EXPECT_EQ(counts.count(kGrid, 0), 0u);
    EXPECT_EQ(counts.count(kGrid, 1), 1u);
    EXPECT_EQ(counts.count(kDistrict, 0), 1u);
    EXPECT_EQ(counts.totals().open, 1u);
    auto changed = counts.take_changed(kGrid);
    std::sort(changed.begin(), changed.end());
    EXPECT_EQ(changed, (std::vector<std::uint32_t>{0, 1}));
    EXPECT_TRUE(counts.take_changed(kGrid).empty());
    EXPECT_EQ(counts.incidents_in(picture, kGrid, 1), (std::vector<std::uint64_t>{1}));
}

// Outside the city is a total of its own, kept as incidents move in and out of it.
TEST(AreaCounts, IncidentsOutsideTheCityAreCountedApart) {
    Incident far = testing::sample_incident(1);
    far.areas.clear();
    far.far_m = 250'000;
    CityPicture picture = testing::picture_of({far, in_grid(2, "449901003012004")});
    AreaCounts counts = counts_of_demo_levels();
    counts.rebuild(picture);
    EXPECT_EQ(counts.totals().outside, 1u);
    EXPECT_EQ(counts.totals().open, 2u);
    // Geocoded again, inside the city: no longer outside.
    Incident placed = in_grid(1, "449901003012005");
    ASSERT_EQ(picture.apply(wire::IncidentUpdate{11, placed}), CityPicture::Outcome::applied);
    counts.update(picture, picture.take_changes());
    EXPECT_EQ(counts.totals().outside, 0u);
    // And out again, then closed.
    ASSERT_EQ(picture.apply(wire::IncidentUpdate{12, far}), CityPicture::Outcome::applied);
    counts.update(picture, picture.take_changes());
    EXPECT_EQ(counts.totals().outside, 1u);
    far.status = IncidentStatus::closed;
    ASSERT_EQ(picture.apply(wire::IncidentUpdate{13, far}), CityPicture::Outcome::applied);
    counts.update(picture, picture.take_changes());
    EXPECT_EQ(counts.totals().outside, 0u);
    EXPECT_EQ(counts.totals().open, 1u);
}

}  // namespace
}  // namespace citywall::viewer
