#pragma once
// An agent's own Prometheus metrics (API 1.2). They are served with the host's at /metrics
// on the admin listener, and every series carries the label agent="NAME" — the agent never
// sets it. The types are prometheus-cpp's (Debian's prometheus-cpp-dev), which the host has
// loaded: a plugin links the headers and the host's library.
//
// Threads: any. Ownership: the host owns every family and series; the references stay valid
// for the agent's whole life (until after its destructor). Hold them: looking a series up
// costs ~0.2 us, incrementing a held Counter& ~12 ns.
//
// Names follow Prometheus' rules ([a-zA-Z_:][a-zA-Z0-9_:]*). Agents share families by name:
// two agents asking for "model_tokens_total" get one family with two `agent` values, so the
// same name must mean the same type and help everywhere. Names starting with "agenthost_",
// and the host's own agent_* families, are reserved.

#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/labels.h>

namespace agenthost {

class Metrics {
 public:
  virtual ~Metrics() = default;

  // The series of family `name` with these labels (plus agent=NAME), created on first use.
  // Throws std::invalid_argument for an invalid or reserved name, a label named "agent",
  // or a name already used with another type or help text.
  virtual prometheus::Counter& counter(const std::string& name, const std::string& help,
                                       const prometheus::Labels& labels = {}) = 0;
  virtual prometheus::Gauge& gauge(const std::string& name, const std::string& help,
                                   const prometheus::Labels& labels = {}) = 0;
  // `buckets` are the upper bounds, ascending; the first call for a series fixes them.
  virtual prometheus::Histogram& histogram(const std::string& name, const std::string& help,
                                           const prometheus::Histogram::BucketBoundaries& buckets,
                                           const prometheus::Labels& labels = {}) = 0;
};

}  // namespace agenthost
