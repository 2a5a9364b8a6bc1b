# One render test: draw the wall into a PNG under Xvfb, then compare it with the reference.
# Variables: VIEWER PNGDIFF CONFIG EXPECTED OUT_DIR NAME SIZE; optional EXTRA_ARGS (a list),
# TOLERANCE, MAX_FRACTION, SERVER + SERVER_ARGS (a helper started first and stopped after),
# MANIFEST + PROBE_RGB (a file holding "lon lat" written by the helper, and "r;g;b": the pixel
# the sidecar places that point on must have that colour).
# Set the environment variable CITYWALL_UPDATE_REFERENCE=1 to rewrite the reference instead.
cmake_minimum_required(VERSION 3.25)
foreach(var VIEWER PNGDIFF CONFIG EXPECTED OUT_DIR NAME SIZE)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "run_render_test.cmake: ${var} not set")
    endif()
endforeach()
if(NOT DEFINED TOLERANCE)
    set(TOLERANCE 16)
endif()
if(NOT DEFINED MAX_FRACTION)
    set(MAX_FRACTION 0.005)
endif()
file(MAKE_DIRECTORY ${OUT_DIR})
set(OUT ${OUT_DIR}/${NAME}.png)
file(REMOVE ${OUT} ${OUT}.json ${OUT_DIR}/${NAME}.diff.png)

find_program(XVFB_RUN xvfb-run REQUIRED)
set(viewer_command ${XVFB_RUN} -a -s "-screen 0 1920x1080x24"
    ${VIEWER} --config ${CONFIG} --snapshot ${OUT} --size ${SIZE} --deterministic ${EXTRA_ARGS})

if(DEFINED SERVER)
    # execute_process runs its commands as one pipeline, concurrently: the helper serves for a
    # bounded time (its own --lifetime) while the viewer connects, waits and draws.
    execute_process(
        COMMAND ${SERVER} ${SERVER_ARGS}
        COMMAND ${viewer_command}
        RESULTS_VARIABLE results
        OUTPUT_VARIABLE output ERROR_VARIABLE output)
    list(GET results 1 result)
else()
    execute_process(COMMAND ${viewer_command}
                    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
endif()
message("${output}")
if(NOT result EQUAL 0)
    message(FATAL_ERROR "citywall-viewer failed (${result})")
endif()

if(DEFINED MANIFEST)
    # Where the point lands, from the sidecar (docs/viewer.md): the same formula a test of any
    # language would use.
    file(READ ${OUT}.json sidecar)
    foreach(key width height center_x center_y metres_per_pixel)
        string(JSON ${key} GET "${sidecar}" ${key})
    endforeach()
    file(READ ${MANIFEST} lonlat)
    string(STRIP "${lonlat}" lonlat)
    separate_arguments(lonlat)
    list(GET lonlat 0 lon)
    list(GET lonlat 1 lat)
    # Web Mercator in CMake's integer-only math: let the helper do it (it prints "X Y").
    execute_process(COMMAND ${PNGDIFF} --lonlat-to-pixel ${lon} ${lat} ${center_x} ${center_y}
                            ${metres_per_pixel} ${width} ${height}
                    OUTPUT_VARIABLE pixel RESULT_VARIABLE r OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT r EQUAL 0)
        message(FATAL_ERROR "cannot place ${lon},${lat}")
    endif()
    separate_arguments(pixel)
    execute_process(COMMAND ${PNGDIFF} --probe ${OUT} ${pixel} ${PROBE_RGB} --channel-tolerance 40
                    RESULT_VARIABLE r)
    if(NOT r EQUAL 0)
        message(FATAL_ERROR "the incident marker is not where the sidecar says")
    endif()
endif()

if(DEFINED ENV{CITYWALL_UPDATE_REFERENCE})
    file(COPY_FILE ${OUT} ${EXPECTED})
    message("reference updated: ${EXPECTED} — LOOK at it before committing")
    return()
endif()
if(NOT EXISTS ${EXPECTED})
    message(FATAL_ERROR "no reference ${EXPECTED}; the picture is ${OUT}. Look at it, then run "
                        "with CITYWALL_UPDATE_REFERENCE=1 to adopt it.")
endif()
execute_process(COMMAND ${PNGDIFF} ${OUT} ${EXPECTED} ${OUT_DIR}/${NAME}.diff.png
                        --channel-tolerance ${TOLERANCE} --max-fraction ${MAX_FRACTION}
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "render test ${NAME} failed: see ${OUT_DIR}/${NAME}.diff.png "
                        "(red = differs), actual ${OUT}, expected ${EXPECTED}")
endif()
