// A wall's picture for tests: the given incidents as one complete snapshot.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "citywall/picture.hpp"
#include "citywall/wire.hpp"

namespace citywall::testing {

inline CityPicture picture_of(std::vector<Incident> incidents, std::uint64_t seq = 10) {
    CityPicture picture;
    wire::SnapshotChunk chunk;
    chunk.seq = seq;
    chunk.last = true;
    chunk.incidents = std::move(incidents);
    EXPECT_NE(picture.apply(chunk), CityPicture::Outcome::gap);
    picture.take_changes();
    return picture;
}

}  // namespace citywall::testing
