#include <deque>

#include "mockserver/envd/process/process_service.hpp"
#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_mock::envd {

using nlohmann::json;
using ppio_sandbox::core::connect::Code;
using exec::FsError;
namespace connect = ppio_sandbox::core::connect;
namespace models = ppio_sandbox::core::envd;

namespace {

class ProcessSource : public StreamSource {
 public:
  explicit ProcessSource(std::shared_ptr<exec::Subscription> subscription) : subscription_(std::move(subscription)) {}
  bool wait(std::vector<json>& messages, std::chrono::milliseconds timeout) override {
    std::deque<models::ProcessEvent> events;
    const bool done = subscription_->wait(events, timeout);
    for (const auto& event : events) messages.push_back(models::process_stream_message(event));
    return done;
  }
  std::optional<connect::Error> end_error() const override { return subscription_->end_error(); }
  json keepalive() const override { return models::process_stream_message(models::KeepaliveEvent{}); }

 private:
  std::shared_ptr<exec::Subscription> subscription_;
};

}  // namespace

std::shared_ptr<StreamSource> process_events(std::shared_ptr<exec::Subscription> subscription) {
  return std::make_shared<ProcessSource>(std::move(subscription));
}

std::string command_line(const models::ProcessConfig& process) {
  std::string line = process.cmd;
  for (const auto& arg : process.args) line += " " + arg;
  return line;
}

models::ProcessSelector selector_of(const json& body) {
  const auto* process = ppio_sandbox::core::json_fields::find(body, {"process"});
  if (process == nullptr || !process->is_object()) throw FsError(Code::invalid_argument, "process selector is required");
  auto selector = process->get<models::ProcessSelector>();
  if (!selector.pid && !selector.tag) throw FsError(Code::invalid_argument, "process selector needs a pid or a tag");
  return selector;
}

}  // namespace ppio_mock::envd
