# The Debian package of the install: the SDK (headers, libppio_sandbox, CMake
# and pkg-config packages), ppio-mock, ppio-conformance and the fake's data.
#   cmake --build <build dir> --target package   ->  ppio-sandbox-toolkit_<version>_<arch>.deb
# scripts/run package builds it from the release preset.
set(PPIO_PACKAGE_MAINTAINER "PPIO Sandbox toolkit developers <ppio-sandbox-toolkit@invalid>" CACHE STRING
    "The Maintainer field of the .deb")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ppio-sandbox-toolkit)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Prime Sandboxes interface in C++ on PPIO Agent Sandbox, with a fake PPIO server and a conformance suite")
set(CPACK_PACKAGE_DESCRIPTION
    "libppio_sandbox (static, with its CMake package ppio_sandbox::ppio_sandbox and pkg-config module ppio_sandbox), "
    "ppio-mock (a fake PPIO server for offline development and CI) and ppio-conformance.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${PPIO_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# Run-time libraries come from dpkg-shlibdeps; the rest is what the SDK's
# users compile against (find_package and pkg-config resolve these) and what
# ppio-mock runs sandbox commands under.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libcpp-httplib-dev (>= 0.11), nlohmann-json3-dev (>= 3.11), libssl-dev, pkg-config, bubblewrap")
# The sandboxes see the host's /usr: python3 is what the examples run in them.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "cmake (>= 3.25), g++ (>= 4:12), python3")
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
if(CMAKE_BUILD_TYPE STREQUAL "Release" OR CMAKE_BUILD_TYPE STREQUAL "MinSizeRel")
  set(CPACK_STRIP_FILES ON)
endif()
include(CPack)
