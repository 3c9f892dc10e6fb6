# Warnings and sanitizers apply to our own targets only, through this
# INTERFACE target, never to the dependencies' headers.
add_library(rigor_build_flags INTERFACE)
target_compile_options(rigor_build_flags INTERFACE -Wall -Wextra -Wno-unused-parameter)
target_include_directories(rigor_build_flags INTERFACE ${PROJECT_SOURCE_DIR} ${CMAKE_BINARY_DIR}/generated)
if(RIGOR_SANITIZE)
  target_compile_options(rigor_build_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(rigor_build_flags INTERFACE -fsanitize=address,undefined)
endif()

# Each library folder compiles the .cpp files directly in it (and in the
# subfolders it names); adding a file needs no CMake edit.
function(rigor_library name)
  cmake_parse_arguments(ARG "" "" "DIRS;EXCLUDE" ${ARGN})
  set(srcs)
  foreach(dir IN LISTS ARG_DIRS)
    file(GLOB found CONFIGURE_DEPENDS ${dir}/*.cpp)
    list(APPEND srcs ${found})
  endforeach()
  foreach(ex IN LISTS ARG_EXCLUDE)
    list(FILTER srcs EXCLUDE REGEX "${ex}")
  endforeach()
  if(NOT srcs)
    # A folder whose sources are still being written builds as an empty library.
    set(empty ${CMAKE_CURRENT_BINARY_DIR}/${name}_empty.cpp)
    file(WRITE ${empty} "// no sources yet\n")
    set(srcs ${empty})
  endif()
  add_library(${name} STATIC ${srcs})
  target_link_libraries(${name} PUBLIC rigor_build_flags)
endfunction()

# Executables of a sanitizer build carry the LeakSanitizer suppressions.
function(rigor_executable_flags target)
  if(RIGOR_SANITIZE)
    target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/cmake/lsan_suppressions.cpp)
  endif()
endfunction()
