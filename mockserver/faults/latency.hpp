#pragma once
// Latency drawn from a distribution, in milliseconds. Parameters are named as
// in scenario files: fixed {ms}; uniform {min_ms, max_ms}; normal {mean_ms,
// stddev_ms}; lognormal {median_ms, sigma}; pareto {scale_ms, shape}.
#include <random>
#include <string>

#include <nlohmann/json.hpp>

namespace ppio_mock::faults {

struct LatencyDistribution {
  enum class Kind { fixed, uniform, normal, lognormal, pareto };
  Kind kind = Kind::fixed;
  double a = 0;  // ms | min_ms | mean_ms | median_ms | scale_ms
  double b = 0;  // -  | max_ms | stddev_ms | sigma   | shape

  // Never negative.
  double sample_ms(std::mt19937_64& rng) const;
  // The distribution's median, for checking samples against the configuration.
  double median_ms() const;
};

// Throws std::invalid_argument naming the bad field.
LatencyDistribution latency_from_json(const nlohmann::json& j);
nlohmann::json to_json(const LatencyDistribution& d);

}  // namespace ppio_mock::faults
