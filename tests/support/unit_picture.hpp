// A wall's picture holding units, as a wall has it after a snapshot with its roster.
#pragma once

#include <utility>
#include <vector>

#include "citywall/picture.hpp"
#include "citywall/wire.hpp"

namespace citywall::testing {

inline CityPicture picture_with_units(std::vector<Unit> units) {
    CityPicture picture;
    picture.apply(wire::UnitRoster{10, std::move(units)});
    wire::SnapshotChunk chunk;
    chunk.seq = 10;
    chunk.last = true;
    picture.apply(chunk);
    return picture;
}

}  // namespace citywall::testing
