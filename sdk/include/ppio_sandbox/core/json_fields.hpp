#pragma once
// Small readers for JSON objects whose fields may be absent, null, or spelled
// two ways (Prime's camelCase alias and its snake_case name).
#include <initializer_list>
#include <optional>
#include <string>

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

template <class T>
void read(const nlohmann::json& j, std::initializer_list<const char*> names, T& out) {
  if (const auto* v = find(j, names)) v->get_to(out);
}

template <class T>
void read(const nlohmann::json& j, std::initializer_list<const char*> names, std::optional<T>& out) {
  if (const auto* v = find(j, names)) out = v->get<T>();
}

// Like read, but a missing field is an error that names the field.
template <class T>
void require(const nlohmann::json& j, std::initializer_list<const char*> names, T& out) {
  const auto* v = find(j, names);
  if (v == nullptr) {
    throw nlohmann::json::out_of_range::create(403, std::string("missing required field '") + *names.begin() + "'", &j);
  }
  v->get_to(out);
}

template <class T>
void write_if(nlohmann::json& j, const char* name, const std::optional<T>& value) {
  if (value) j[name] = *value;
}

}  // namespace ppio_sandbox::core::json_fields
