# One INTERFACE target carries the warnings and the sanitizer switch for every citywall target.
add_library(citywall_options INTERFACE)
target_compile_features(citywall_options INTERFACE cxx_std_20)
target_compile_options(citywall_options INTERFACE
    -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Woverloaded-virtual -Wpedantic -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports false -Wrestrict on std::string concatenation at -O3 (GCC bug 105329).
    target_compile_options(citywall_options INTERFACE -Wno-restrict)
endif()
if(CITYWALL_WERROR)
    target_compile_options(citywall_options INTERFACE -Werror)
endif()

set(SANITIZER "" CACHE STRING "Build with a sanitizer: address (with undefined), undefined, thread, or empty")
if(SANITIZER STREQUAL "address")
    set(_san "-fsanitize=address,undefined")
elseif(SANITIZER STREQUAL "undefined")
    set(_san "-fsanitize=undefined")
elseif(SANITIZER STREQUAL "thread")
    set(_san "-fsanitize=thread")
elseif(NOT SANITIZER STREQUAL "")
    message(FATAL_ERROR "Unknown SANITIZER '${SANITIZER}'")
endif()
if(_san)
    target_compile_options(citywall_options INTERFACE ${_san} -fno-omit-frame-pointer
                           -fno-sanitize-recover=all)
    target_link_options(citywall_options INTERFACE ${_san})
    # GCC 12's flow analysis reports false "maybe uninitialized" inside std::variant once the
    # sanitizers instrument it; the sanitizers themselves check the real thing at run time.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        target_compile_options(citywall_options INTERFACE -Wno-maybe-uninitialized)
    endif()
endif()
