# Every dependency comes from Debian's packages (scripts/install-deps).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# Debian's CAF 0.17 ships neither a CMake config nor a .pc file.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core REQUIRED)
add_library(CAF::core SHARED IMPORTED)
set_target_properties(CAF::core PROPERTIES
  IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES Threads::Threads)

pkg_check_modules(Pistache REQUIRED IMPORTED_TARGET libpistache)
pkg_check_modules(LIBVIRT REQUIRED IMPORTED_TARGET libvirt)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
# RE2: clients' regular expressions (Nova's name and ip filters) in linear time.
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
# OpenSSL: md5 and sha512 of image bytes (engine/image_digest.cpp), and the MD5
# of SSH public keys (Nova's keypair fingerprint): libsodium has no MD5.
find_package(OpenSSL REQUIRED)
# tcmalloc (gperftools): every request allocates on one thread and frees on
# another (reactor, actors); glibc's arenas made that 20% of a token
# validation's CPU. Measured: +23% validations/s (bench/RESULTS.md).
pkg_check_modules(TCMALLOC REQUIRED IMPORTED_TARGET libtcmalloc_minimal)

find_package(SQLiteCpp REQUIRED)
find_package(msgpack REQUIRED)          # the 4.x name; msgpack-cxx is 6.x
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CURL REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
