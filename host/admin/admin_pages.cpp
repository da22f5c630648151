#include "admin/admin_pages.hpp"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "control/xml_text.hpp"

namespace agenthost::admin {
namespace {

// Wall-clock time of a moment given in host milliseconds (since start-up began).
std::string wall_clock(const runtime::HostSnapshot& s, runtime::HostMillis at) {
  const auto now = std::chrono::system_clock::now();
  const auto then = now - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                              std::chrono::duration<double, std::milli>(s.uptime_ms - at));
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z",
                     std::chrono::floor<std::chrono::milliseconds>(then));
}

std::string seconds_text(double ms) {
  if (ms < 1000) return fmt::format("{:.0f} ms", ms);
  if (ms < 120'000) return fmt::format("{:.1f} s", ms / 1000);
  if (ms < 7'200'000) return fmt::format("{:.0f} min", ms / 60'000);
  return fmt::format("{:.1f} h", ms / 3'600'000);
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,sans-serif;margin:1.5em;color:#1d2630;background:#fff}
h1{font-size:1.3em;margin:0 0 .2em}
p.summary{margin:.2em 0 1em;color:#45505c}
table{border-collapse:collapse;font-size:.85em;margin-bottom:1.5em}
th,td{padding:.25em .7em;border-bottom:1px solid #e3e7eb;text-align:left;vertical-align:top}
th{background:#f3f5f7;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.state,.health{font-weight:600;border-radius:3px;padding:0 .4em}
.ready,.healthy{color:#0b6b2e;background:#e3f5e9}
.degraded,.starting,.loaded,.configured,.pending,.stopping{color:#7a5200;background:#fdf2d8}
.failed,.blocked,.unhealthy,.stopped{color:#9b1c1c;background:#fde5e5}
.why{color:#45505c;max-width:40em}
)";

}  // namespace

Page readyz(const runtime::HostSnapshot& s) {
  std::string not_ready;
  for (const auto& a : s.agents) {
    if (a.state == runtime::AgentState::ready) continue;
    not_ready += fmt::format("{}: {}{}{}\n", a.name, runtime::to_string(a.state),
                             a.reason.empty() ? "" : ": ", a.reason);
  }
  if (!s.startup_finished) not_ready = "start-up has not finished\n" + not_ready;
  if (not_ready.empty())
    return {200, "text/plain; charset=utf-8", fmt::format("ready: {} agents\n", s.agents.size())};
  return {503, "text/plain; charset=utf-8", "not ready:\n" + not_ready};
}

Page health_json(const runtime::HostSnapshot& s) {
  nlohmann::json agents = nlohmann::json::array();
  for (const auto& a : s.agents) {
    nlohmann::json agent = {{"name", a.name},
                            {"machine", a.machine},
                            {"state", runtime::to_string(a.state)},
                            {"health", to_string(a.health)},
                            {"detail", a.health_detail},
                            {"reason", a.reason},
                            {"since_ms", a.state_since},
                            {"since", wall_clock(s, a.state_since)},
                            {"restarts", a.restarts}};
    if (a.health_checked_at) agent["health_checked"] = wall_clock(s, *a.health_checked_at);
    agents.push_back(std::move(agent));
  }
  nlohmann::json body = {{"host", s.host_name},
                         {"version", s.version},
                         {"pid", s.pid},
                         {"uptime_ms", s.uptime_ms},
                         {"startup_finished", s.startup_finished},
                         {"agents", std::move(agents)}};
  if (s.startup_completed_at) body["startup_ms"] = *s.startup_completed_at;
  return {200, "application/json",
          body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"};
}

Page status_html(const runtime::HostSnapshot& s, const std::string& startup_file_svg) {
  // Inline in HTML, an SVG file's XML declaration is not allowed: keep from <svg on.
  const auto svg_at = startup_file_svg.find("<svg");
  const std::string startup_svg =
      svg_at == std::string::npos ? startup_file_svg : startup_file_svg.substr(svg_at);
  std::size_t ready = 0, unhealthy = 0;
  for (const auto& a : s.agents) {
    ready += a.state == runtime::AgentState::ready;
    unhealthy += a.state == runtime::AgentState::ready && a.health != HealthStatus::healthy;
  }
  std::string rows;
  for (const auto& a : s.agents) {
    const auto state = runtime::to_string(a.state);
    const auto health = a.state == runtime::AgentState::ready ? to_string(a.health) : "";
    const std::string why = !a.reason.empty() ? a.reason : a.health_detail;
    rows += fmt::format(
        "<tr><td>{}</td><td>{}</td><td><span class=\"state {}\">{}</span></td>"
        "<td><span class=\"health {}\">{}</span></td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"why\">{}</td></tr>\n",
        control::xml_escape(a.name), control::xml_escape(a.machine), state, state, health, health,
        seconds_text(s.uptime_ms - a.state_since), a.restarts, control::xml_escape(why));
  }
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"refresh\" content=\"5\">"
      "<title>agenthost {} — {} of {} ready</title><style>{}</style></head><body>\n"
      "<h1>agenthost on {}</h1>\n"
      "<p class=\"summary\">version {} · pid {} · up {} · <b>{} of {} agents ready</b>{}{}</p>\n"
      "<table id=\"agents\"><thead><tr><th>agent</th><th>machine</th><th>state</th><th>health</th>"
      "<th>for</th><th>restarts</th><th>detail</th></tr></thead><tbody>\n{}</tbody></table>\n"
      "<h2 style=\"font-size:1.1em\">Start-up</h2>\n<div id=\"startup\">{}</div>\n"
      "<p class=\"summary\">Also: <a href=\"/health\">/health</a> (JSON) · "
      "<a href=\"/readyz\">/readyz</a> · <a href=\"/metrics\">/metrics</a></p>\n"
      "</body></html>\n",
      control::xml_escape(s.host_name), ready, s.agents.size(), kStyle, control::xml_escape(s.host_name),
      control::xml_escape(s.version), s.pid, seconds_text(s.uptime_ms), ready, s.agents.size(),
      unhealthy ? fmt::format(" · {} not healthy", unhealthy) : std::string(),
      s.startup_completed_at ? fmt::format(" · started in {}", seconds_text(*s.startup_completed_at))
                             : std::string(" · starting"),
      rows, startup_svg);
  return {200, "text/html; charset=utf-8", std::move(html)};
}

}  // namespace agenthost::admin
