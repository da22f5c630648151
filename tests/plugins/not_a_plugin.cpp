// not_a_plugin: an ordinary shared library with no agenthost symbols (no
// agenthost_plugin_abi, no agenthost_create_agent). Naming it as a plugin must give a clear
// "not an agenthost plugin" error for that agent, not a crash.

extern "C" __attribute__((visibility("default"))) int not_a_plugin_answer() { return 42; }
