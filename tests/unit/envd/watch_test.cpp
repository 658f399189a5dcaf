// filesystem.Filesystem/WatchDir and the watcher calls over real HTTP, with real
// inotify events from files written through /files and by commands.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "envd_fixture.hpp"

namespace envd_test {
namespace {

// One WatchDir stream read on its own thread. `until` sees each message and says
// when the test has seen enough; the stream is then dropped.
class WatchStream {
 public:
  WatchStream(std::unique_ptr<httplib::Client> client, json body, std::function<bool(const json&)> until)
      : client_(std::move(client)), until_(std::move(until)) {
    thread_ = std::thread([this, body = std::move(body)] { read(body); });
  }
  ~WatchStream() { finish(); }

  // Blocks until the first message arrived (or the stream ended).
  void wait_started() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return !messages_.empty() || finished_; });
  }
  // Blocks until `until` was satisfied or the stream ended; every message seen.
  std::vector<json> finish() {
    if (thread_.joinable()) thread_.join();
    return messages_;
  }
  std::optional<connect::Error> end_error() const { return end_error_; }
  bool ended() const { return ended_; }

 private:
  void read(const json& body) {
    connect::FrameDecoder decoder;
    httplib::Request req;
    req.method = "POST";
    req.path = "/filesystem.Filesystem/WatchDir";
    req.headers = {{"Content-Type", "application/connect+json"}, {"Keepalive-Ping-Interval", "1"}};
    req.body = connect::encode_message(body);
    int keepalives = 0;
    req.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
      decoder.feed(std::string_view(data, size));
      while (auto frame = decoder.next()) {
        if (frame->end_stream()) {
          ended_ = true;
          end_error_ = connect::parse_end_stream(frame->payload);
          continue;
        }
        auto message = json::parse(frame->payload);
        // A give-up bound, not a timing check: a missing event must not hang the test.
        if (message.contains("keepalive") && ++keepalives > 30) return false;
        const bool enough = until_(message);
        {
          std::lock_guard lock(mutex_);
          messages_.push_back(std::move(message));
        }
        cv_.notify_all();
        if (enough) return false;
      }
      return true;
    };
    client_->send(req);
    std::lock_guard lock(mutex_);
    finished_ = true;
    cv_.notify_all();
  }

  std::unique_ptr<httplib::Client> client_;
  std::function<bool(const json&)> until_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<json> messages_;
  bool finished_ = false;
  bool ended_ = false;
  std::optional<connect::Error> end_error_;
  std::thread thread_;
};

std::function<bool(const json&)> until_event(const std::string& name, const std::string& type) {
  return [=](const json& m) {
    return m.contains("filesystem") && m["filesystem"]["name"] == name && m["filesystem"]["type"] == type;
  };
}

bool has_event(const std::vector<json>& messages, const std::string& name, const std::string& type = "") {
  for (const auto& m : messages) {
    if (!m.contains("filesystem") || m["filesystem"]["name"] != name) continue;
    if (type.empty() || m["filesystem"]["type"] == type) return true;
  }
  return false;
}

class Watch : public EnvdTest {
 protected:
  void SetUp() override {
    EnvdTest::SetUp();
    ASSERT_EQ(rpc("filesystem.Filesystem/MakeDir", json{{"path", "/home/user/w"}})->status, 200);
  }
  void write(const std::string& path, const std::string& text) {
    ASSERT_EQ(envd()->Post("/files?path=" + path, text, "application/octet-stream")->status, 200);
  }
  std::unique_ptr<WatchStream> watch(json body, std::function<bool(const json&)> until) {
    auto stream = std::make_unique<WatchStream>(envd(), std::move(body), std::move(until));
    stream->wait_started();
    return stream;
  }
};

TEST_F(Watch, WatchDirStartsWithStartThenReportsEventsRelativeToTheDirectory) {
  auto stream = watch(json{{"path", "/home/user/w"}}, until_event("a.txt", "EVENT_TYPE_WRITE"));
  write("/home/user/w/a.txt", "hello");
  const auto messages = stream->finish();
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.front(), json::parse(R"({"start": {}})"));
  EXPECT_TRUE(has_event(messages, "a.txt", "EVENT_TYPE_CREATE"));
  EXPECT_TRUE(has_event(messages, "a.txt", "EVENT_TYPE_WRITE"));
}

TEST_F(Watch, RemoveRenameAndChmodAreReported) {
  write("/home/user/w/a.txt", "x");
  auto stream = watch(json{{"path", "~/w"}}, until_event("gone.txt", "EVENT_TYPE_REMOVE"));
  run("chmod 600 ~/w/a.txt && mv ~/w/a.txt ~/w/gone.txt && rm ~/w/gone.txt");
  const auto messages = stream->finish();
  EXPECT_TRUE(has_event(messages, "a.txt", "EVENT_TYPE_CHMOD"));
  EXPECT_TRUE(has_event(messages, "a.txt", "EVENT_TYPE_RENAME"));
  EXPECT_TRUE(has_event(messages, "gone.txt", "EVENT_TYPE_CREATE"));
}

