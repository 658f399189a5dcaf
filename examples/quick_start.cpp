// Quick start: create a sandbox, wait for it, run a command, clean up.
// The key comes from PPIO_API_KEY (then ~/.prime/config.json); PPIO_DOMAIN,
// PPIO_API_URL and PPIO_SANDBOX_URL choose the endpoints.
#include <iostream>

#include <ppio_sandbox/prime_compatible.hpp>

namespace prime = ppio_sandbox::prime_compatible;

int main() {
  try {
    // Initialize (uses the PPIO_API_KEY environment variable)
    prime::APIClient client;
    prime::SandboxClient sandbox_client(client);

    // Create a sandbox
    prime::CreateSandboxRequest request{
        .name = "my-sandbox",
        .docker_image = "python:3.11-slim",  // stored in metadata; the PPIO template is chosen from it
        .cpu_cores = 2,
        .memory_gb = 4,
    };
    const prime::Sandbox sandbox = sandbox_client.create(request);
    std::cout << "Created: " << sandbox.id << "\n";

    // Wait for it to be ready
    sandbox_client.wait_for_creation(sandbox.id);

    // Execute commands
    const prime::CommandResponse result = sandbox_client.execute_command(sandbox.id, "python3 --version");
    std::cout << result.stdout;

    // Clean up
    sandbox_client.delete_(sandbox.id);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
