// Properties of the Prime <-> PPIO mapping: what create writes, get reads back.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "ppio_sandbox/prime_compatible/mapping.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace mapping = prime::mapping;
namespace core = ppio_sandbox::core;

namespace {

// Valid UTF-8 (JSON carries nothing else), mostly ASCII with some multi-byte characters.
rc::Gen<std::string> text() {
  return rc::gen::map(rc::gen::container<std::vector<char32_t>>(rc::gen::weightedOneOf<char32_t>(
                          {{6, rc::gen::inRange<char32_t>(0x20, 0x7F)},
                           {1, rc::gen::inRange<char32_t>(0x80, 0xD800)},
                           {1, rc::gen::inRange<char32_t>(0xE000, 0x110000)}})),
                      [](const std::vector<char32_t>& code_points) {
                        std::string out;
                        for (char32_t c : code_points) {
                          if (c < 0x80) {
                            out += static_cast<char>(c);
                          } else if (c < 0x800) {
                            out += static_cast<char>(0xC0 | (c >> 6));
                            out += static_cast<char>(0x80 | (c & 0x3F));
                          } else if (c < 0x10000) {
                            out += static_cast<char>(0xE0 | (c >> 12));
                            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
                            out += static_cast<char>(0x80 | (c & 0x3F));
                          } else {
                            out += static_cast<char>(0xF0 | (c >> 18));
                            out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
                            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
                            out += static_cast<char>(0x80 | (c & 0x3F));
                          }
                        }
                        return out;
                      });
}

rc::Gen<prime::EnvVars> env() { return rc::gen::container<prime::EnvVars>(text(), text()); }

// Prime's `StartCommand | str`: a shell line or an argv.
rc::Gen<prime::StartCommandSpec> start_command() {
  return rc::gen::oneOf(rc::gen::map(text(), [](std::string line) { return prime::StartCommandSpec(std::move(line)); }),
                        rc::gen::exec([] {
                          return prime::StartCommandSpec(prime::StartCommand{
                              *rc::gen::nonEmpty(text()), *rc::gen::container<std::vector<std::string>>(text())});
                        }));
}

template <class T>
std::optional<T> maybe(rc::Gen<T> gen) {
  if (!*rc::gen::arbitrary<bool>()) return std::nullopt;
  return *gen;
}

rc::Gen<prime::CreateSandboxRequest> create_request() {
  return rc::gen::exec([] {
    prime::CreateSandboxRequest r;
    r.name = *text();
    r.docker_image = *text();
    r.labels = *rc::gen::container<std::vector<std::string>>(text());
    r.environment_vars = maybe(env());
    r.secrets = maybe(env());
    r.team_id = maybe(text());
    r.cpu_cores = *rc::gen::inRange(1, 641) / 10.0;
    r.memory_gb = *rc::gen::inRange(1, 2561) / 10.0;
    r.disk_size_gb = *rc::gen::inRange(1, 10000) / 10.0;
    r.timeout_minutes = *rc::gen::inRange(1, 24 * 60);
    r.start_command = maybe(start_command());
    return r;
  });
}

core::SandboxInfo stored(const core::NewSandbox& n) {
  core::SandboxInfo info;
  info.sandbox_id = "iproperty";
  info.template_id = n.template_id;
  info.started_at = core::parse_rfc3339("2026-01-01T00:00:00Z");
  info.end_at = info.started_at + std::chrono::seconds(*n.timeout);
  info.metadata = n.metadata;
  return info;
}

}  // namespace

