// The incident as a flat row: its columns come from the wall stream's schema.
#include "citywall/incident_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "citywall/wire.hpp"

namespace citywall {
namespace {

const Column* column(std::string_view name) {
    const auto& columns = incident_columns();
    auto it = std::find_if(columns.begin(), columns.end(),
                           [&](const Column& c) { return c.name == name; });
    return it == columns.end() ? nullptr : &*it;
}

TEST(IncidentTable, HasAColumnForEveryFieldOfTheSchemaWithItsName) {
    // Every field the .proto declares for Incident is a column, or a prefix of the columns of a
    // message it holds: a field added to the schema reaches every export with nothing to add.
    const std::string proto = wire::schema_proto();
    const auto begin = proto.find("message Incident {");
    ASSERT_NE(begin, std::string::npos);
    const std::string body = proto.substr(begin, proto.find('}', begin) - begin);
    std::size_t fields = 0;
    for (std::size_t at = body.find(" = "); at != std::string::npos;
         at = body.find(" = ", at + 1)) {
        const auto start = body.rfind(' ', at - 1) + 1;
        const std::string name = body.substr(start, at - start);
        ++fields;
        const bool found =
            column(name) != nullptr ||
            std::any_of(incident_columns().begin(), incident_columns().end(),
                        [&](const Column& c) { return c.name.starts_with(name + "_"); });
        EXPECT_TRUE(found) << name;
    }
    EXPECT_GE(fields, 19u);
    ASSERT_TRUE(column("priority"));
    EXPECT_EQ(column("sources")->type, ColumnType::json);
    EXPECT_EQ(column("provenance_centre")->type, ColumnType::text);
    EXPECT_EQ(column("provenance_seq")->type, ColumnType::integer);
    EXPECT_EQ(column("received")->type, ColumnType::time);
    EXPECT_EQ(column("lon")->type, ColumnType::real);
    EXPECT_EQ(column("drill")->type, ColumnType::boolean);
    EXPECT_EQ(column("severity")->type, ColumnType::text);
}

TEST(IncidentTable, ARowHoldsEachValueInItsColumn) {
    Incident incident;
    incident.id = 42;
    incident.severity = Severity::critical;
    incident.status = IncidentStatus::on_scene;
    incident.location = {-122.405291680009, 37.7969085528868};
    incident.received = 1'388'448'000'123;
    incident.title = "ASSAULT \"aggravated\"";
    incident.drill = true;
    incident.provenance = {"county-a", 7, 99};
    incident.sources.push_back({"sfpd", "131098754", IncidentStatus::reported, 5});
    std::vector<Cell> cells;
    incident_row(incident, cells);
    ASSERT_EQ(cells.size(), incident_columns().size());
    const auto cell = [&](std::string_view name) -> const Cell& {
        return cells[static_cast<std::size_t>(column(name) - incident_columns().data())];
    };
    EXPECT_EQ(std::get<std::int64_t>(cell("id")), 42);
    EXPECT_EQ(std::get<std::string>(cell("severity")), "critical");
    EXPECT_EQ(std::get<std::string>(cell("status")), "on_scene");
    EXPECT_EQ(std::get<double>(cell("lon")), -122.405291680009);
    EXPECT_EQ(std::get<std::int64_t>(cell("received")), 1'388'448'000'123);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(cell("occurred"))) << "no time: null";
    EXPECT_EQ(std::get<std::string>(cell("title")), "ASSAULT \"aggravated\"");
    EXPECT_TRUE(std::get<bool>(cell("drill")));
    EXPECT_EQ(std::get<std::string>(cell("provenance_centre")), "county-a");
    EXPECT_EQ(std::get<std::int64_t>(cell("provenance_seq")), 99);
    EXPECT_EQ(
        std::get<std::string>(cell("sources")),
        R"([{"department":"sfpd","source_id":"131098754","status":"reported","reported":5}])");
}

}  // namespace
}  // namespace citywall
