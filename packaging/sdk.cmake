# The AgentHost CMake package (agenthost-dev): find_package(AgentHost) gives a plugin
# outside this tree agenthost::plugin_api and agenthost_add_plugin(), and installs it where
# the packaged host looks.
include(CMakePackageConfigHelpers)
set(sdk_dir lib/${CMAKE_LIBRARY_ARCHITECTURE}/cmake/AgentHost)
set(sdk_out ${CMAKE_CURRENT_BINARY_DIR}/sdk)

configure_file(cmake/AgentHostConfig.cmake.in ${sdk_out}/AgentHostConfig.cmake @ONLY)
# A plugin built for 1.x runs on any 1.y host: the plugin API's rule (version.hpp).
write_basic_package_version_file(${sdk_out}/AgentHostConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)

install(EXPORT AgentHostTargets NAMESPACE agenthost:: DESTINATION ${sdk_dir} COMPONENT agenthost-dev)
install(FILES ${sdk_out}/AgentHostConfig.cmake ${sdk_out}/AgentHostConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/AgentHostPlugin.cmake
  DESTINATION ${sdk_dir} COMPONENT agenthost-dev)