TEST_F(Watch, IncludeEntryAddsTheEntryOfACreatedFile) {
  auto stream = watch(json{{"path", "/home/user/w"}, {"includeEntry", true}}, until_event("e.txt", "EVENT_TYPE_WRITE"));
  write("/home/user/w/e.txt", "12345");
  for (const auto& m : stream->finish()) {
    if (!m.contains("filesystem") || m["filesystem"]["type"] != "EVENT_TYPE_WRITE") continue;
    EXPECT_EQ(m["filesystem"]["entry"]["path"], "/home/user/w/e.txt");
  }
}

TEST_F(Watch, WithoutRecursiveSubdirectoriesAreNotWatched) {
  ASSERT_EQ(rpc("filesystem.Filesystem/MakeDir", json{{"path", "/home/user/w/sub"}})->status, 200);
  auto stream = watch(json{{"path", "/home/user/w"}}, until_event("last.txt", "EVENT_TYPE_CREATE"));
  write("/home/user/w/sub/inner.txt", "x");
  write("/home/user/w/last.txt", "x");  // inotify keeps order: an inner event would come first
  EXPECT_FALSE(has_event(stream->finish(), "sub/inner.txt"));
}

TEST_F(Watch, RecursiveWatchesExistingAndNewSubdirectories) {
  ASSERT_EQ(rpc("filesystem.Filesystem/MakeDir", json{{"path", "/home/user/w/old"}})->status, 200);
  bool saw_new_dir = false;
  std::mutex mutex;
  std::condition_variable cv;
  auto stream = watch(json{{"path", "/home/user/w"}, {"recursive", true}}, [&](const json& m) {
    if (until_event("new", "EVENT_TYPE_CREATE")(m)) {
      std::lock_guard lock(mutex);
      saw_new_dir = true;
      cv.notify_all();
    }
    return until_event("new/b.txt", "EVENT_TYPE_CREATE")(m);
  });
  write("/home/user/w/old/a.txt", "x");
  ASSERT_EQ(rpc("filesystem.Filesystem/MakeDir", json{{"path", "/home/user/w/new"}})->status, 200);
  {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return saw_new_dir; });  // the event is sent once the new directory is watched
  }
  write("/home/user/w/new/b.txt", "x");
  const auto messages = stream->finish();
  EXPECT_TRUE(has_event(messages, "old/a.txt", "EVENT_TYPE_CREATE"));
  EXPECT_TRUE(has_event(messages, "new/b.txt", "EVENT_TYPE_CREATE"));
}

TEST_F(Watch, ARecursiveWatchDoesNotFollowSymlinks) {
  ASSERT_EQ(rpc("filesystem.Filesystem/MakeDir", json{{"path", "/home/user/elsewhere"}})->status, 200);
  run("ln -s /home/user/elsewhere /home/user/w/link");
  auto stream = watch(json{{"path", "/home/user/w"}, {"recursive", true}}, until_event("last.txt", "EVENT_TYPE_CREATE"));
  write("/home/user/elsewhere/outside.txt", "x");
  write("/home/user/w/last.txt", "x");
  EXPECT_FALSE(has_event(stream->finish(), "link/outside.txt"));
}

TEST_F(Watch, BadPathsEndTheStreamWithEnvdsErrors) {
  write("/home/user/w/file.txt", "x");
  for (const auto& [path, code] : std::vector<std::pair<std::string, connect::Code>>{
           {"/home/user/w/file.txt", connect::Code::invalid_argument}, {"/home/user/missing", connect::Code::not_found}}) {
    WatchStream stream(envd(), json{{"path", path}}, [](const json&) { return false; });
    EXPECT_TRUE(stream.finish().empty()) << path;
    EXPECT_TRUE(stream.ended()) << path;
    ASSERT_TRUE(stream.end_error()) << path;
    EXPECT_EQ(stream.end_error()->code, code) << path;
  }
}

TEST_F(Watch, AWatchStreamEndsWhenItsSandboxIsKilled) {
  auto stream = watch(json{{"path", "/home/user/w"}}, [](const json&) { return false; });
  ASSERT_EQ(api_->Delete("/sandboxes/" + id_)->status, 204);
  stream->finish();  // returns: the stream is over
  // As through the real edge, it ends by dropping the connection: no end-stream frame.
  EXPECT_FALSE(stream->ended());
  EXPECT_FALSE(stream->end_error());
}

