// JSON round trips of the wire models, through text: envd's protobuf JSON
// (camelCase written, snake_case accepted) and Prime's Sandbox (snake_case
// written, Prime's camelCase aliases accepted).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cctype>
#include <limits>
#include <map>

#include "ppio_sandbox/core/envd_models.hpp"
#include "ppio_sandbox/prime_compatible/models.hpp"

namespace envd = ppio_sandbox::core::envd;
namespace prime = ppio_sandbox::prime_compatible;
using nlohmann::json;

namespace {

// JSON carries UTF-8 only: printable ASCII plus a few multi-byte characters.
// Scaled down: a Sandbox has ~20 text fields, and ASan makes long ones slow.
rc::Gen<std::string> json_text() {
  return rc::gen::scale(0.2, rc::gen::map(rc::gen::container<std::vector<std::string>>(rc::gen::weightedOneOf<std::string>(
                          {{8, rc::gen::map(rc::gen::inRange<char>(0x20, 0x7F), [](char c) { return std::string(1, c); })},
                           {1, rc::gen::element<std::string>("é", "λ", "名", "🙂")}})),
                      [](const std::vector<std::string>& parts) {
                        std::string out;
                        for (const auto& p : parts) out += p;
                        return out;
                      }));
}

template <class T>
std::optional<T> sometimes(const rc::Gen<T>& gen) {
  if (!*rc::gen::arbitrary<bool>()) return std::nullopt;
  return *gen;
}

// Prime's `StartCommand | str`: a shell line or an argv.
rc::Gen<prime::StartCommandSpec> start_command_spec() {
  return rc::gen::oneOf(rc::gen::map(json_text(), [](std::string line) { return prime::StartCommandSpec(std::move(line)); }),
                        rc::gen::exec([] {
                          return prime::StartCommandSpec(prime::StartCommand{
                              *rc::gen::nonEmpty(json_text()), *rc::gen::container<std::vector<std::string>>(json_text())});
                        }));
}

json through_text(const json& j) { return json::parse(j.dump()); }

// protobuf JSON's other spelling: "exitCode" -> "exit_code", except inside maps of user data.
json snake_keys(const json& j) {
  if (j.is_array()) {
    json out = json::array();
    for (const auto& e : j) out.push_back(snake_keys(e));
    return out;
  }
  if (!j.is_object()) return j;
  json out = json::object();
  for (const auto& [key, value] : j.items()) {
    std::string snake;
    for (char c : key) {
      const auto u = static_cast<unsigned char>(c);
      snake += std::isupper(u) ? "_" + std::string(1, static_cast<char>(std::tolower(u))) : std::string(1, c);
    }
    out[snake] = key == "envs" ? value : snake_keys(value);
  }
  return out;
}

envd::ProcessConfig process_config() {
  envd::ProcessConfig c;
  c.cmd = *json_text();
  c.args = *rc::gen::container<std::vector<std::string>>(json_text());
  c.envs = *rc::gen::container<std::map<std::string, std::string>>(json_text(), json_text());
  c.cwd = sometimes(json_text());
  return c;
}

envd::EntryInfo entry_info() {
  envd::EntryInfo e;
  e.name = *json_text();
  e.type = *rc::gen::element(envd::FileType::file, envd::FileType::directory, envd::FileType::symlink);
  e.path = *json_text();
  e.size = *rc::gen::inRange<std::int64_t>(0, std::numeric_limits<std::int64_t>::max());
  e.mode = *rc::gen::inRange<std::uint32_t>(0, 07777);
  e.permissions = envd::permissions_string(e.mode);
  e.owner = *json_text();
  e.group = *json_text();
  e.modified_time = sometimes(rc::gen::just(std::string("2026-11-26T07:00:00.123Z")));
  e.symlink_target = sometimes(json_text());
  return e;
}

// Serialised, read back (also with snake_case keys), serialised again: the same JSON.
template <class T>
void round_trips(const T& value) {
  const json written = value;
  RC_ASSERT(json(through_text(written).get<T>()) == written);
  RC_ASSERT(json(snake_keys(written).get<T>()) == written);
}

}  // namespace

RC_GTEST_PROP(EnvdModelsJson, ProcessMessagesRoundTrip, ()) {
  envd::StartRequest start;
  start.process = process_config();
  if (*rc::gen::arbitrary<bool>()) start.pty = envd::PtySize{*rc::gen::arbitrary<std::uint32_t>(), *rc::gen::arbitrary<std::uint32_t>()};
  start.tag = sometimes(json_text());
  start.open_stdin = sometimes(rc::gen::arbitrary<bool>());
  round_trips(start);
  round_trips(envd::ProcessInfo{process_config(), *rc::gen::arbitrary<std::uint32_t>(), sometimes(json_text())});
  round_trips(envd::ProcessSelector{sometimes(rc::gen::arbitrary<std::uint32_t>()), sometimes(json_text())});
}

RC_GTEST_PROP(EnvdModelsJson, EntryInfoRoundTripsWithItsInt64AsAString, ()) {
  const auto entry = entry_info();
  RC_ASSERT(json(entry).at("size").is_string());
  round_trips(entry);
  const auto back = through_text(json(entry)).get<envd::EntryInfo>();
  RC_ASSERT(back.size == entry.size);
  RC_ASSERT(back.mode == entry.mode);
}

