#pragma once
// The request journal: the last N requests the fake answered, for tests and
// for people debugging a client. Pure logic; the server feeds it.
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mockserver/state/clock.hpp"

namespace ppio_mock::admin {

struct JournalEntry {
  std::uint64_t seq = 0;
  state::Timestamp at;  // on the virtual clock
  std::string method;
  std::string path;
  int status = 0;
  double latency_ms = 0;
  std::string team;     // empty when the key was missing or unknown
  std::string sandbox;  // empty when the request named none
  std::vector<std::string> faults;  // ids of the fault rules that fired on it
  int client_port = 0;  // the client's end of the connection: requests on one connection share it
};
void to_json(nlohmann::json& j, const JournalEntry& e);

struct JournalFilter {
  std::optional<std::string> method;
  std::optional<std::string> path_contains;
  std::optional<int> status;
  std::optional<std::string> team;
  std::optional<std::string> sandbox;
  std::size_t limit = 1000;
};

class Journal {
 public:
  explicit Journal(std::size_t capacity = 1000) : capacity_(capacity) {}

  void record(JournalEntry entry);
  // Oldest first, the newest `limit` that match.
  std::vector<JournalEntry> query(const JournalFilter& filter) const;
  void clear();

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<JournalEntry> entries_;
  std::uint64_t next_seq_ = 1;
};

}  // namespace ppio_mock::admin
