#include "ppio_sandbox/core/envd_models.hpp"

#include <csignal>
#include <stdexcept>

#include "ppio_sandbox/core/base64.hpp"
#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_sandbox::core::envd {

using nlohmann::json;
namespace jf = json_fields;

namespace {

const json& object_or_empty(const json& j, std::initializer_list<const char*> names) {
  static const json empty = json::object();
  const json* v = jf::find(j, names);
  return v != nullptr && v->is_object() ? *v : empty;
}

}  // namespace

std::int64_t int64_from_json(const json& j) {
  if (j.is_string()) return std::stoll(j.get<std::string>());
  jf::check_integer_range<std::int64_t>(j);
  return j.get<std::int64_t>();
}

void to_json(json& j, const ProcessConfig& v) {
  j = json{{"cmd", v.cmd}};
  if (!v.args.empty()) j["args"] = v.args;
  if (!v.envs.empty()) j["envs"] = v.envs;
  jf::write_if(j, "cwd", v.cwd);
}

void from_json(const json& j, ProcessConfig& v) {
  jf::require(j, {"cmd"}, v.cmd);
  jf::read(j, {"args"}, v.args);
  jf::read(j, {"envs"}, v.envs);
  jf::read(j, {"cwd"}, v.cwd);
}

void to_json(json& j, const PtySize& v) { j = json{{"cols", v.cols}, {"rows", v.rows}}; }

namespace {

// A uint32 as protobuf JSON has it: a non-negative whole number, or one in a string.
std::uint32_t uint32_from_json(const json& j, const char* field) {
  const auto bad = [field] { return std::invalid_argument(std::string("invalid value for uint32 field ") + field); };
  std::uint64_t n = 0;
  if (j.is_number_unsigned()) {
    n = j.get<std::uint64_t>();
  } else if (j.is_number_integer()) {
    if (j.get<std::int64_t>() < 0) throw bad();
    n = static_cast<std::uint64_t>(j.get<std::int64_t>());
  } else if (j.is_string()) {
    const auto text = j.get<std::string>();
    if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos) throw bad();
    n = std::stoull(text);
  } else {
    throw bad();  // negative, fractional, or not a number
  }
  if (n > 0xffffffffULL) throw bad();
  return static_cast<std::uint32_t>(n);
}

}  // namespace

void from_json(const json& j, PtySize& v) {
  if (const auto* cols = jf::find(j, {"cols"})) v.cols = uint32_from_json(*cols, "cols");
  if (const auto* rows = jf::find(j, {"rows"})) v.rows = uint32_from_json(*rows, "rows");
}

namespace {

// {"pty":{"size":{...}}} in a Start or Update request; a PTY without a size is 0x0, as in envd.
std::optional<PtySize> pty_of(const json& request) {
  const auto* pty = jf::find(request, {"pty"});
  if (pty == nullptr || pty->is_null()) return std::nullopt;
  return object_or_empty(*pty, {"size"}).get<PtySize>();
}

}  // namespace

void to_json(json& j, const StartRequest& v) {
  j = json{{"process", v.process}};
  if (v.pty) j["pty"] = {{"size", *v.pty}};
  jf::write_if(j, "tag", v.tag);
  jf::write_if(j, "stdin", v.open_stdin);
}

void from_json(const json& j, StartRequest& v) {
  jf::require(j, {"process"}, v.process);
  v.pty = pty_of(j);
  jf::read(j, {"tag"}, v.tag);
  jf::read(j, {"stdin"}, v.open_stdin);
}

void to_json(json& j, const ProcessSelector& v) {
  j = json::object();
  jf::write_if(j, "pid", v.pid);
  jf::write_if(j, "tag", v.tag);
}

void from_json(const json& j, ProcessSelector& v) {
  jf::read(j, {"pid"}, v.pid);
  jf::read(j, {"tag"}, v.tag);
}

void to_json(json& j, const UpdateRequest& v) {
  j = json{{"process", v.process}};
  if (v.pty) j["pty"] = {{"size", *v.pty}};
}

void from_json(const json& j, UpdateRequest& v) {
  jf::require(j, {"process"}, v.process);
  v.pty = pty_of(j);
}

void to_json(json& j, const ProcessInput& v) { j = json{{v.pty ? "pty" : "stdin", base64_encode(v.bytes)}}; }

std::optional<ProcessInput> process_input_from_json(const json& j) {
  for (const bool pty : {false, true}) {
    const auto* data = jf::find(j, {pty ? "pty" : "stdin"});
    if (data != nullptr && data->is_string()) return ProcessInput{pty, base64_decode(data->get<std::string>())};
  }
  return std::nullopt;
}

