#pragma once
// What the confinement properties compare before and after: a directory tree as data.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace property_test {

// Every entry below `dir`: relative path -> "dir", "file:<content>" or "link:<target>".
inline std::map<std::string, std::string> tree_snapshot(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const auto rel = fs::relative(e.path(), dir).string();
    if (e.is_symlink()) {
      out[rel] = "link:" + fs::read_symlink(e.path()).string();
    } else if (e.is_directory()) {
      out[rel] = "dir";
    } else {
      std::stringstream content;
      content << std::ifstream(e.path(), std::ios::binary).rdbuf();
      out[rel] = "file:" + content.str();
    }
  }
  return out;
}

}  // namespace property_test
