// Async usage: every AsyncSandboxClient method returns a std::future, and the
// work runs on the client's own bounded pool. Closing is RAII.
#include <future>
#include <iostream>
#include <vector>

#include <ppio_sandbox/prime_compatible.hpp>

namespace prime = ppio_sandbox::prime_compatible;

int main() {
  try {
    prime::AsyncSandboxClient client;  // key from PPIO_API_KEY

    // Create sandbox
    const prime::Sandbox sandbox =
        client.create({.name = "async-sandbox", .docker_image = "python:3.11-slim"}).get();

    // Wait and execute
    client.wait_for_creation(sandbox.id).get();
    const prime::CommandResponse result = client.execute_command(sandbox.id, "echo 'Hello from async!'").get();
    std::cout << result.stdout;

    // Several commands at once: start them all, then collect the answers.
    std::vector<std::future<prime::CommandResponse>> runs;
    for (int i = 1; i <= 3; ++i) {
      runs.push_back(client.execute_command(sandbox.id, "echo task $N", {.env = {{"N", std::to_string(i)}}}));
    }
    for (auto& run : runs) std::cout << run.get().stdout;

    // Clean up
    client.delete_(sandbox.id).get();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
