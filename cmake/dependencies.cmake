# Every dependency is a Debian 12 package installed by scripts/setup.
find_package(Threads REQUIRED)
find_package(Boost 1.81 EXACT REQUIRED COMPONENTS json url)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(spdlog REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 REQUIRED)
# usrsctp (Debian libusrsctp-dev 0.9.5): SCTP for WebRTC data channels in the embedded SFU.
find_package(PkgConfig REQUIRED)
pkg_check_modules(USRSCTP REQUIRED IMPORTED_TARGET usrsctp)
if(COHOST_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(COHOST_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
# Asio/Beast are header-only; one definition set for every target.
add_library(cohost_boost INTERFACE)
target_link_libraries(cohost_boost INTERFACE Boost::headers Boost::json Boost::url Threads::Threads)
target_compile_definitions(cohost_boost INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW BOOST_ASIO_DISABLE_BOOST_COROUTINE)