void to_json(json& j, const ProcessInfo& v) {
  j = json{{"config", v.config}, {"pid", v.pid}};
  jf::write_if(j, "tag", v.tag);
}

void from_json(const json& j, ProcessInfo& v) {
  jf::require(j, {"config"}, v.config);
  jf::read(j, {"pid"}, v.pid);
  jf::read(j, {"tag"}, v.tag);
}

std::optional<Signal> signal_from_json(const json& j) {
  if (j.is_string()) {
    const auto name = j.get<std::string>();
    if (name == "SIGNAL_SIGKILL") return Signal::sigkill;
    if (name == "SIGNAL_SIGTERM") return Signal::sigterm;
    return std::nullopt;
  }
  if (j.is_number_integer()) {
    const auto n = j.get<int>();
    if (n == 9) return Signal::sigkill;
    if (n == 15) return Signal::sigterm;
  }
  return std::nullopt;
}

std::string signal_name(Signal s) {
  switch (s) {
    case Signal::sigkill: return "SIGNAL_SIGKILL";
    case Signal::sigterm: return "SIGNAL_SIGTERM";
    default: return "SIGNAL_UNSPECIFIED";
  }
}

json send_input_json(const ProcessSelector& process, std::string_view stdin_bytes) {
  return json{{"process", process}, {"input", {{"stdin", base64_encode(stdin_bytes)}}}};
}

json send_signal_json(const ProcessSelector& process, Signal signal) {
  return json{{"process", process}, {"signal", signal_name(signal)}};
}

json process_selector_json(const ProcessSelector& process) { return json{{"process", process}}; }

json process_event_json(const ProcessEvent& event) {
  struct Visitor {
    json operator()(const StartEvent& e) const { return {{"start", {{"pid", e.pid}}}}; }
    json operator()(const DataEvent& e) const {
      const char* key = e.stream == OutputStream::out ? "stdout" : e.stream == OutputStream::err ? "stderr" : "pty";
      return {{"data", {{key, base64_encode(e.bytes)}}}};
    }
    json operator()(const EndEvent& e) const {
      // Go's protobuf JSON omits default values.
      json end = json::object();
      if (e.exit_code != 0) end["exitCode"] = e.exit_code;
      if (e.exited) end["exited"] = true;
      if (!e.status.empty()) end["status"] = e.status;
      jf::write_if(end, "error", e.error);
      return {{"end", end}};
    }
    json operator()(const KeepaliveEvent&) const { return {{"keepalive", json::object()}}; }
  };
  return std::visit(Visitor{}, event);
}

ProcessEvent parse_process_event(const json& j) {
  const json& e = j.contains("event") ? j.at("event") : j;
  if (const auto* start = jf::find(e, {"start"})) {
    StartEvent s;
    jf::read(*start, {"pid"}, s.pid);
    return s;
  }
  if (const auto* data = jf::find(e, {"data"})) {
    DataEvent d;
    if (const auto* v = jf::find(*data, {"stdout"})) {
      d.stream = OutputStream::out;
      d.bytes = base64_decode(v->get<std::string>());
    } else if (const auto* v2 = jf::find(*data, {"stderr"})) {
      d.stream = OutputStream::err;
      d.bytes = base64_decode(v2->get<std::string>());
    } else if (const auto* v3 = jf::find(*data, {"pty"})) {
      d.stream = OutputStream::pty;
      d.bytes = base64_decode(v3->get<std::string>());
    }
    return d;
  }
  if (const auto* end = jf::find(e, {"end"})) {
    EndEvent x;
    jf::read(*end, {"exitCode", "exit_code"}, x.exit_code);
    jf::read(*end, {"exited"}, x.exited);
    jf::read(*end, {"status"}, x.status);
    jf::read(*end, {"error"}, x.error);
    return x;
  }
  if (jf::find(e, {"keepalive"}) != nullptr) return KeepaliveEvent{};
  throw std::invalid_argument("process event has none of start, data, end, keepalive");
}

EndEvent end_for_exit(int exit_code) {
  EndEvent e;
  e.exit_code = exit_code;
  e.exited = true;
  e.status = "exit status " + std::to_string(exit_code);
  if (exit_code != 0) e.error = e.status;
  return e;
}

