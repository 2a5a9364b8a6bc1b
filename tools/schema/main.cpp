// citywall-schema: prints the wall stream's schema as the .proto a foreign client compiles
// (schema/wall.proto), or checks that a file is exactly that.
//
//   citywall-schema                     print it
//   citywall-schema --check FILE        exit 1, saying so, if FILE differs
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "citywall/wire.hpp"

int main(int argc, char** argv) {
    const std::string proto = citywall::wire::schema_proto();
    if (argc == 1) {
        std::fwrite(proto.data(), 1, proto.size(), stdout);
        return 0;
    }
    if (argc == 3 && std::string_view(argv[1]) == "--check") {
        std::ifstream in(argv[2], std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "citywall-schema: cannot read %s\n", argv[2]);
            return 1;
        }
        const std::string file((std::istreambuf_iterator<char>(in)), {});
        if (file != proto) {
            std::fprintf(stderr,
                         "citywall-schema: %s is not the schema of this build; write it again "
                         "with: citywall-schema > %s\n",
                         argv[2], argv[2]);
            return 1;
        }
        return 0;
    }
    std::fprintf(stderr, "usage: citywall-schema [--check FILE]\n");
    return 2;
}
