#include "conformance/runner/known_divergences.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ppio_conformance {

KnownDivergences parse_known_divergences(const std::string& text) {
  KnownDivergences known;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    const auto id_end = line.find_first_of(" \t", start);
    const auto reason_start = id_end == std::string::npos ? std::string::npos : line.find_first_not_of(" \t", id_end);
    if (reason_start == std::string::npos) {
      throw std::invalid_argument("known divergences line " + std::to_string(number) + ": '" + line +
                                  "' needs a reason after the case id");
    }
    known[line.substr(start, id_end - start)] = line.substr(reason_start);
  }
  return known;
}

KnownDivergences load_known_divergences(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read known divergences file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_known_divergences(text.str());
}

}  // namespace ppio_conformance
