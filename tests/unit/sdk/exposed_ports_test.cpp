// Ports: the models' JSON, the host a port is routed at, and expose's checks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mock_transport.hpp"
#include "ppio_sandbox/prime_compatible.hpp"
#include "ppio_sandbox/prime_compatible/mapping.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;
namespace mapping = ppio_sandbox::prime_compatible::mapping;
using nlohmann::json;
using sdk_test::MockTransport;
using ::testing::_;
using ::testing::HasSubstr;

namespace {

TEST(PortModels, ThePortHostIsTheOneE2bsGetHostBuilds) {
  EXPECT_EQ(mapping::port_host(8080, "iabc", "sandbox.ppio.cn"), "8080-iabc.sandbox.ppio.cn");
  EXPECT_EQ(mapping::port_host(3000, "iabc", "fake.test:8443"), "3000-iabc.fake.test:8443");
}

TEST(PortModels, ExposedPortAlwaysWritesNameAndNeedsIt) {
  prime::ExposedPort p{.exposure_id = "exp-1", .sandbox_id = "ia", .port = 8080, .url = "https://8080-ia.d",
                       .tls_socket = "8080-ia.d:443", .protocol = "HTTP"};
  json j = p;
  ASSERT_TRUE(j.contains("name"));
  EXPECT_TRUE(j["name"].is_null());
  EXPECT_TRUE(j["external_port"].is_null());
  EXPECT_EQ(j.get<prime::ExposedPort>(), p);
  j.erase("name");
  EXPECT_THROW(j.get<prime::ExposedPort>(), json::exception);
  p.name = "web";
  const prime::ListExposedPortsResponse list{{p}};
  EXPECT_EQ(json(list).get<prime::ListExposedPortsResponse>(), list);
}

TEST(PortModels, ExposeRequestBodyIsPortAndProtocolPlusAGivenName) {
  EXPECT_EQ(json(prime::ExposePortRequest{.port = 80}), json::parse(R"({"port":80,"protocol":"HTTP"})"));
  EXPECT_EQ(json(prime::ExposePortRequest{.port = 80, .name = "w", .protocol = "TCP"}),
            json::parse(R"({"port":80,"protocol":"TCP","name":"w"})"));
  EXPECT_EQ(json::parse(R"({"port":9})").get<prime::ExposePortRequest>().protocol, "HTTP");
}

class PortsOverMock : public ::testing::Test {
 protected:
  std::shared_ptr<MockTransport> transport_ = std::make_shared<MockTransport>();
  prime::SandboxClient client_{prime::APIClient(prime::ClientOptions{
      .api_key = "sk_test",
      .api_url = "http://api.test",
      .transport = transport_,
      .retry = {.max_attempts = 1},
      .clock = std::make_shared<core::ManualClock>()})};
};

TEST_F(PortsOverMock, ExposeChecksPortAndProtocolBeforeAnyRequest) {
  EXPECT_CALL(*transport_, send(_)).Times(0);
  for (int port : {0, -1, 65536}) {
    try {
      client_.expose("ia", port);
      FAIL() << port;
    } catch (const std::invalid_argument& e) {
      EXPECT_STREQ(e.what(), "port must be between 1 and 65535");
    }
  }
  try {
    client_.expose("ia", 8080, std::nullopt, "tcp");
    FAIL() << "TCP accepted";
  } catch (const prime::APIError& e) {
    EXPECT_THAT(e.what(), HasSubstr("TCP port exposure is not supported on PPIO"));
  }
  EXPECT_THROW(client_.expose("ia", 8080, std::nullopt, "UDP"), std::invalid_argument);
}

}  // namespace
