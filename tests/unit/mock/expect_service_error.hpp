#pragma once
// The fake's error shape, as every route test checks it: the status, and a
// body {"code": status, "message": "<non-empty>"}.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

inline void expect_service_error(const httplib::Result& res, int status, const std::string& what = "") {
  ASSERT_TRUE(res) << what;
  EXPECT_EQ(res->status, status) << what << ": " << res->body;
  const auto body = nlohmann::json::parse(res->body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << what << ": " << res->body;
  EXPECT_EQ(body["code"], status) << what;
  EXPECT_TRUE(body["message"].is_string() && !body["message"].get<std::string>().empty()) << what << ": " << res->body;
}