RC_GTEST_PROP(Mapping, EveryPrimeFieldComesBackFromMetadata, ()) {
  const auto r = *create_request();
  const auto wire = mapping::to_new_sandbox(r, "base");
  const auto& stored_metadata = wire.metadata;
  const auto s = mapping::to_sandbox(stored(wire));
  RC_ASSERT(s.name == r.name);
  RC_ASSERT(s.docker_image == r.docker_image);
  RC_ASSERT(std::set<std::string>(s.labels.begin(), s.labels.end()) ==
            std::set<std::string>(r.labels.begin(), r.labels.end()));
  RC_ASSERT(s.cpu_cores == r.cpu_cores);
  RC_ASSERT(s.memory_gb == r.memory_gb);
  RC_ASSERT(s.disk_size_gb == r.disk_size_gb);
  // What the Python adapter reads with int(): base-10 digits only.
  const auto& disk = stored_metadata.at("disk_size_gb");
  RC_ASSERT(!disk.empty() && disk.find_first_not_of("0123456789") == std::string::npos);
  RC_ASSERT(s.timeout_minutes == r.timeout_minutes);
  RC_ASSERT(s.team_id == r.team_id);
  RC_ASSERT(s.start_command == r.start_command);
  const bool has_vars = r.environment_vars && !r.environment_vars->empty();
  RC_ASSERT(s.environment_vars.has_value() == has_vars);
  if (has_vars) RC_ASSERT(*s.environment_vars == *r.environment_vars);
}

RC_GTEST_PROP(Mapping, SecretsAddOnlyTheirNamesToMetadata, ()) {
  auto r = *create_request();
  const auto secrets = *rc::gen::nonEmpty(rc::gen::container<prime::EnvVars>(text(), text()));
  auto without = r;
  without.secrets.reset();
  r.secrets = secrets;

  const auto n = mapping::to_new_sandbox(r, "base");
  auto metadata = n.metadata;
  RC_ASSERT(metadata.erase(mapping::keys::kSecretNames) == 1u);
  RC_ASSERT(metadata == mapping::to_metadata(without));  // no secret value anywhere else
  for (const auto& [name, value] : secrets) RC_ASSERT(n.env_vars.at(name) == value);  // the sandbox still gets them

  const auto s = mapping::to_sandbox(stored(n));
  RC_ASSERT(s.secrets.has_value());
  RC_ASSERT(s.secrets->size() == secrets.size());
  for (const auto& [name, value] : *s.secrets) RC_ASSERT(value == std::string("***"));
}

RC_GTEST_PROP(Mapping, LabelFilterSelectsExactlyTheSupersets, ()) {
  const auto pool = std::vector<std::string>{"a", "b", "c", "d#e", "f=g", "h&i"};
  const auto labels = *rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(pool));
  const auto wanted = *rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(pool));
  const auto md = mapping::to_metadata({.name = "n", .docker_image = "i", .labels = labels});
  const auto filter = mapping::label_filter(std::nullopt, wanted);
  bool all_present = true;
  for (const auto& [key, value] : filter) {
    auto it = md.find(key);
    all_present = all_present && it != md.end() && it->second == value;
  }
  const std::set<std::string> have(labels.begin(), labels.end());
  const bool superset = std::all_of(wanted.begin(), wanted.end(), [&](const std::string& l) { return have.contains(l); });
  RC_ASSERT(all_present == superset);
}

// Regression (found by the first property above): bytes that are not UTF-8 made
// the JSON encoder throw json::type_error from deep inside create. Now any
// request either validates and maps, or is refused up front.
RC_GTEST_PROP(Mapping, AnyBytesEitherValidateAndMapOrAreRefusedUpFront,
              (const std::string& name, const std::string& label, const std::string& env_value)) {
  prime::CreateSandboxRequest r{.name = name.empty() ? "n" : name, .docker_image = "img"};
  r.labels = {label};
  r.environment_vars = prime::EnvVars{{"K", env_value}};
  try {
    r.validate();
  } catch (const std::invalid_argument&) {
    return;
  }
  RC_ASSERT(mapping::to_new_sandbox(r, "base").metadata.at(mapping::keys::kName) == r.name);
}

TEST(MappingRegression, InvalidUtf8IsRefusedWithTheFieldsName) {
  prime::CreateSandboxRequest r{.name = "n", .docker_image = "img", .environment_vars = prime::EnvVars{{"\xE9", ""}}};
  try {
    r.validate();
    FAIL() << "accepted invalid UTF-8";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "environment_vars is not valid UTF-8");
  }
}
