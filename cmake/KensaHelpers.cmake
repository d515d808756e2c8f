# Declarative helpers so that each CMakeLists.txt under libs/, services/ and tests/ stays a few
# lines: kensa_add_library, kensa_add_executable, kensa_add_test, kensa_add_fuzzer.

set(KENSA_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wconversion -Wsign-conversion -Wnull-dereference
    -Wimplicit-fallthrough)

# Applies Kensa's warning set (and -Werror when KENSA_WERROR) to one of the project's own targets.
function(kensa_target_warnings target)
  target_compile_options(${target} PRIVATE ${KENSA_WARNINGS})
  if(KENSA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(KENSA_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# kensa_add_library(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Creates kensa_<name> with alias kensa::<name>; headers under include/ are its public API.
function(kensa_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(kensa_${name} STATIC ${ARG_SOURCES})
  add_library(kensa::${name} ALIAS kensa_${name})
  target_include_directories(kensa_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(kensa_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  set_target_properties(kensa_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  kensa_target_warnings(kensa_${name})
endfunction()

# kensa_add_executable(<name> SOURCES ... [DEPS ...] [OUTPUT_NAME <file>])
function(kensa_add_executable name)
  cmake_parse_arguments(ARG "" "OUTPUT_NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  if(ARG_OUTPUT_NAME)
    set_target_properties(${name} PROPERTIES OUTPUT_NAME ${ARG_OUTPUT_NAME})
  endif()
  kensa_target_warnings(${name})
endfunction()

# kensa_add_test(<name> SOURCES ... [DEPS ...] [LABELS ...] [TIMEOUT <s>])
# A Catch2 test binary registered with ctest; runs from the repository root so that tests can
# reach ../shared/corpora and rules/ by relative path.
function(kensa_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} kensa::test_main)
  kensa_target_warnings(${name})
  add_test(NAME ${name} COMMAND ${name} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}"
    ENVIRONMENT "KENSA_SOURCE_DIR=${PROJECT_SOURCE_DIR};KENSA_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()

# kensa_add_fuzzer(<name> SOURCES ... [DEPS ...]): a libFuzzer target, built only with KENSA_FUZZ.
function(kensa_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT KENSA_FUZZ)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  if(NOT TARGET kensa_fuzzers)
    add_custom_target(kensa_fuzzers)
  endif()
  add_dependencies(kensa_fuzzers ${name})
endfunction()
