#!/usr/bin/env python3
"""Generates config/demo/agenthost.yaml and config/demo/expected.txt.

The demo is the seed system (seed/OPTIMIZATION_ROADMAP.md) as one agenthost cluster config:
84 agents, 58 on main_pc and 26 on pc2, 7 start-up levels, initialisation times that add up to
the seed's 168 s sequential start-up. Every agent is the `simulated` plugin, which sleeps for
its init time (times AGENTHOST_DEMO_SCALE) in start().

The agent table below is the single source: edit it and re-run
    python3 scripts/gen_demo_config.py
The output is deterministic (no randomness), and the script refuses to write a graph that
breaks the demo's invariants (counts, levels, the 168 s sum, the critical path range).
"""

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "config" / "demo"

M, P = "main_pc", "pc2"

# (name, machine, init_ms at scale 1, dependencies). Model loaders take seconds; registries,
# monitors and routers a few hundred ms. Dependencies only point at agents listed earlier.
AGENTS = [
    # --- level 0: infrastructure with no dependencies
    ("ServiceRegistry", M, 600, []),
    ("SystemHealthManager", M, 400, []),
    ("PerformanceLoggerAgent", M, 350, []),
    ("ErrorBusService", M, 300, []),
    ("ObservabilityHub", M, 700, []),
    ("ResourceManager", P, 500, []),
    # --- level 1
    ("SystemDigitalTwin", M, 2000, ["ServiceRegistry"]),
    ("HealthMonitor", M, 450, ["SystemHealthManager"]),
    ("RequestCoordinator", M, 900, ["ServiceRegistry", "ErrorBusService"]),
    ("UnifiedSystemAgent", M, 800, ["ServiceRegistry", "SystemHealthManager"]),
    ("GPUResourceMonitor", M, 500, ["PerformanceLoggerAgent"]),
    ("MetricsCollectorAgent", M, 400, ["ObservabilityHub"]),
    ("MemoryClient", M, 350, ["ServiceRegistry"]),
    ("ConfigWatcherAgent", M, 300, ["ErrorBusService"]),
    ("MemoryOrchestratorService", P, 2500, ["ResourceManager", "ServiceRegistry"]),
    ("CacheManager", P, 600, ["ResourceManager"]),
    ("AuthenticationAgent", P, 500, ["ServiceRegistry"]),
    ("TaskScheduler", P, 400, ["ResourceManager"]),
    ("PC2ObservabilityForwarder", P, 300, ["ObservabilityHub"]),
    # --- level 2
    ("ModelManagerAgent", M, 12000, ["SystemDigitalTwin", "GPUResourceMonitor"]),
    ("VRAMOptimizerAgent", M, 2000, ["SystemDigitalTwin", "GPUResourceMonitor"]),
    ("SessionMemoryAgent", M, 900, ["MemoryClient", "SystemDigitalTwin"]),
    ("KnowledgeBase", M, 4000, ["MemoryClient", "SystemDigitalTwin"]),
    ("GoalManager", M, 700, ["RequestCoordinator"]),
    ("AudioCaptureAgent", M, 600, ["SystemDigitalTwin"]),
    ("VisionCaptureAgent", M, 700, ["SystemDigitalTwin"]),
    ("ProactiveAgent", M, 500, ["RequestCoordinator"]),
    ("PredictiveHealthMonitor", M, 800, ["HealthMonitor", "PerformanceLoggerAgent"]),
    ("AlertDispatcherAgent", M, 300, ["HealthMonitor", "MetricsCollectorAgent"]),
    ("TimelineLoggerAgent", M, 400, ["MetricsCollectorAgent", "UnifiedSystemAgent"]),
    ("AsyncProcessor", P, 500, ["TaskScheduler"]),
    ("ContextManager", P, 800, ["MemoryOrchestratorService"]),
    ("UnifiedMemoryReasoningAgent", P, 5000, ["MemoryOrchestratorService", "CacheManager"]),
    ("AgentTrustScorer", P, 400, ["AuthenticationAgent"]),
    ("FileSystemAssistantAgent", P, 400, ["AuthenticationAgent"]),
    ("RemoteConnectorAgent", P, 700, ["AuthenticationAgent", "RequestCoordinator"]),
    # --- level 3
    ("ModelOrchestrator", M, 1500, ["ModelManagerAgent", "RequestCoordinator"]),
    ("FaceRecognitionAgent", M, 9000, ["ModelManagerAgent", "VisionCaptureAgent"]),
    ("StreamingSpeechRecognition", M, 7000, ["ModelManagerAgent", "AudioCaptureAgent"]),
    ("WakeWordDetector", M, 2500, ["AudioCaptureAgent"]),
    ("FusedAudioPreprocessor", M, 1500, ["AudioCaptureAgent"]),
    ("NLUAgent", M, 6000, ["ModelManagerAgent"]),
    ("ChainOfThoughtAgent", M, 7000, ["ModelManagerAgent"]),
    ("TranslationService", M, 8000, ["ModelManagerAgent"]),
    ("EmotionEngine", M, 3000, ["KnowledgeBase"]),
    ("LearningManager", M, 2500, ["KnowledgeBase", "SessionMemoryAgent"]),
    ("MemoryConsolidationAgent", M, 900, ["SessionMemoryAgent", "KnowledgeBase"]),
    ("GoalPlannerAgent", M, 600, ["GoalManager"]),
    ("EmbeddingService", M, 5000, ["ModelManagerAgent"]),
    ("VisionProcessingAgent", P, 7000, ["ModelManagerAgent", "CacheManager"]),
    ("ExperienceTracker", P, 600, ["ContextManager"]),
    ("TieredResponder", P, 2500, ["AsyncProcessor", "RemoteConnectorAgent"]),
    ("ProactiveContextMonitor", P, 500, ["ContextManager"]),
    ("UnifiedWebAgent", P, 2500, ["RemoteConnectorAgent"]),
    ("AdvancedRouter", P, 600, ["RemoteConnectorAgent", "TaskScheduler"]),
    # --- level 4
    ("StreamingInterruptHandler", M, 400, ["StreamingSpeechRecognition"]),
    ("StreamingLanguageAnalyzer", M, 2500, ["StreamingSpeechRecognition", "NLUAgent"]),
    ("IntentionValidatorAgent", M, 700, ["NLUAgent"]),
    ("EmpathyAgent", M, 900, ["EmotionEngine"]),
    ("MoodTrackerAgent", M, 500, ["EmotionEngine"]),
    ("FeedbackHandler", M, 400, ["LearningManager"]),
    ("ActiveLearningMonitor", M, 700, ["LearningManager", "ModelOrchestrator"]),
    ("CodeGenerator", M, 6000, ["ModelOrchestrator"]),
    ("Executor", M, 600, ["ModelOrchestrator"]),
    ("FaceIdentityCache", M, 400, ["FaceRecognitionAgent"]),
    ("TranslationCacheAgent", M, 300, ["TranslationService"]),
    ("RAGRetrieverAgent", M, 3000, ["EmbeddingService", "KnowledgeBase"]),
    ("ReasoningVerifierAgent", M, 3000, ["ChainOfThoughtAgent"]),
    ("DreamWorldAgent", P, 4000, ["UnifiedMemoryReasoningAgent", "VisionProcessingAgent"]),
    ("TutorAgent", P, 3000, ["ExperienceTracker", "NLUAgent"]),
    ("SceneUnderstandingAgent", P, 4500, ["VisionProcessingAgent"]),
    # --- level 5
    ("StreamingTTSAgent", M, 6000, ["StreamingLanguageAnalyzer", "EmpathyAgent"]),
    ("Responder", M, 3000, ["StreamingLanguageAnalyzer", "EmpathyAgent"]),
    ("DynamicIdentityAgent", M, 800, ["MoodTrackerAgent"]),
    ("LearningOrchestrationService", M, 2500, ["ActiveLearningMonitor"]),
    ("HumanAwarenessAgent", M, 2000, ["FaceIdentityCache", "IntentionValidatorAgent"]),
    ("TutoringAgent", P, 1200, ["TutorAgent", "LearningManager"]),
    ("DreamingModeAgent", P, 800, ["DreamWorldAgent"]),
    ("VisualQAAgent", P, 3500, ["SceneUnderstandingAgent", "NLUAgent"]),
    # --- level 6
    ("ConversationManager", M, 800, ["Responder", "StreamingTTSAgent"]),
    ("VoiceProfilingAgent", M, 2050, ["StreamingTTSAgent", "HumanAwarenessAgent"]),
    ("ProactiveSuggestionAgent", M, 500, ["DynamicIdentityAgent", "LearningOrchestrationService"]),
    ("LessonPlannerAgent", P, 700, ["TutoringAgent"]),
    ("SceneNarratorAgent", P, 1500, ["VisualQAAgent", "StreamingTTSAgent"]),
]

