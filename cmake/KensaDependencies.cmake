# Every third-party dependency, found once. All come from Debian 12 packages installed by
# scripts/install-deps; nothing is downloaded at build time.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)             # hashes; AES for libs/offcrypto (libssl-dev)
find_package(Protobuf REQUIRED)            # libprotobuf-dev, protobuf-compiler
find_package(yaml-cpp REQUIRED)            # libyaml-cpp-dev
find_package(gRPC CONFIG REQUIRED)         # libgrpc++-dev, protobuf-compiler-grpc (services only)
find_package(spdlog REQUIRED)              # libspdlog-dev (services only)
pkg_check_modules(YARA REQUIRED IMPORTED_TARGET yara)        # libyara-dev
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)  # libarchive-dev
pkg_check_modules(LIBLZMA REQUIRED IMPORTED_TARGET liblzma)  # liblzma-dev (7z headers, libs/archive)
pkg_check_modules(QPDF REQUIRED IMPORTED_TARGET libqpdf)       # libqpdf-dev (libs/pdf only)
pkg_check_modules(UNICORN REQUIRED IMPORTED_TARGET unicorn)   # libunicorn-dev (libs/emulator only)
find_package(pugixml CONFIG REQUIRED)      # libpugixml-dev (OOXML parts; agile EncryptionInfo)
# Service adapters only (libs/bus_nats, libs/store_redis); analysis libraries never link them.
# pkg-config, not CMake configs: libnats-dev's names a libnats_static.a Debian does not ship,
# and libhiredis-dev's defines no target.
pkg_check_modules(NATS REQUIRED IMPORTED_TARGET libnats)     # libnats-dev
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)  # libhiredis-dev
find_package(prometheus-cpp CONFIG REQUIRED)  # prometheus-cpp-dev; only prometheus-cpp::core is used
# libcpp-httplib-dev is a compiled library: its pkg-config flags (-DCPPHTTPLIB_OPENSSL_SUPPORT
# ...) change class layouts and must match the build of libcpp-httplib.so.
pkg_check_modules(CPP_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

# libfuzzy (ssdeep) ships no CMake or pkg-config files. (TLSH is Kensa's own, libs/hashing.)
find_library(FUZZY_LIBRARY NAMES fuzzy REQUIRED)
find_path(FUZZY_INCLUDE_DIR NAMES fuzzy.h REQUIRED)
add_library(kensa_ext_fuzzy INTERFACE)
target_link_libraries(kensa_ext_fuzzy INTERFACE ${FUZZY_LIBRARY})
target_include_directories(kensa_ext_fuzzy SYSTEM INTERFACE ${FUZZY_INCLUDE_DIR})

if(KENSA_BUILD_TESTS)
  find_package(Catch2 REQUIRED)            # catch2 (v2.13, catch2/catch.hpp)
endif()
