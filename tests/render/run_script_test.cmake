# One scripted interaction test: the viewer runs SCRIPT (--script, docs/viewer.md) headless under
# Xvfb, optionally against a helper server; the test fails if the viewer exits non-zero (an
# expect-… line failed). If EXPECTED is set, the script's `snapshot @OUT@` picture is compared
# with that reference as run_render_test.cmake does.
# Variables: VIEWER CONFIG SCRIPT OUT_DIR NAME SIZE; optional EXTRA_ARGS, SERVER + SERVER_ARGS,
# MANIFEST (a file "lon lat" the helper writes: @LON@/@LAT@ in the script), PNGDIFF + EXPECTED.
# In the script, @OUT@ is OUT_DIR/NAME.png.
cmake_minimum_required(VERSION 3.25)
foreach(var VIEWER CONFIG SCRIPT OUT_DIR NAME SIZE)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "run_script_test.cmake: ${var} not set")
    endif()
endforeach()
file(MAKE_DIRECTORY ${OUT_DIR})
set(OUT ${OUT_DIR}/${NAME}.png)
file(REMOVE ${OUT} ${OUT}.json ${OUT_DIR}/${NAME}.diff.png ${OUT_DIR}/${NAME}.script
     ${OUT_DIR}/${NAME}.log)
find_program(XVFB_RUN xvfb-run REQUIRED)


macro(make_script)
    file(READ ${SCRIPT} text)
    string(REPLACE "@OUT@" "${OUT}" text "${text}")
    if(DEFINED MANIFEST)
        file(READ ${MANIFEST} lonlat)
        string(STRIP "${lonlat}" lonlat)
        separate_arguments(lonlat)
        list(GET lonlat 0 lon)
        list(GET lonlat 1 lat)
        string(REPLACE "@LON@" "${lon}" text "${text}")
        string(REPLACE "@LAT@" "${lat}" text "${text}")
    endif()
    file(WRITE ${OUT_DIR}/${NAME}.script "${text}")
endmacro()

set(viewer_command ${XVFB_RUN} -a -s "-screen 0 1920x1080x24"
    ${VIEWER} --config ${CONFIG} --script ${OUT_DIR}/${NAME}.script --size ${SIZE}
    --deterministic ${EXTRA_ARGS})
if(DEFINED SERVER)
    if(DEFINED MANIFEST)
        # The manifest depends only on the helper's arguments: a short run writes it before
        # the script that needs it is made.
        file(REMOVE ${MANIFEST})
        set(short_args ${SERVER_ARGS})
        list(FIND short_args --lifetime at)
        if(at GREATER_EQUAL 0)
            math(EXPR at "${at} + 1")
            list(REMOVE_AT short_args ${at})
            list(INSERT short_args ${at} 0.1)
        else()
            list(APPEND short_args --lifetime 0.1)
        endif()
        execute_process(COMMAND ${SERVER} ${short_args} OUTPUT_QUIET ERROR_QUIET TIMEOUT 30)
    endif()
    make_script()
    execute_process(
        COMMAND ${SERVER} ${SERVER_ARGS}
        COMMAND ${viewer_command}
        RESULTS_VARIABLE results
        OUTPUT_VARIABLE output ERROR_VARIABLE errors)
    list(GET results 1 result)
else()
    make_script()
    execute_process(COMMAND ${viewer_command}
                    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE errors)
endif()
message("${output}")
file(WRITE ${OUT_DIR}/${NAME}.log "${output}${errors}")
if(NOT result EQUAL 0)
    message("${errors}")
    message(FATAL_ERROR "script ${NAME} failed (exit ${result}); see the JSON lines above")
endif()

if(DEFINED EXPECTED)
    if(DEFINED ENV{CITYWALL_UPDATE_REFERENCE})
        file(COPY_FILE ${OUT} ${EXPECTED})
        message("reference updated: ${EXPECTED} — LOOK at it before committing")
        return()
    endif()
    if(NOT EXISTS ${EXPECTED})
        message(FATAL_ERROR "no reference ${EXPECTED}; the picture is ${OUT}")
    endif()
    execute_process(COMMAND ${PNGDIFF} ${OUT} ${EXPECTED} ${OUT_DIR}/${NAME}.diff.png
                            --channel-tolerance 16 --max-fraction 0.005
                    RESULT_VARIABLE result)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "picture ${NAME} differs: see ${OUT_DIR}/${NAME}.diff.png")
    endif()
endif()
