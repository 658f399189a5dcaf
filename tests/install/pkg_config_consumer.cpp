// A program outside the toolkit, built with nothing but
//   g++ pkg_config_consumer.cpp $(pkg-config --cflags --libs ppio_sandbox)
// It runs one command in a sandbox and checks what came back. Endpoints and
// key come from PPIO_API_URL, PPIO_SANDBOX_URL and PPIO_API_KEY.
//   pkg_config_consumer            the round trip against a server
//   pkg_config_consumer --version  only the version the headers were built with
#include <cstring>
#include <iostream>

#include <ppio_sandbox/prime_compatible.hpp>
#include <ppio_sandbox/version.hpp>

namespace prime = ppio_sandbox::prime_compatible;

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--version") == 0) {
    std::cout << "ppio_sandbox " << ppio_sandbox::kVersion << "\n";
    return 0;
  }
  try {
    prime::SandboxClient client{prime::APIClient{}};
    const auto sandbox =
        client.create({.name = "pkg-config-consumer", .docker_image = "python:3.11-slim", .labels = {"install-test"}});
    client.wait_for_creation(sandbox.id);
    const auto result = client.execute_command(sandbox.id, "echo consumer-$((6 * 7))");
    client.delete_(sandbox.id);
    if (result.exit_code != 0 || result.stdout != "consumer-42\n") {
      std::cerr << "unexpected result: exit " << result.exit_code << ", stdout '" << result.stdout << "'\n";
      return 1;
    }
    std::cout << "round trip: " << result.stdout;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