EXPECTED = {"agents": 84, M: 58, P: 26, "levels": 7, "sequential_ms": 168000}
CRITICAL_PATH_RANGE_MS = (25000, 35000)
MAX_LEVEL_WIDTH = 32  # host.startup.parallelism below: a level never waits for a start slot
PORT_BASE = {M: 7100, P: 8100}  # the seed's fix: pc2 moved from 7xxx to 8xxx
SCALE_REF = "${AGENTHOST_DEMO_SCALE:-0.01}"


def analyse(agents):
    """Levels, critical path and checks; raises SystemExit on a broken table."""
    index = {}
    level, finish, parent = {}, {}, {}
    for name, machine, init_ms, deps in agents:
        if name in index:
            sys.exit(f"duplicate agent {name}")
        for dep in deps:
            if dep not in index:  # also rules out cycles: deps must come first
                sys.exit(f"{name} depends on {dep}, which is not defined before it")
        index[name] = (machine, init_ms, deps)
        level[name] = 1 + max((level[d] for d in deps), default=-1)
        before = max(deps, key=lambda d: finish[d], default=None)
        finish[name] = init_ms + (finish[before] if before else 0)
        parent[name] = before
    end = max(finish, key=finish.get)
    path = [end]
    while parent[path[-1]]:
        path.append(parent[path[-1]])
    return level, finish[end], list(reversed(path))


