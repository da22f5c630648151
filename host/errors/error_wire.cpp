#include "errors/error_wire.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace agenthost::errors {

std::string encode_batch(const ErrorBatch& batch) {
  nlohmann::json events = nlohmann::json::array();
  for (const auto& event : batch.events) events.push_back(to_json(event));
  return nlohmann::json{{"machine", batch.machine}, {"boot", batch.boot}, {"dropped", batch.dropped},
                        {"events", std::move(events)}}
      .dump();
}

ErrorBatch decode_batch(std::string_view text) {
  try {
    const auto object = nlohmann::json::parse(text);
    ErrorBatch batch;
    batch.machine = object.at("machine").get<std::string>();
    batch.boot = object.at("boot").get<std::string>();
    batch.dropped = object.value("dropped", std::uint64_t{0});
    for (const auto& event : object.at("events")) batch.events.push_back(event_from_json(event));
    return batch;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(fmt::format("malformed error batch: {}", e.what()));
  }
}

std::string encode_ack(std::uint64_t seq) { return nlohmann::json{{"ack", seq}}.dump(); }

std::optional<std::uint64_t> decode_ack(std::string_view text) noexcept {
  try {
    return nlohmann::json::parse(text).at("ack").get<std::uint64_t>();
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace agenthost::errors
