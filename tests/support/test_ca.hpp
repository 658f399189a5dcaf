#pragma once
// Throw-away TLS material for tests of the fake's real-like HTTPS mode, made
// at test time by tests/support/make_test_ca.sh (the openssl program) in a
// temporary directory that is removed with the object.
#include <string>

namespace ppio_test {

class TestCa {
 public:
  // A CA, and a server certificate it signed for api.<domain>, *.<domain> and
  // 127.0.0.1. `domain` has no port. Throws std::runtime_error when openssl fails.
  explicit TestCa(const std::string& domain);
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  std::string ca_file() const { return dir_ + "/ca.crt"; }        // what clients trust
  std::string cert_file() const { return dir_ + "/server.crt"; }  // ServerConfig::tls_cert_file
  std::string key_file() const { return dir_ + "/server.key"; }   // ServerConfig::tls_key_file
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// A TCP port on 127.0.0.1 that nothing listened on a moment ago, for a server
// whose port must be known before it starts (its domain names the port).
int unused_loopback_port();

}  // namespace ppio_test