TEST_F(Watch, CreateWatcherCollectsEventsUntilRemoved) {
  auto res = rpc("filesystem.Filesystem/CreateWatcher", json{{"path", "/home/user/w"}});
  ASSERT_EQ(res->status, 200) << res->body;
  const std::string id = json::parse(res->body)["watcherId"];
  ASSERT_FALSE(id.empty());
  write("/home/user/w/polled.txt", "x");
  json events = json::array();
  // inotify reports asynchronously: poll (a bounded number of times) until the event is in.
  for (int i = 0; i < 10000 && events.empty(); ++i) {
    res = rpc("filesystem.Filesystem/GetWatcherEvents", json{{"watcherId", id}});
    ASSERT_EQ(res->status, 200) << res->body;
    events = json::parse(res->body)["events"];
  }
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0], json::parse(R"({"name": "polled.txt", "type": "EVENT_TYPE_CREATE"})"));

  EXPECT_EQ(rpc("filesystem.Filesystem/RemoveWatcher", json{{"watcherId", id}})->body, "{}");
  expect_connect_error(rpc("filesystem.Filesystem/GetWatcherEvents", json{{"watcherId", id}}), 404, "not_found");
  expect_connect_error(rpc("filesystem.Filesystem/RemoveWatcher", json{{"watcherId", id}}), 404, "not_found");
}

// More watchers than the kernel's default inotify instances per user (128), on one
// directory and on directories of their own: each sees its own events, and a
// directory stays watched until its last watcher goes.
TEST_F(Watch, TwoHundredWatchersEachSeeTheirEvents) {
  // The events of one watcher, polled (a bounded number of times) until `name` is in.
  const auto events_until = [&](const std::string& id, const std::string& name) {
    json seen = json::array();
    for (int i = 0; i < 10000; ++i) {
      const auto res = rpc("filesystem.Filesystem/GetWatcherEvents", json{{"watcherId", id}});
      if (res->status != 200) break;
      const auto body = json::parse(res->body);
      for (const auto& event : body["events"]) seen.push_back(event);
      for (const auto& event : seen) {
        if (event["name"] == name) return seen;
      }
    }
    return seen;
  };
  const auto create_watcher = [&](const std::string& path) {
    const auto res = rpc("filesystem.Filesystem/CreateWatcher", json{{"path", path}});
    EXPECT_EQ(res->status, 200) << res->body;
    return res->status == 200 ? json::parse(res->body)["watcherId"].get<std::string>() : std::string();
  };
  std::vector<std::string> shared;  // all on ~/w
  std::vector<std::string> own;     // each on ~/w/d<i>
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(rpc("filesystem.Filesystem/MakeDir", json{{"path", "/home/user/w/d" + std::to_string(i)}})->status, 200);
  }
  for (int i = 0; i < 100; ++i) shared.push_back(create_watcher("/home/user/w"));
  for (int i = 0; i < 100; ++i) own.push_back(create_watcher("/home/user/w/d" + std::to_string(i)));
  ASSERT_FALSE(HasFailure());

  write("/home/user/w/all.txt", "x");
  for (int i = 0; i < 100; ++i) write("/home/user/w/d" + std::to_string(i) + "/mine.txt", "x");
  for (const auto& id : shared) {
    const auto events = events_until(id, "all.txt");
    ASSERT_FALSE(events.empty()) << id;
    EXPECT_EQ(events[0], json::parse(R"({"name": "all.txt", "type": "EVENT_TYPE_CREATE"})")) << id;
  }
  for (const auto& id : own) {
    const auto events = events_until(id, "mine.txt");
    ASSERT_FALSE(events.empty()) << id;
    // Only its own directory's file: the others' and ~/w's are not its events.
    EXPECT_EQ(events[0], json::parse(R"({"name": "mine.txt", "type": "EVENT_TYPE_CREATE"})")) << id;
  }

  // All but one watcher of ~/w go: the last still sees what happens there.
  for (std::size_t i = 1; i < shared.size(); ++i) {
    EXPECT_EQ(rpc("filesystem.Filesystem/RemoveWatcher", json{{"watcherId", shared[i]}})->body, "{}");
  }
  write("/home/user/w/after.txt", "x");
  const auto events = events_until(shared[0], "after.txt");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back()["name"], "after.txt");
}

TEST_F(Watch, WatcherCallsRejectBadPathsAndUnknownIds) {
  write("/home/user/w/file.txt", "x");
  expect_connect_error(rpc("filesystem.Filesystem/CreateWatcher", json{{"path", "/home/user/w/file.txt"}}), 400,
                       "invalid_argument");
  expect_connect_error(rpc("filesystem.Filesystem/CreateWatcher", json{{"path", "/nowhere"}}), 404, "not_found");
  expect_connect_error(rpc("filesystem.Filesystem/GetWatcherEvents", json{{"watcherId", "nope"}}), 404, "not_found");
  expect_connect_error(rpc("filesystem.Filesystem/GetWatcherEvents", json::object()), 400, "invalid_argument");
}

TEST_F(Watch, AnotherSandboxCannotUseAWatcher) {
  auto res = rpc("filesystem.Filesystem/CreateWatcher", json{{"path", "/home/user/w"}});
  const std::string id = json::parse(res->body)["watcherId"];
  const auto other = create_sandbox(json{{"templateID", "base"}, {"timeout", 300}});
  expect_connect_error(rpc("filesystem.Filesystem/GetWatcherEvents", json{{"watcherId", id}}, other), 404, "not_found");
}

}  // namespace
}  // namespace envd_test