def check(agents, level, critical_ms):
    counts = {M: 0, P: 0}
    for _, machine, _, _ in agents:
        counts[machine] += 1
    widths = [sum(1 for v in level.values() if v == k) for k in range(max(level.values()) + 1)]
    total = sum(a[2] for a in agents)
    cross = [a[0] for a in agents if a[1] == P and any(index_machine(agents, d) == M for d in a[3])]
    problems = []
    if len(agents) != EXPECTED["agents"]: problems.append(f"{len(agents)} agents")
    if counts[M] != EXPECTED[M] or counts[P] != EXPECTED[P]: problems.append(f"machines {counts}")
    if len(widths) != EXPECTED["levels"]: problems.append(f"{len(widths)} levels")
    if total != EXPECTED["sequential_ms"]: problems.append(f"sequential sum {total} ms")
    if not CRITICAL_PATH_RANGE_MS[0] <= critical_ms <= CRITICAL_PATH_RANGE_MS[1]:
        problems.append(f"critical path {critical_ms} ms")
    if max(widths) > MAX_LEVEL_WIDTH: problems.append(f"level widths {widths}")
    if not cross: problems.append("no cross-machine dependency")
    if problems:
        sys.exit("demo table breaks its invariants: " + "; ".join(problems))
    return widths, total, cross


def index_machine(agents, name):
    return next(a[1] for a in agents if a[0] == name)


def render_yaml(agents, level, widths, total, critical_ms, path):
    out = [
        "# GENERATED by scripts/gen_demo_config.py -- edit the table there, not this file.",
        "#",
        "# The seed system (84 agents, two machines) as one cluster config. Every agent is the",
        "# `simulated` plugin: start() sleeps init_ms x scale. At scale 1 a sequential start-up",
        f"# takes {total / 1000:g} s, the critical path {critical_ms / 1000:g} s.",
        f"# Levels (agents per level): {widths}",
        "#",
        "#   agenthost run --config config/demo/agenthost.yaml --machine all",
        "host:",
        "  name: ${AGENTHOST_MACHINE:-main_pc}",
        '  plugin_dirs: ["${AGENTHOST_PLUGIN_DIR:-../../build/plugins}"]',
        '  control: { socket: "${AGENTHOST_CONTROL_SOCKET:-/tmp/agenthost-demo.sock}" }',
        '  admin: { listen: "127.0.0.1:${AGENTHOST_ADMIN_PORT:-9464}" }',
        '  bind: "${AGENTHOST_BIND:-127.0.0.1}"  # where the agents\' ports listen',
        "  startup: { parallelism: 32, timeout: 30s }",
        "  health: { interval: 1s, timeout: 200ms }",
        "",
        "agents:",
    ]
    next_port = dict(PORT_BASE)
    current_level = -1
    for name, machine, init_ms, deps in sorted(agents, key=lambda a: level[a[0]]):
        if level[name] != current_level:
            current_level = level[name]
            out.append(f"  # --- level {current_level} ({widths[current_level]} agents)")
        port = next_port[machine]
        next_port[machine] += 10
        out += [
            f"  - name: {name}",
            "    plugin: simulated",
            f"    machine: {machine}",
            f"    port: {port}",
        ]
        if deps:
            out.append(f"    dependencies: [{', '.join(deps)}]")
        out += [
            f"    expected_start: {init_ms}ms",
            f'    config: {{ init_ms: {init_ms}, scale: "{SCALE_REF}" }}',
        ]
    return "\n".join(out) + "\n"


def level_barrier_ms(agents, level):
    """Start-up time with a barrier after each level (the seed roadmap's parallel_startup.py)."""
    slowest = {}
    for name, _, init_ms, _ in agents:
        slowest[level[name]] = max(slowest.get(level[name], 0), init_ms)
    return sum(slowest.values())


def render_expected(widths, total, critical_ms, path, barrier_ms):
    # Read by bench/startup: key value, one per line; times in ms at scale 1.
    return (
        "# GENERATED by scripts/gen_demo_config.py: figures of config/demo/agenthost.yaml\n"
        f"agents {sum(widths)}\n"
        f"levels {len(widths)}\n"
        f"level_widths {','.join(map(str, widths))}\n"
        f"sequential_ms {total}\n"
        f"critical_path_ms {critical_ms}\n"
        f"level_barrier_ms {barrier_ms}\n"
        f"critical_path {','.join(path)}\n"
    )


def main():
    level, critical_ms, path = analyse(AGENTS)
    widths, total, cross = check(AGENTS, level, critical_ms)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "agenthost.yaml").write_text(render_yaml(AGENTS, level, widths, total, critical_ms, path))
    (OUT_DIR / "expected.txt").write_text(render_expected(widths, total, critical_ms, path,
                                                                level_barrier_ms(AGENTS, level)))
    print(f"levels {widths}, sequential {total} ms, critical path {critical_ms} ms, "
          f"level barriers {level_barrier_ms(AGENTS, level)} ms: "
          f"{' -> '.join(path)}; {len(cross)} pc2 agents depend on main_pc")


if __name__ == "__main__":
    main()
