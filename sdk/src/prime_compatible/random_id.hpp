#pragma once
// Random lowercase hex for ids and multipart boundaries (not for secrets).
#include <random>
#include <string>

namespace ppio_sandbox::prime_compatible::detail {

inline std::string random_hex(std::size_t digits) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(digits, '0');
  for (auto& c : out) c = kHex[rng() & 0xfu];
  return out;
}

}  // namespace ppio_sandbox::prime_compatible::detail
