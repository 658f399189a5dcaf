#include "mockserver/faults/rule.hpp"

#include <array>
#include <stdexcept>

namespace ppio_mock::faults {

using nlohmann::json;

namespace {

constexpr std::array<std::pair<Action::Type, const char*>, 8> kTypes{{
    {Action::Type::latency, "latency"},
    {Action::Type::error, "error"},
    {Action::Type::rate_limit, "rate_limit"},
    {Action::Type::reset, "reset"},
    {Action::Type::hang, "hang"},
    {Action::Type::slow_body, "slow_body"},
    {Action::Type::stream_cut, "stream_cut"},
    {Action::Type::kill_sandbox, "kill_sandbox"},
}};

template <class T>
std::optional<T> optional_field(const json& j, const char* name, const char* where) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::nullopt;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw std::invalid_argument(std::string(where) + "." + name + " has the wrong type");
  }
}

int positive(const json& j, const char* name, int fallback, const char* where) {
  const int v = optional_field<int>(j, name, where).value_or(fallback);
  if (v < 0) throw std::invalid_argument(std::string(where) + "." + name + " must be >= 0");
  return v;
}

std::shared_ptr<const std::regex> compile(const std::optional<std::string>& pattern, const char* name) {
  if (!pattern) return nullptr;
  try {
    return std::make_shared<const std::regex>(*pattern);
  } catch (const std::regex_error& e) {
    throw std::invalid_argument(std::string("match.") + name + " is not a valid regex: " + e.what());
  }
}

Match match_from_json(const json& j) {
  if (!j.is_object()) throw std::invalid_argument("match must be an object");
  Match m;
  m.method = optional_field<std::string>(j, "method", "match");
  m.path = optional_field<std::string>(j, "path", "match");
  m.sandbox = optional_field<std::string>(j, "sandbox", "match");
  m.team = optional_field<std::string>(j, "team", "match");
  m.rpc = optional_field<std::string>(j, "rpc", "match");
  m.command = optional_field<std::string>(j, "command", "match");
  m.path_regex = compile(m.path, "path");
  m.command_regex = compile(m.command, "command");
  return m;
}

Action action_from_json(const json& j) {
  if (!j.is_object()) throw std::invalid_argument("action must be an object");
  const auto type = optional_field<std::string>(j, "type", "action");
  if (!type) throw std::invalid_argument("action.type is required");
  Action a;
  bool known = false;
  for (const auto& [value, name] : kTypes) {
    if (*type == name) {
      a.type = value;
      known = true;
    }
  }
  if (!known) throw std::invalid_argument("unknown action.type '" + *type + "'");
  switch (a.type) {
    case Action::Type::latency: a.latency = latency_from_json(j); break;
    case Action::Type::error:
      a.status = positive(j, "status", 503, "action");
      if (a.status < 400 || a.status > 599) throw std::invalid_argument("action.status must be 400..599");
      a.message = optional_field<std::string>(j, "message", "action").value_or("");
      break;
    case Action::Type::rate_limit: a.retry_after_s = positive(j, "retry_after_s", 1, "action"); break;
    case Action::Type::reset: {
      const auto when = optional_field<std::string>(j, "when", "action").value_or("before_response");
      if (when != "before_response" && when != "mid_body") {
        throw std::invalid_argument("action.when must be before_response or mid_body");
      }
      a.mid_body = when == "mid_body";
      break;
    }
    case Action::Type::slow_body:
      a.chunks = std::max(1, positive(j, "chunks", 4, "action"));
      a.over_ms = positive(j, "over_ms", 1000, "action");
      break;
    case Action::Type::stream_cut: a.after_events = positive(j, "after_events", 1, "action"); break;
    case Action::Type::kill_sandbox: a.after_ms = positive(j, "after_ms", 0, "action"); break;
    case Action::Type::hang: break;
  }
  return a;
}

