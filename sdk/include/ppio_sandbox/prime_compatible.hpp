#pragma once
// The Prime Sandboxes interface on PPIO: include this one header.
#include "ppio_sandbox/prime_compatible/api_client.hpp"
#include "ppio_sandbox/prime_compatible/async_sandbox_client.hpp"
#include "ppio_sandbox/prime_compatible/config.hpp"
#include "ppio_sandbox/prime_compatible/errors.hpp"
#include "ppio_sandbox/prime_compatible/models.hpp"
#include "ppio_sandbox/prime_compatible/sandbox_client.hpp"
#include "ppio_sandbox/prime_compatible/sandbox_process.hpp"
