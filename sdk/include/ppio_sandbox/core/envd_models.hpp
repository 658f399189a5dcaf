#pragma once
// The JSON shapes of envd's process and filesystem services (protobuf JSON:
// lowerCamelCase names, snake_case accepted on input, int64 as strings, enums
// as names, bytes as base64). One copy for the SDK and the fake.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace ppio_sandbox::core::envd {

struct ProcessConfig {
  std::string cmd;
  std::vector<std::string> args;
  std::map<std::string, std::string> envs;
  std::optional<std::string> cwd;
};
void to_json(nlohmann::json& j, const ProcessConfig& v);
void from_json(const nlohmann::json& j, ProcessConfig& v);

// A terminal's size: {"cols","rows"} (the "size" of a PTY).
struct PtySize {
  std::uint32_t cols = 0;
  std::uint32_t rows = 0;
};
void to_json(nlohmann::json& j, const PtySize& v);
void from_json(const nlohmann::json& j, PtySize& v);

struct StartRequest {
  ProcessConfig process;
  std::optional<PtySize> pty;
  std::optional<std::string> tag;
  std::optional<bool> open_stdin;  // the proto field "stdin" (a macro name in C)
};
void to_json(nlohmann::json& j, const StartRequest& v);
void from_json(const nlohmann::json& j, StartRequest& v);

// {"pid": N} or {"tag": "..."}.
struct ProcessSelector {
  std::optional<std::uint32_t> pid;
  std::optional<std::string> tag;
};
void to_json(nlohmann::json& j, const ProcessSelector& v);
void from_json(const nlohmann::json& j, ProcessSelector& v);

// Update {"process":{...},"pty":{"size":{"cols","rows"}}}: only a PTY's size can change.
struct UpdateRequest {
  ProcessSelector process;
  std::optional<PtySize> pty;
};
void to_json(nlohmann::json& j, const UpdateRequest& v);
void from_json(const nlohmann::json& j, UpdateRequest& v);

// ProcessInput, a oneof: {"stdin":<base64>} for a piped process, {"pty":<base64>} for a terminal.
struct ProcessInput {
  bool pty = false;
  std::string bytes;  // raw; base64 on the wire
};
void to_json(nlohmann::json& j, const ProcessInput& v);
// nullopt when it holds neither member (envd: unimplemented "invalid input type").
std::optional<ProcessInput> process_input_from_json(const nlohmann::json& j);

struct ProcessInfo {
  ProcessConfig config;
  std::uint32_t pid = 0;
  std::optional<std::string> tag;
};
void to_json(nlohmann::json& j, const ProcessInfo& v);
void from_json(const nlohmann::json& j, ProcessInfo& v);

enum class Signal { unspecified = 0, sigkill = 9, sigterm = 15 };
// "SIGNAL_SIGKILL" (or the number); nullopt when unknown.
std::optional<Signal> signal_from_json(const nlohmann::json& j);
std::string signal_name(Signal s);

// The messages of the unary calls on one process:
// SendInput {"process":{...},"input":{"stdin":<base64>}},
// SendSignal {"process":{...},"signal":"SIGNAL_SIGTERM"}, CloseStdin and Connect {"process":{...}}.
nlohmann::json send_input_json(const ProcessSelector& process, std::string_view stdin_bytes);
nlohmann::json send_signal_json(const ProcessSelector& process, Signal signal);
nlohmann::json process_selector_json(const ProcessSelector& process);

struct StartEvent {
  std::uint32_t pid = 0;
};
enum class OutputStream { out, err, pty };
struct DataEvent {
  OutputStream stream = OutputStream::out;
  std::string bytes;  // raw; base64 on the wire
};
struct EndEvent {
  std::int32_t exit_code = 0;
  bool exited = false;
  std::string status;
  std::optional<std::string> error;
};
struct KeepaliveEvent {};
using ProcessEvent = std::variant<StartEvent, DataEvent, EndEvent, KeepaliveEvent>;

// The event itself, e.g. {"data":{"stdout":"aGkK"}}.
nlohmann::json process_event_json(const ProcessEvent& event);
// Reads {"event":{...}} (a Start/Connect message) or the bare event.
ProcessEvent parse_process_event(const nlohmann::json& j);
// The message of a Start/Connect stream: {"event": ...}.
inline nlohmann::json process_stream_message(const ProcessEvent& event) {
  return nlohmann::json{{"event", process_event_json(event)}};
}
// End events as envd reports them: "exit status N" or "signal: killed".
EndEvent end_for_exit(int exit_code);
EndEvent end_for_signal(int signal_number);

enum class FileType { unspecified, file, directory, symlink };
std::string file_type_name(FileType t);  // "FILE_TYPE_FILE"
FileType file_type_from_name(const std::string& name);

struct EntryInfo {
  std::string name;
  FileType type = FileType::unspecified;
  std::string path;
  std::int64_t size = 0;  // a string on the wire
  std::uint32_t mode = 0;
  std::string permissions;  // "-rw-r--r--"
  std::string owner;
  std::string group;
  std::optional<std::string> modified_time;  // RFC 3339
  std::optional<std::string> symlink_target;
  // User-defined metadata (envd >= 0.6.2: X-Metadata-* on upload, kept as user.e2b.* xattrs).
  std::map<std::string, std::string> metadata;
};
void to_json(nlohmann::json& j, const EntryInfo& v);
void from_json(const nlohmann::json& j, EntryInfo& v);

// "-rw-r--r--" style text for a st_mode, as Go's FileMode.String() writes it (envd's
// `permissions`): type and special-bit letters first ("dtrwxrwxrwx" for /tmp).
std::string permissions_string(std::uint32_t mode);

enum class EventType { unspecified, create, write, remove, rename, chmod };
std::string event_type_name(EventType t);  // "EVENT_TYPE_CREATE"

struct FilesystemEvent {
  std::string name;  // relative to the watched directory
  EventType type = EventType::unspecified;
};
void to_json(nlohmann::json& j, const FilesystemEvent& v);

// int64/uint64 fields: a JSON string on the wire, a number accepted too.
std::int64_t int64_from_json(const nlohmann::json& j);

}  // namespace ppio_sandbox::core::envd