Trigger trigger_from_json(const json& j) {
  if (!j.is_object()) throw std::invalid_argument("trigger must be an object");
  Trigger t;
  t.probability = optional_field<double>(j, "probability", "trigger");
  if (t.probability && (*t.probability < 0 || *t.probability > 1)) {
    throw std::invalid_argument("trigger.probability must be between 0 and 1");
  }
  t.first = optional_field<long>(j, "first", "trigger");
  t.after = optional_field<long>(j, "after", "trigger");
  t.every = optional_field<long>(j, "every", "trigger");
  if (t.every && *t.every < 1) throw std::invalid_argument("trigger.every must be >= 1");
  try {
    if (auto from = optional_field<std::string>(j, "from", "trigger")) t.from = ppio_sandbox::core::parse_rfc3339(*from);
    if (auto until = optional_field<std::string>(j, "until", "trigger")) {
      t.until = ppio_sandbox::core::parse_rfc3339(*until);
    }
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("trigger window: ") + e.what());
  }
  return t;
}

bool search(const std::shared_ptr<const std::regex>& pattern, const std::string& text) {
  return !pattern || std::regex_search(text, *pattern);
}

bool equal(const std::optional<std::string>& wanted, const std::string& actual) {
  return !wanted || *wanted == actual;
}

// A rule about the command cannot match before the command is known.
bool search_command(const std::shared_ptr<const std::regex>& pattern, const std::optional<std::string>& command) {
  return !pattern || (command && std::regex_search(*command, *pattern));
}

}  // namespace

bool Match::matches(const RequestFacts& f) const {
  return equal(method, f.method) && equal(sandbox, f.sandbox) && equal(team, f.team) && equal(rpc, f.rpc) &&
         search(path_regex, f.path) && search_command(command_regex, f.command);
}

std::string to_string(Action::Type type) {
  for (const auto& [value, name] : kTypes) {
    if (value == type) return name;
  }
  return "unknown";
}

Rule rule_from_json(const json& j) {
  if (!j.is_object()) throw std::invalid_argument("a rule must be a JSON object");
  Rule r;
  r.id = optional_field<std::string>(j, "id", "rule").value_or("");
  r.match = match_from_json(j.value("match", json::object()));
  if (!j.contains("action")) throw std::invalid_argument("a rule needs an action");
  r.action = action_from_json(j["action"]);
  r.trigger = trigger_from_json(j.value("trigger", json::object()));
  return r;
}

json to_json(const Rule& r) {
  json match = json::object();
  auto put = [](json& j, const char* name, const auto& value) {
    if (value) j[name] = *value;
  };
  put(match, "method", r.match.method);
  put(match, "path", r.match.path);
  put(match, "sandbox", r.match.sandbox);
  put(match, "team", r.match.team);
  put(match, "rpc", r.match.rpc);
  put(match, "command", r.match.command);

  json action{{"type", to_string(r.action.type)}};
  switch (r.action.type) {
    case Action::Type::latency: action.update(to_json(r.action.latency)); break;
    case Action::Type::error: action["status"] = r.action.status; action["message"] = r.action.message; break;
    case Action::Type::rate_limit: action["retry_after_s"] = r.action.retry_after_s; break;
    case Action::Type::reset: action["when"] = r.action.mid_body ? "mid_body" : "before_response"; break;
    case Action::Type::slow_body: action["chunks"] = r.action.chunks; action["over_ms"] = r.action.over_ms; break;
    case Action::Type::stream_cut: action["after_events"] = r.action.after_events; break;
    case Action::Type::kill_sandbox: action["after_ms"] = r.action.after_ms; break;
    case Action::Type::hang: break;
  }

  json trigger = json::object();
  put(trigger, "probability", r.trigger.probability);
  put(trigger, "first", r.trigger.first);
  put(trigger, "after", r.trigger.after);
  put(trigger, "every", r.trigger.every);
  if (r.trigger.from) trigger["from"] = ppio_sandbox::core::format_rfc3339(*r.trigger.from);
  if (r.trigger.until) trigger["until"] = ppio_sandbox::core::format_rfc3339(*r.trigger.until);
  return {{"id", r.id}, {"match", match}, {"action", action}, {"trigger", trigger}};
}

}  // namespace ppio_mock::faults
