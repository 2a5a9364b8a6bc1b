# Every outside library comes from a Debian package listed in scripts/debian-packages.txt.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(GDAL CONFIG QUIET)
if(NOT GDAL_FOUND)
    find_package(GDAL REQUIRED)
endif()
pkg_check_modules(GEOS REQUIRED IMPORTED_TARGET geos)
pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(PUGIXML REQUIRED IMPORTED_TARGET pugixml)
# Time zones from the system's database (tzdata): Howard Hinnant's date/tz, the reference
# implementation of C++20's std::chrono zones, which GCC 12's libstdc++ lacks (docs/config.md).
find_package(date CONFIG REQUIRED)
find_package(RapidJSON QUIET)
find_path(RAPIDJSON_INCLUDE_DIR rapidjson/document.h REQUIRED)
find_path(STB_INCLUDE_DIR stb_image_write.h PATHS /usr/include/stb REQUIRED)
find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
