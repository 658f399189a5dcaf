#pragma once
// Small readers for JSON objects whose fields may be absent, null, or spelled
// two ways (Prime's camelCase alias and its snake_case name).
#include <cmath>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

namespace ppio_sandbox::core::json_fields {

// The first of `names` present and not null, or nullptr.
inline const nlohmann::json* find(const nlohmann::json& j, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto it = j.find(name);
    if (it != j.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

// A value as wire text. Bytes that are not UTF-8 (a path from a query, a file's
// name) become U+FFFD, as Go's encoder writes them, where nlohmann would throw.
inline std::string wire_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// nlohmann turns a float into an integer with a plain cast, which is undefined
// behaviour when it is out of the integer's range: such a number is refused
// as the wrong type. Every other value is left to nlohmann's own checks.
template <class T>
void check_integer_range(const nlohmann::json& v) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (!v.is_number_float()) return;
    const double d = v.get<double>();
    const double upper = std::ldexp(1.0, std::numeric_limits<T>::digits);  // exact: a power of two
    const double lower = std::is_signed_v<T> ? -upper : -1.0;
    if (!(d >= lower && d < upper)) {
      throw nlohmann::json::type_error::create(302, "number " + v.dump() + " is out of range for an integer field", &v);
    }
  }
}

template <class T>
void read(const nlohmann::json& j, std::initializer_list<const char*> names, T& out) {
  if (const auto* v = find(j, names)) {
    check_integer_range<T>(*v);
    v->get_to(out);
  }
}

template <class T>
void read(const nlohmann::json& j, std::initializer_list<const char*> names, std::optional<T>& out) {
  if (const auto* v = find(j, names)) {
    check_integer_range<T>(*v);
    out = v->get<T>();
  }
}

// Like read, but a missing field is an error that names the field.
template <class T>
void require(const nlohmann::json& j, std::initializer_list<const char*> names, T& out) {
  const auto* v = find(j, names);
  if (v == nullptr) {
    throw nlohmann::json::out_of_range::create(403, std::string("missing required field '") + *names.begin() + "'", &j);
  }
  check_integer_range<T>(*v);
  v->get_to(out);
}

template <class T>
void write_if(nlohmann::json& j, const char* name, const std::optional<T>& value) {
  if (value) j[name] = *value;
}

}  // namespace ppio_sandbox::core::json_fields
