#pragma once
// A raw byte relay between two connected sockets, both directions at once, on
// the calling thread: it ends when both sides have closed (each half-close is
// passed on), on an error, or when it is cut from another thread.
#include <map>
#include <mutex>
#include <string>

namespace ppio_mock::net {

// The relays running now, by owner (a sandbox id), so they can be cut when
// their sandbox goes or the server stops.
class RelaySet {
 public:
  struct Relay {
    int client;
    int upstream;
  };
  // Relays `first` (bytes for upstream, sent before anything else) and then
  // everything between `client` and `upstream` until it ends. Neither socket
  // is closed here; both are left non-blocking.
  void run(const std::string& owner, int client, int upstream, std::string first);
  // Cuts every relay of `owner` (both sockets shut down): they end now.
  void cut(const std::string& owner);
  // Cuts every relay, and refuses new ones until reopen() (the server is stopping).
  void cut_all();
  void reopen();
  std::size_t running() const;

 private:
  mutable std::mutex mutex_;
  std::multimap<std::string, Relay*> relays_;
  bool stopped_ = false;
};

}  // namespace ppio_mock::net
