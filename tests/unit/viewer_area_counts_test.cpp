// Open incidents per area on their own: every level of the grid path and the beat counted from
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

// Two grids in one community of one street and district, and one beat.
std::array<std::vector<AreaRef>, kAreaLevelCount> areas() {
    std::array<std::vector<AreaRef>, kAreaLevelCount> a;
    a[static_cast<int>(AreaLevel::grid)] = {{"449901003012004", "第4网格"},
                                            {"449901003012005", "第5网格"}};
    a[static_cast<int>(AreaLevel::community)] = {{"449901003012", "新村社区"}};
    a[static_cast<int>(AreaLevel::street)] = {{"449901003", "滨江街道"}};
    a[static_cast<int>(AreaLevel::district)] = {{"449901", "东湖区"}};
    a[static_cast<int>(AreaLevel::beat)] = {{"PB0042", "城东派出所第2警格"}};
    return a;
}

Incident in_grid(std::uint64_t id, const std::string& grid, Severity severity = Severity::low) {
    Incident i = testing::sample_incident(id);
    i.grid.grid = {grid, "网格"};
    i.severity = severity;
    return i;
}

TEST(AreaCounts, EveryLevelIsCountedFromThePathEachIncidentCarries) {
    const CityPicture picture =
        testing::picture_of({in_grid(1, "449901003012004", Severity::critical),
                             in_grid(2, "449901003012004"), in_grid(3, "449901003012005"),
                             in_grid(4, "999999999999999")});  // not one of the map's grids
    AreaCounts counts(areas());
    counts.rebuild(picture);
    EXPECT_EQ(counts.count(AreaLevel::grid, 0), 2u);
    EXPECT_EQ(counts.count(AreaLevel::grid, 1), 1u);
    EXPECT_EQ(counts.unplaced(AreaLevel::grid), 1u);
    EXPECT_EQ(counts.count(AreaLevel::community, 0), 4u);  // its parents are the map's
    EXPECT_EQ(counts.count(AreaLevel::district, 0), 4u);
    EXPECT_EQ(counts.count(AreaLevel::beat, 0), 4u);
    EXPECT_EQ(counts.max_count(AreaLevel::grid), 2u);
    EXPECT_EQ(counts.totals().open, 4u);
    EXPECT_EQ(counts.totals().by_severity[0], 1u);  // critical
    EXPECT_EQ(counts.totals().by_severity[3], 3u);  // low
}

TEST(AreaCounts, ADeltaMovesCountsAndNamesTheAreasItTouchedOnce) {
    CityPicture picture =
        testing::picture_of({in_grid(1, "449901003012004"), in_grid(2, "449901003012004")});
    AreaCounts counts(areas());
    counts.rebuild(picture);
    counts.take_changed(AreaLevel::grid);
    // 1 moves to the other grid; 2 closes.
    Incident moved = in_grid(1, "449901003012005");
    Incident closed = in_grid(2, "449901003012004");
    closed.status = IncidentStatus::closed;
    ASSERT_EQ(picture.apply(wire::IncidentUpdate{11, moved}), CityPicture::Outcome::applied);
    ASSERT_EQ(picture.apply(wire::IncidentUpdate{12, closed}), CityPicture::Outcome::applied);
    counts.update(picture, picture.take_changes());
    EXPECT_EQ(counts.count(AreaLevel::grid, 0), 0u);
    EXPECT_EQ(counts.count(AreaLevel::grid, 1), 1u);
    EXPECT_EQ(counts.count(AreaLevel::district, 0), 1u);
    EXPECT_EQ(counts.totals().open, 1u);
    auto changed = counts.take_changed(AreaLevel::grid);
    std::sort(changed.begin(), changed.end());
    EXPECT_EQ(changed, (std::vector<std::uint32_t>{0, 1}));
    EXPECT_TRUE(counts.take_changed(AreaLevel::grid).empty());
    EXPECT_EQ(counts.incidents_in(picture, AreaLevel::grid, 1), (std::vector<std::uint64_t>{1}));
}

}  // namespace
}  // namespace citywall::viewer
