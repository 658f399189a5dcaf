#pragma once
// Carrying a fault decision out on cpp-httplib's request and response.
#include <httplib.h>

#include "mockserver/faults/engine.hpp"

namespace ppio_mock::faults {

// The decision on the request this thread serves: made before routing, completed
// by envd once a Process.Start's command is known, read when the journal records it.
Decision& current_decision();

// Before routing: latency, then the actions that replace the answer (error,
// rate_limit, reset before the response, hang). True when the request must
// not be routed: it has been answered, or it is to be dropped after routing.
// An error answered while the request's body is unread (`body_read` false)
// closes the connection after it, so that body is never read as a request.
bool apply_before_routing(const Decision& decision, const httplib::Request& req, httplib::Response& res,
                          bool body_read);

// After routing, before the answer is written, once the journal has the
// request (so a client that saw the drop finds it there): the actions that
// drop the connection (reset before the response, hang until the client
// gives up) and those that corrupt the body (slow_body, reset mid_body).
// Streams are left alone: envd carries out the stream actions itself, frame by frame.
void apply_after_routing(const Decision& decision, const httplib::Request& req, httplib::Response& res);

// Closes the request's connection at once. httplib does not expose the
// socket, so it is found among the process's descriptors by its two ports.
bool drop_connection(const httplib::Request& req);

}  // namespace ppio_mock::faults
