#include "mockserver/faults/latency.hpp"

#include <cmath>
#include <stdexcept>

namespace ppio_mock::faults {

namespace {

double number(const nlohmann::json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_number()) throw std::invalid_argument(std::string("latency needs a number '") + field + "'");
  const double v = it->get<double>();
  if (v < 0 || !std::isfinite(v)) throw std::invalid_argument(std::string("latency '") + field + "' must be >= 0");
  return v;
}

}  // namespace

double LatencyDistribution::sample_ms(std::mt19937_64& rng) const {
  double v = 0;
  switch (kind) {
    case Kind::fixed: v = a; break;
    case Kind::uniform: v = std::uniform_real_distribution<double>(a, b)(rng); break;
    case Kind::normal: v = std::normal_distribution<double>(a, b)(rng); break;
    case Kind::lognormal: v = std::lognormal_distribution<double>(std::log(a), b)(rng); break;
    case Kind::pareto: {
      // Inverse CDF: scale / U^(1/shape), U in (0, 1].
      const double u = 1.0 - std::uniform_real_distribution<double>(0.0, 1.0)(rng);
      v = a / std::pow(u, 1.0 / b);
      break;
    }
  }
  return std::max(0.0, v);
}

double LatencyDistribution::median_ms() const {
  switch (kind) {
    case Kind::fixed: return a;
    case Kind::uniform: return (a + b) / 2;
    case Kind::normal: return std::max(0.0, a);
    case Kind::lognormal: return a;
    case Kind::pareto: return a * std::pow(2.0, 1.0 / b);
  }
  return a;
}

LatencyDistribution latency_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("latency must be an object");
  const auto distribution = j.find("distribution");
  if (distribution != j.end() && !distribution->is_string()) {
    throw std::invalid_argument("latency distribution must be a string");
  }
  const std::string kind = distribution == j.end() ? "fixed" : distribution->get<std::string>();
  LatencyDistribution d;
  if (kind == "fixed") d = {LatencyDistribution::Kind::fixed, number(j, "ms"), 0};
  else if (kind == "uniform") d = {LatencyDistribution::Kind::uniform, number(j, "min_ms"), number(j, "max_ms")};
  else if (kind == "normal") d = {LatencyDistribution::Kind::normal, number(j, "mean_ms"), number(j, "stddev_ms")};
  else if (kind == "lognormal") d = {LatencyDistribution::Kind::lognormal, number(j, "median_ms"), number(j, "sigma")};
  else if (kind == "pareto") d = {LatencyDistribution::Kind::pareto, number(j, "scale_ms"), number(j, "shape")};
  else throw std::invalid_argument("unknown latency distribution '" + kind + "'");
  if (d.kind == LatencyDistribution::Kind::uniform && d.b < d.a) throw std::invalid_argument("uniform latency needs min_ms <= max_ms");
  if (d.kind == LatencyDistribution::Kind::lognormal && d.a <= 0) throw std::invalid_argument("lognormal latency needs median_ms > 0");
  if (d.kind == LatencyDistribution::Kind::pareto && (d.a <= 0 || d.b <= 0)) {
    throw std::invalid_argument("pareto latency needs scale_ms > 0 and shape > 0");
  }
  return d;
}

nlohmann::json to_json(const LatencyDistribution& d) {
  using K = LatencyDistribution::Kind;
  switch (d.kind) {
    case K::fixed: return {{"distribution", "fixed"}, {"ms", d.a}};
    case K::uniform: return {{"distribution", "uniform"}, {"min_ms", d.a}, {"max_ms", d.b}};
    case K::normal: return {{"distribution", "normal"}, {"mean_ms", d.a}, {"stddev_ms", d.b}};
    case K::lognormal: return {{"distribution", "lognormal"}, {"median_ms", d.a}, {"sigma", d.b}};
    case K::pareto: return {{"distribution", "pareto"}, {"scale_ms", d.a}, {"shape", d.b}};
  }
  return {};
}

}  // namespace ppio_mock::faults