EndEvent end_for_signal(int signal_number) {
  // Go's os.ProcessState prints these names for the signals that matter here.
  std::string name;
  switch (signal_number) {
    case SIGKILL: name = "killed"; break;
    case SIGTERM: name = "terminated"; break;
    case SIGINT: name = "interrupt"; break;
    case SIGHUP: name = "hangup"; break;
    case SIGPIPE: name = "broken pipe"; break;
    case SIGSEGV: name = "segmentation fault"; break;
    case SIGABRT: name = "aborted"; break;
    default: name = "signal " + std::to_string(signal_number);
  }
  EndEvent e;
  e.exit_code = -1;
  e.exited = false;
  e.status = "signal: " + name;
  e.error = e.status;
  return e;
}

std::string file_type_name(FileType t) {
  switch (t) {
    case FileType::file: return "FILE_TYPE_FILE";
    case FileType::directory: return "FILE_TYPE_DIRECTORY";
    case FileType::symlink: return "FILE_TYPE_SYMLINK";
    default: return "FILE_TYPE_UNSPECIFIED";
  }
}

FileType file_type_from_name(const std::string& name) {
  if (name == "FILE_TYPE_FILE" || name == "file") return FileType::file;
  if (name == "FILE_TYPE_DIRECTORY" || name == "dir" || name == "directory") return FileType::directory;
  if (name == "FILE_TYPE_SYMLINK" || name == "symlink") return FileType::symlink;
  return FileType::unspecified;
}

std::string permissions_string(std::uint32_t mode) {
  // Go's letters, in Go's order "dalTLDpSugct?"; of those a Unix st_mode can give:
  const std::uint32_t type = mode & 0170000u;
  const std::pair<bool, char> letters[] = {
      {type == 0040000u, 'd'},
      {type == 0120000u, 'L'},
      {type == 0060000u || type == 0020000u, 'D'},  // block and character devices
      {type == 0010000u, 'p'},
      {type == 0140000u, 'S'},
      {(mode & 04000u) != 0, 'u'},
      {(mode & 02000u) != 0, 'g'},
      {type == 0020000u, 'c'},
      {(mode & 01000u) != 0, 't'},
  };
  std::string s;
  for (const auto& [set, letter] : letters) {
    if (set) s += letter;
  }
  if (s.empty()) s = "-";
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) s += (mode & (1u << (8 - i))) != 0 ? rwx[i] : '-';
  return s;
}

void to_json(json& j, const EntryInfo& v) {
  j = json{{"name", v.name},
           {"type", file_type_name(v.type)},
           {"path", v.path},
           {"size", std::to_string(v.size)},
           {"mode", v.mode},
           {"permissions", v.permissions},
           {"owner", v.owner},
           {"group", v.group}};
  jf::write_if(j, "modifiedTime", v.modified_time);
  jf::write_if(j, "symlinkTarget", v.symlink_target);
  if (!v.metadata.empty()) j["metadata"] = v.metadata;  // an empty map is omitted, as protojson does
}

void from_json(const json& j, EntryInfo& v) {
  jf::read(j, {"name"}, v.name);
  if (const auto* t = jf::find(j, {"type"})) v.type = file_type_from_name(t->get<std::string>());
  jf::read(j, {"path"}, v.path);
  if (const auto* s = jf::find(j, {"size"})) v.size = int64_from_json(*s);
  jf::read(j, {"mode"}, v.mode);
  jf::read(j, {"permissions"}, v.permissions);
  jf::read(j, {"owner"}, v.owner);
  jf::read(j, {"group"}, v.group);
  jf::read(j, {"modifiedTime", "modified_time"}, v.modified_time);
  jf::read(j, {"symlinkTarget", "symlink_target"}, v.symlink_target);
  if (const auto* m = jf::find(j, {"metadata"}); m != nullptr && m->is_object()) {
    v.metadata = m->get<std::map<std::string, std::string>>();
  }
}

std::string event_type_name(EventType t) {
  switch (t) {
    case EventType::create: return "EVENT_TYPE_CREATE";
    case EventType::write: return "EVENT_TYPE_WRITE";
    case EventType::remove: return "EVENT_TYPE_REMOVE";
    case EventType::rename: return "EVENT_TYPE_RENAME";
    case EventType::chmod: return "EVENT_TYPE_CHMOD";
    default: return "EVENT_TYPE_UNSPECIFIED";
  }
}

void to_json(json& j, const FilesystemEvent& v) { j = json{{"name", v.name}, {"type", event_type_name(v.type)}}; }

}  // namespace ppio_sandbox::core::envd
