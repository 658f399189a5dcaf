#include "mockserver/data_files.hpp"

#include <filesystem>
#include <system_error>

// Both set by mockserver/CMakeLists.txt on this file alone.
#ifndef PPIO_DATA_DIR_FROM_BINDIR
#error "PPIO_DATA_DIR_FROM_BINDIR: the installed data directory relative to the installed programs"
#endif
#ifndef PPIO_SOURCE_FIXTURES_DIR
#error "PPIO_SOURCE_FIXTURES_DIR: the source tree's fixtures/, for programs in the build tree"
#endif

namespace ppio_mock {
namespace {

namespace fs = std::filesystem;

// The directory of the running program, or empty when /proc cannot say.
fs::path program_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path{} : exe.parent_path();
}

}  // namespace

std::string data_dir() {
  static const std::string dir = [] {
    const fs::path here = program_dir();
    if (!here.empty()) {
      const fs::path installed = (here / PPIO_DATA_DIR_FROM_BINDIR).lexically_normal();
      std::error_code ec;
      if (fs::is_directory(installed / "scenarios", ec)) return installed.string();
    }
    return std::string(PPIO_SOURCE_FIXTURES_DIR);
  }();
  return dir;
}

std::string default_scenario_dir() { return data_dir() + "/scenarios"; }

}  // namespace ppio_mock
