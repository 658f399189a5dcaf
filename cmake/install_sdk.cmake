# Installs libppio_sandbox as a CMake package (ppio_sandbox::ppio_sandbox) and
# a pkg-config module (ppio_sandbox.pc). Included from sdk/CMakeLists.txt.
include(CMakePackageConfigHelpers)

set(PPIO_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/ppio_sandbox CACHE STRING
    "Where ppio_sandboxConfig.cmake is installed, relative to the prefix")

install(TARGETS ppio_sandbox EXPORT ppio_sandboxTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT ppio_sandboxTargets NAMESPACE ppio_sandbox:: DESTINATION ${PPIO_INSTALL_CMAKEDIR})

# A static libppio_sandbox carries its private dependencies into every link,
# so the package must find them for its users; a shared one does not.
get_target_property(PPIO_SDK_TYPE ppio_sandbox TYPE)
if(PPIO_SDK_TYPE STREQUAL "STATIC_LIBRARY")
  set(PPIO_SDK_STATIC ON)
else()
  set(PPIO_SDK_STATIC OFF)
endif()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ppio_sandboxConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/ppio_sandboxConfig.cmake
  INSTALL_DESTINATION ${PPIO_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/ppio_sandboxConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ppio_sandboxConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/ppio_sandboxConfigVersion.cmake
        DESTINATION ${PPIO_INSTALL_CMAKEDIR})

# ppio_sandbox.pc names its prefix relative to its own directory, so that it
# stays right under `cmake --install --prefix` and inside a .deb.
file(RELATIVE_PATH PPIO_PC_PREFIX_FROM_PCFILEDIR
  /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" PPIO_PC_PREFIX_FROM_PCFILEDIR "${PPIO_PC_PREFIX_FROM_PCFILEDIR}")
if(PPIO_SDK_STATIC)
  # pkg-config --libs leaves out Requires.private, which a static library needs.
  set(PPIO_PC_REQUIRES "nlohmann_json >= 3.11, cpp-httplib, openssl")
  set(PPIO_PC_REQUIRES_PRIVATE "")
else()
  set(PPIO_PC_REQUIRES "nlohmann_json >= 3.11")
  set(PPIO_PC_REQUIRES_PRIVATE "cpp-httplib, openssl")
endif()
set(PPIO_PC_EXTRA_LIBS "-pthread")
if(PPIO_SANITIZE)
  string(APPEND PPIO_PC_EXTRA_LIBS " -fsanitize=${PPIO_SANITIZE}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/ppio_sandbox.pc.in ${CMAKE_CURRENT_BINARY_DIR}/ppio_sandbox.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ppio_sandbox.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