RC_GTEST_PROP(EnvdModelsJson, ProcessEventsRoundTripAnyBytes, ()) {
  const auto bytes = *rc::gen::arbitrary<std::string>();
  const std::vector<envd::ProcessEvent> events = {
      envd::StartEvent{*rc::gen::arbitrary<std::uint32_t>()},
      envd::DataEvent{*rc::gen::element(envd::OutputStream::out, envd::OutputStream::err, envd::OutputStream::pty), bytes},
      envd::end_for_exit(*rc::gen::inRange(0, 256)),
      envd::end_for_signal(*rc::gen::element(9, 15)),
      envd::KeepaliveEvent{}};
  for (const auto& event : events) {
    const auto message = through_text(envd::process_stream_message(event));
    RC_ASSERT(envd::process_event_json(envd::parse_process_event(message)) == envd::process_event_json(event));
    RC_ASSERT(envd::process_event_json(envd::parse_process_event(snake_keys(message))) == envd::process_event_json(event));
  }
}

namespace {

// Prime's aliases (pydantic's camelCase, with its "GB" spelling).
const std::map<std::string, std::string> kSandboxAliases = {
    {"docker_image", "dockerImage"}, {"start_command", "startCommand"}, {"cpu_cores", "cpuCores"},
    {"memory_gb", "memoryGB"}, {"disk_size_gb", "diskSizeGB"}, {"disk_mount_path", "diskMountPath"},
    {"gpu_count", "gpuCount"}, {"gpu_type", "gpuType"}, {"timeout_minutes", "timeoutMinutes"},
    {"idle_timeout_minutes", "idleTimeoutMinutes"}, {"termination_reason", "terminationReason"},
    {"environment_vars", "environmentVars"}, {"advanced_configs", "advancedConfigs"}, {"created_at", "createdAt"},
    {"updated_at", "updatedAt"}, {"started_at", "startedAt"}, {"terminated_at", "terminatedAt"},
    {"exit_code", "exitCode"}, {"error_type", "errorType"}, {"error_message", "errorMessage"},
    {"user_id", "userId"}, {"team_id", "teamId"}, {"kubernetes_job_id", "kubernetesJobId"},
    {"registry_credentials_id", "registryCredentialsId"}, {"pending_image_build_id", "pendingImageBuildId"}};

prime::Timestamp timestamp() {
  return prime::Timestamp{std::chrono::milliseconds(*rc::gen::inRange<std::int64_t>(0, 7'258'118'400'000))};
}

prime::Sandbox sandbox() {
  prime::Sandbox s;
  s.id = *json_text();
  s.name = *json_text();
  s.docker_image = *json_text();
  s.start_command = sometimes(start_command_spec());
  s.cpu_cores = *rc::gen::inRange(1, 641) / 10.0;
  s.memory_gb = *rc::gen::inRange(1, 2561) / 10.0;
  s.disk_size_gb = *rc::gen::inRange(1, 1000);
  s.disk_mount_path = *json_text();
  s.gpu_count = *rc::gen::inRange(0, 9);
  s.gpu_type = sometimes(json_text());
  s.vm = *rc::gen::arbitrary<bool>();
  s.status = prime::to_string(*rc::gen::element(prime::SandboxStatus::RUNNING, prime::SandboxStatus::PAUSED,
                                                prime::SandboxStatus::TERMINATED, prime::SandboxStatus::ERROR));
  s.timeout_minutes = *rc::gen::inRange(1, 24 * 60);
  s.idle_timeout_minutes = sometimes(rc::gen::inRange(1, 600));
  s.termination_reason = sometimes(json_text());
  s.environment_vars = sometimes(rc::gen::container<prime::EnvVars>(json_text(), json_text()));
  s.labels = *rc::gen::container<std::vector<std::string>>(json_text());
  s.created_at = timestamp();
  s.updated_at = timestamp();
  s.started_at = sometimes(rc::gen::exec(timestamp));
  s.terminated_at = sometimes(rc::gen::exec(timestamp));
  s.exit_code = sometimes(rc::gen::inRange(-255, 256));
  s.error_type = sometimes(json_text());
  s.error_message = sometimes(json_text());
  s.user_id = sometimes(json_text());
  s.team_id = sometimes(json_text());
  s.region = sometimes(json_text());
  return s;
}

}  // namespace

RC_GTEST_PROP(PrimeModelsJson, SandboxRoundTripsInSnakeCaseAndInAnyMixOfAliases, ()) {
  const auto s = sandbox();
  const json written = s;
  RC_ASSERT(through_text(written).get<prime::Sandbox>() == s);
  json aliased = json::object();
  for (const auto& [key, value] : written.items()) {
    const auto alias = kSandboxAliases.find(key);
    const bool use_alias = alias != kSandboxAliases.end() && *rc::gen::arbitrary<bool>();
    aliased[use_alias ? alias->second : key] = value;
  }
  RC_ASSERT(through_text(aliased).get<prime::Sandbox>() == s);
}

RC_GTEST_PROP(PrimeModelsJson, ListAndCommandResponsesRoundTrip, ()) {
  prime::SandboxListResponse list;
  list.sandboxes = *rc::gen::container<std::vector<prime::Sandbox>>(*rc::gen::inRange(0, 4), rc::gen::exec(sandbox));
  list.total = *rc::gen::inRange(0, 1000);
  list.page = *rc::gen::inRange(1, 100);
  list.per_page = *rc::gen::inRange(1, 101);
  list.has_next = *rc::gen::arbitrary<bool>();
  RC_ASSERT(through_text(json(list)).get<prime::SandboxListResponse>() == list);

  prime::CommandResponse command;
  command.stdout = *json_text();
  command.stderr = *json_text();
  command.exit_code = *rc::gen::inRange(0, 256);
  RC_ASSERT(through_text(json(command)).get<prime::CommandResponse>() == command);
}
