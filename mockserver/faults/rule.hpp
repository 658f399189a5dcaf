#pragma once
// A fault rule: which requests it matches, when it fires, and what it does.
// Rules are data: they come from scenario files, flags or the admin API, in
// the JSON shape described in README.md ("Simulating failures").
#include <memory>
#include <optional>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "mockserver/faults/latency.hpp"
#include "mockserver/state/clock.hpp"

namespace ppio_mock::faults {

// What is known about a request when faults are decided.
struct RequestFacts {
  std::string method;
  std::string path;
  std::string sandbox;  // "" when none
  std::string team;     // "" when unauthenticated
  std::string rpc;      // "process.Process/Start" etc., "" for plain HTTP
  // The command line of a Process.Start. nullopt until the request body is
  // read: rules with a `command` pattern are decided then (FaultEngine::decide_command).
  std::optional<std::string> command;
};

struct Match {
  std::optional<std::string> method;
  std::optional<std::string> path;  // a regex, searched in the path
  std::optional<std::string> sandbox;
  std::optional<std::string> team;
  std::optional<std::string> rpc;
  std::optional<std::string> command;  // a regex, searched in the command line
  bool matches(const RequestFacts& facts) const;

  // Compiled once, when the rule is read.
  std::shared_ptr<const std::regex> path_regex;
  std::shared_ptr<const std::regex> command_regex;
};

struct Action {
  enum class Type {
    latency,       // delay before the headers, and between stream frames
    error,         // an HTTP error with the service's own body
    rate_limit,    // 429 with Retry-After
    reset,         // close the connection: before the response, or in the middle of the body
    hang,          // answer nothing until the client gives up
    slow_body,     // send the body in `chunks` pieces spread over `over_ms`
    stream_cut,    // end a Connect stream after `after_events` events (keepalives not
                   // counted), or sooner when it has fewer: never with its end frame
    // Kill the sandbox (as an expiry does) `after_ms` of real time after the command started, or
    // when it ends if that is sooner. Real time, not the virtual clock: commands run in real time,
    // and a frozen virtual clock would never get there.
    kill_sandbox,
  };
  Type type = Type::latency;
  LatencyDistribution latency;  // latency
  int status = 503;             // error
  std::string message;          // error; empty: the status's usual text
  int retry_after_s = 1;        // rate_limit
  bool mid_body = false;        // reset
  int chunks = 4;               // slow_body
  int over_ms = 1000;           // slow_body
  int after_events = 1;         // stream_cut
  int after_ms = 0;             // kill_sandbox
};

// Every condition given must hold for the rule to fire; counts are of matches.
struct Trigger {
  std::optional<double> probability;
  std::optional<long> first;  // the first N matches
  std::optional<long> after;  // matches after the Nth
  std::optional<long> every;  // every Kth match
  std::optional<state::Timestamp> from;  // a window on the virtual clock
  std::optional<state::Timestamp> until;
};

struct Rule {
  std::string id;  // given, or assigned when added
  Match match;
  Action action;
  Trigger trigger;
};

// Throws std::invalid_argument naming what is wrong.
Rule rule_from_json(const nlohmann::json& j);
nlohmann::json to_json(const Rule& rule);
std::string to_string(Action::Type type);

}  // namespace ppio_mock::faults
