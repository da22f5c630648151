#include "control/startup_svg.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "control/startup_report.hpp"
#include "control/table_format.hpp"
#include "control/time_axis.hpp"
#include "control/xml_text.hpp"

namespace agenthost::control {
namespace {

using runtime::AgentSnapshot;
using runtime::AgentState;
using runtime::HostMillis;
using runtime::HostSnapshot;

// Layout in px. The name column holds kNameChars characters of the 11 px font; the gap right
// of the plot holds each row's duration or failure note.
constexpr double kWidth = 1200;
constexpr double kPlotLeft = 250;
constexpr double kPlotRight = 1080;
constexpr double kRowsTop = 98;
constexpr double kRowHeight = 17;
constexpr double kBarHeight = 11;
constexpr double kCharWidth = 6.2;  // average advance of an 11 px sans-serif character
constexpr std::size_t kNameChars = 38;
constexpr int kMaxTicks = 12;

// The bar colours are ColorBrewer's Set2: apart for the common colour-vision deficiencies.
constexpr std::string_view kStyle = R"(
text { font-family: sans-serif; font-size: 11px; fill: #222; }
.heading { font-size: 15px; font-weight: bold; }
.name { text-anchor: end; }
.chain-name { font-weight: bold; }
.tick { text-anchor: middle; fill: #666; }
.grid { stroke: #ddd; stroke-width: 1; }
.band { fill: #f4f4f4; }
.chain-band { fill: #fff1c1; }
.load { fill: #8da0cb; }
.configure { fill: #fc8d62; }
.start { fill: #66c2a5; }
rect.chain { stroke: #222; stroke-width: 1.5; }
.unfinished { fill-opacity: 0.45; stroke: #888; stroke-dasharray: 2 2; }
.failed-mark { stroke: #d62728; stroke-width: 2; fill: none; }
.blocked-mark { stroke: #777; stroke-width: 1.5; fill: none; }
.failed-note { fill: #d62728; }
.blocked-note { fill: #666; }
)";

// One phase of one agent as drawn. `finished` is false for the phase an agent failed in or
// is still in: it is drawn up to the failure or to the snapshot.
struct Bar {
  std::string_view phase;  // "load", "configure" or "start": the CSS class
  HostMillis begin = 0;
  HostMillis end = 0;
  bool finished = true;
};

bool is_not_started(const AgentSnapshot& agent) {
  return agent.state == AgentState::failed || agent.state == AgentState::blocked;
}

bool is_on_its_way(AgentState state) {
  return state == AgentState::pending || state == AgentState::loaded ||
         state == AgentState::configured || state == AgentState::starting;
}

std::vector<Bar> bars_of(const HostSnapshot& snapshot, const AgentSnapshot& agent) {
  const auto& t = agent.timings;
  const std::array<std::pair<std::string_view, std::array<std::optional<HostMillis>, 2>>, 3>
      phases{{{"load", {t.load_begin, t.configure_begin}},
              {"configure", {t.configure_begin, t.start_begin}},
              {"start", {t.start_begin, t.ready_at}}}};
  std::optional<HostMillis> open_end;
  if (agent.state == AgentState::failed) open_end = agent.state_since;
  if (is_on_its_way(agent.state)) open_end = snapshot.uptime_ms;

  std::vector<Bar> bars;
  for (const auto& [phase, span] : phases) {
    const auto& [begin, end] = span;
    if (!begin) continue;
    if (end) bars.push_back({phase, *begin, std::max(*begin, *end), true});
    else if (open_end) bars.push_back({phase, *begin, std::max(*begin, *open_end), false});
  }
  return bars;
}

// Every bar and the end of start-up fit; a snapshot with no bar at all still shows its
// failed and blocked marks.
HostMillis chart_span(const HostSnapshot& snapshot) {
  HostMillis span = snapshot.startup_completed_at.value_or(0);
  for (const auto& agent : snapshot.agents)
    for (const auto& bar : bars_of(snapshot, agent)) span = std::max(span, bar.end);
  if (span > 0) return span;
  for (const auto& agent : snapshot.agents)
    if (is_not_started(agent)) span = std::max(span, agent.state_since);
  return span;
}

// Rows by load_begin, then name; agents that never got a start slot last, by name.
std::vector<const AgentSnapshot*> rows_in_order(const HostSnapshot& snapshot) {
  std::vector<const AgentSnapshot*> rows;
  for (const auto& agent : snapshot.agents) rows.push_back(&agent);
  std::sort(rows.begin(), rows.end(), [](const AgentSnapshot* a, const AgentSnapshot* b) {
    const auto& la = a->timings.load_begin;
    const auto& lb = b->timings.load_begin;
    if (la.has_value() != lb.has_value()) return la.has_value();
    if (la && *la != *lb) return *la < *lb;
    return a->name < b->name;
  });
  return rows;
}

bool nothing_to_draw(const HostSnapshot& snapshot) {
  return std::none_of(snapshot.agents.begin(), snapshot.agents.end(), [](const auto& agent) {
    return agent.timings.load_begin.has_value() || is_not_started(agent);
  });
}

std::string heading(const HostSnapshot& snapshot) {
  const std::string title =
      snapshot.host_name.empty() ? "Start-up" : "Start-up of " + snapshot.host_name;
  if (snapshot.startup_completed_at)
    return fmt::format("{}: {}", title, format_duration(*snapshot.startup_completed_at));
  return fmt::format("{}: still running after {}", title, format_duration(snapshot.uptime_ms));
}

std::string state_counts(const HostSnapshot& snapshot) {
  auto count = [&](AgentState state) {
    return std::count_if(snapshot.agents.begin(), snapshot.agents.end(),
                         [state](const auto& agent) { return agent.state == state; });
  };
  return fmt::format("{} agents: {} ready, {} failed, {} blocked; times since host start",
                     snapshot.agents.size(), count(AgentState::ready), count(AgentState::failed),
                     count(AgentState::blocked));
}

std::string chain_line(const std::vector<ChainLink>& chain) {
  if (chain.empty()) return "Critical chain: no agent has become ready";
  std::string names;
  for (auto link = chain.rbegin(); link != chain.rend(); ++link)
    names += (names.empty() ? "" : " \u2192 ") + link->name;
  return ellipsize("Critical chain (outlined): " + names, 185);
}

class StartupChart {
 public:
  explicit StartupChart(const HostSnapshot& snapshot)
      : snapshot_(snapshot), axis_(time_axis_for(chart_span(snapshot), kMaxTicks)) {
    for (const auto& link : critical_chain(snapshot)) chain_.insert(link.name);
  }

  std::string render() {
    const auto rows = rows_in_order(snapshot_);
    const double rows_bottom = kRowsTop + kRowHeight * static_cast<double>(rows.size());
    open(rows_bottom + 22);
    text(8, 22, "heading", heading(snapshot_));
    text(8, 40, "", state_counts(snapshot_));
    text(8, 56, "", chain_line(critical_chain(snapshot_)));
    legend(72);
    for (std::size_t i = 0; i < rows.size(); ++i) band(i, *rows[i]);
    axis(rows_bottom);
    for (std::size_t i = 0; i < rows.size(); ++i) row(kRowsTop + kRowHeight * i, *rows[i]);
    out_ += "</svg>\n";
    return std::move(out_);
  }

 private:
  double x_of(HostMillis ms) const {
    return kPlotLeft + std::clamp(ms / axis_.end_ms, 0.0, 1.0) * (kPlotRight - kPlotLeft);
  }
  bool on_chain(const AgentSnapshot& agent) const { return chain_.count(agent.name) > 0; }

  void open(double height) {
    fmt::format_to(std::back_inserter(out_),
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0}\" "
                   "height=\"{1}\" viewBox=\"0 0 {0} {1}\">\n"
                   "<style type=\"text/css\"><![CDATA[{2}]]></style>\n"
                   "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n",
                   kWidth, height, kStyle);
  }

  void text(double x, double y, std::string_view css_class, std::string_view content) {
    fmt::format_to(std::back_inserter(out_), "<text x=\"{:.1f}\" y=\"{:.1f}\"", x, y);
    if (!css_class.empty()) fmt::format_to(std::back_inserter(out_), " class=\"{}\"", css_class);
    fmt::format_to(std::back_inserter(out_), ">{}</text>\n", xml_escape(content));
  }

  void legend(double y) {
    double x = 8;
    auto item = [&](std::string_view label) {
      text(x + 20, y, "", label);
      x += 20 + kCharWidth * static_cast<double>(label.size()) + 18;
    };
    for (auto [phase, label] : {std::pair{"load", "load (dlopen, construct)"},
                                {"configure", "configure()"},
                                {"start", "start() until ready"}}) {
      fmt::format_to(std::back_inserter(out_),
                     "<rect class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"14\" height=\"10\"/>\n",
                     phase, x, y - 9);
      item(label);
    }
    fmt::format_to(std::back_inserter(out_),
                   "<rect class=\"chain-band\" x=\"{0:.1f}\" y=\"{1:.1f}\" width=\"14\" "
                   "height=\"10\"/><rect class=\"start chain\" x=\"{0:.1f}\" y=\"{1:.1f}\" "
                   "width=\"14\" height=\"10\"/>\n",
                   x, y - 9);
    item("critical chain");
    failed_mark(x + 7, y - 4);
    item("failed");
    blocked_mark(x + 7, y - 4);
    item("blocked");
  }

  void band(std::size_t index, const AgentSnapshot& agent) {
    const char* css = on_chain(agent) ? "chain-band" : index % 2 == 1 ? "band" : nullptr;
    if (css == nullptr) return;
    fmt::format_to(std::back_inserter(out_),
                   "<rect class=\"{}\" x=\"0\" y=\"{:.1f}\" width=\"{}\" height=\"{}\"/>\n", css,
                   kRowsTop + kRowHeight * static_cast<double>(index), kWidth, kRowHeight);
  }

  void axis(double rows_bottom) {
    for (HostMillis at = 0; at <= axis_.end_ms + axis_.step_ms / 2; at += axis_.step_ms) {
      const double x = x_of(at);
      fmt::format_to(std::back_inserter(out_),
                     "<line class=\"grid\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" "
                     "y2=\"{2:.1f}\"/>\n",
                     x, kRowsTop, rows_bottom);
      const std::string label = tick_label(at, axis_);
      text(x, kRowsTop - 5, "tick", label);
      text(x, rows_bottom + 13, "tick", label);
    }
  }

  void failed_mark(double x, double y) {
    fmt::format_to(std::back_inserter(out_),
                   "<path class=\"failed-mark\" d=\"M{0:.1f} {1:.1f}L{2:.1f} {3:.1f}M{0:.1f} "
                   "{3:.1f}L{2:.1f} {1:.1f}\"/>\n",
                   x - 4, y - 4, x + 4, y + 4);
  }
  void blocked_mark(double x, double y) {
    fmt::format_to(std::back_inserter(out_),
                   "<circle class=\"blocked-mark\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\"/>\n", x, y);
  }

  std::string tooltip(const AgentSnapshot& agent, const std::vector<Bar>& bars) const {
    std::string out = fmt::format("{} ({})", agent.name, runtime::to_string(agent.state));
    if (is_not_started(agent)) out += ": " + not_started_reason(agent);
    for (const auto& bar : bars)
      out += fmt::format("{} {} {}", &bar == &bars.front() ? ";" : ",", bar.phase,
                         format_duration(bar.end - bar.begin));
    if (agent.timings.ready_at) out += "; ready at " + format_duration(*agent.timings.ready_at);
    if (on_chain(agent)) out += "; on the critical chain";
    return out;
  }

  // What follows the bars: the agent's own start time, or why it did not start.
  std::string note(const AgentSnapshot& agent) const {
    const auto& t = agent.timings;
    if (is_not_started(agent))
      return fmt::format("{}: {}", runtime::to_string(agent.state), not_started_reason(agent));
    if (t.load_begin && t.ready_at) return format_duration(*t.ready_at - *t.load_begin);
    return fmt::format("{}\u2026", runtime::to_string(agent.state));
  }

  void row(double top, const AgentSnapshot& agent) {
    const auto bars = bars_of(snapshot_, agent);
    const bool chain = on_chain(agent);
    const std::string_view state = runtime::to_string(agent.state);
    fmt::format_to(std::back_inserter(out_), "<g class=\"agent {}{}\">\n<title>{}</title>\n",
                   state, chain ? " chain" : "", xml_escape(tooltip(agent, bars)));
    text(kPlotLeft - 8, top + 12.5, chain ? "name chain-name" : "name",
         ellipsize(agent.name, kNameChars));

    double end_x = kPlotLeft;
    for (const auto& bar : bars) {
      const double x = x_of(bar.begin);
      const double width = std::max(x_of(bar.end) - x, 0.75);  // a 0.1 ms phase stays visible
      fmt::format_to(std::back_inserter(out_),
                     "<rect class=\"{}{}{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.2f}\" "
                     "height=\"{}\"><title>{} {}: {} (from {} to {})</title></rect>\n",
                     bar.phase, chain ? " chain" : "", bar.finished ? "" : " unfinished", x,
                     top + (kRowHeight - kBarHeight) / 2, width, kBarHeight,
                     xml_escape(agent.name), bar.phase, format_duration(bar.end - bar.begin),
                     format_duration(bar.begin), format_duration(bar.end));
      end_x = std::max(end_x, x + width);
    }
    if (is_not_started(agent)) {
      const double mark_x = std::max(x_of(agent.state_since), end_x + 4);
      if (agent.state == AgentState::failed) failed_mark(mark_x, top + kRowHeight / 2);
      else blocked_mark(mark_x, top + kRowHeight / 2);
      end_x = mark_x + 4;
    }

    const double note_x = end_x + 6;
    const auto room = static_cast<std::size_t>(std::max(0.0, (kWidth - 8 - note_x) / kCharWidth));
    const char* note_class = agent.state == AgentState::failed    ? "failed-note"
                             : agent.state == AgentState::blocked ? "blocked-note"
                                                                  : "";
    text(note_x, top + 12.5, note_class, ellipsize(note(agent), room));
    out_ += "</g>\n";
  }

  const HostSnapshot& snapshot_;
  const TimeAxis axis_;
  std::unordered_set<std::string> chain_;
  std::string out_;
};

std::string nothing_started_svg(const HostSnapshot& snapshot) {
  const std::string why =
      snapshot.agents.empty()
          ? "Nothing started: no agents are configured for this host."
          : fmt::format("Nothing has started yet: none of the {} agents has begun loading.",
                        snapshot.agents.size());
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"600\" height=\"60\" "
      "viewBox=\"0 0 600 60\">\n"
      "<style type=\"text/css\"><![CDATA[{}]]></style>\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
      "<text x=\"8\" y=\"22\" class=\"heading\">{}</text>\n"
      "<text x=\"8\" y=\"44\">{}</text>\n"
      "</svg>\n",
      kStyle, xml_escape(heading(snapshot)), xml_escape(why));
}

}  // namespace

std::string startup_svg(const HostSnapshot& snapshot) {
  if (nothing_to_draw(snapshot)) return nothing_started_svg(snapshot);
  return StartupChart(snapshot).render();
}

}  // namespace agenthost::control
