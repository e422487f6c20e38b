# core: context, errors, allocation, numbers, buffers, random numbers.
list(APPEND TANAW_LIB_SOURCES src/lib/core/ctx.c src/lib/core/util.c)
list(APPEND TANAW_UNIT_TESTS test_core test_header)
# The public header also compiles as C++ (extern "C" guards), where a C++
# compiler is installed.
find_program(TANAW_CXX NAMES c++ g++ clang++)
if(TANAW_CXX)
  add_test(NAME header_cplusplus
    COMMAND ${TANAW_CXX} -fsyntax-only -Wall -Wextra -Werror -x c++ ${CMAKE_SOURCE_DIR}/include/tanaw/tanaw.h)
endif()
