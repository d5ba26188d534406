# Compiles SOURCE twice: without IAS_COMPILE_FAIL it must compile (so the failure is not an
# accident of includes), with it it must fail, and the diagnostics must match EXPECT (read
# from the source's "// expect: <regex>" line) within MAX_LINES lines ("// max-lines: N").
file(STRINGS ${SOURCE} expect_line REGEX "^// expect: ")
string(REGEX REPLACE "^// expect: " "" EXPECT "${expect_line}")
file(STRINGS ${SOURCE} max_line REGEX "^// max-lines: ")
string(REGEX REPLACE "^// max-lines: " "" MAX_LINES "${max_line}")
set(flags -std=c++20 -fsyntax-only -I${INCLUDE})

execute_process(COMMAND ${COMPILER} ${flags} ${SOURCE} RESULT_VARIABLE ok_result ERROR_VARIABLE ok_errors)
if(NOT ok_result EQUAL 0)
  message(FATAL_ERROR "the control build of ${SOURCE} failed:\n${ok_errors}")
endif()

execute_process(COMMAND ${COMPILER} ${flags} -DIAS_COMPILE_FAIL ${SOURCE}
                RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE errors)
if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not")
endif()
if(NOT errors MATCHES "${EXPECT}")
  message(FATAL_ERROR "the diagnostics of ${SOURCE} do not match '${EXPECT}':\n${errors}")
endif()
string(REGEX MATCHALL "\n" newlines "${errors}")
list(LENGTH newlines lines)
if(lines GREATER MAX_LINES)
  message(FATAL_ERROR "${SOURCE}: ${lines} lines of diagnostics, more than ${MAX_LINES}:\n${errors}")
endif()
message(STATUS "failed as expected, with ${lines} lines of diagnostics")
