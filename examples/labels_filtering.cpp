// Labels and filtering: create a labelled sandbox, then list by status and label.
#include <iostream>

#include <ppio_sandbox/prime_compatible.hpp>

namespace prime = ppio_sandbox::prime_compatible;

int main() {
  try {
    prime::SandboxClient sandbox_client{prime::APIClient()};

    // Create with labels
    const prime::Sandbox sandbox = sandbox_client.create({
        .name = "labeled-sandbox",
        .docker_image = "python:3.11-slim",
        .labels = {"experiment", "ml-training"},
    });

    // List with filters
    const prime::SandboxListResponse sandboxes = sandbox_client.list({
        .status = prime::SandboxStatus::RUNNING,
        .labels = {"experiment"},
        .page = 1,
        .per_page = 50,
    });

    for (const prime::Sandbox& s : sandboxes.sandboxes) std::cout << s.name << ": " << s.status << "\n";
    std::cout << sandboxes.sandboxes.size() << " sandbox(es) on page " << sandboxes.page
              << (sandboxes.has_next ? ", more follow" : "") << "\n";

    sandbox_client.delete_(sandbox.id);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
