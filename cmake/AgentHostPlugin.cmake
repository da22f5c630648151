# agenthost_add_plugin(NAME SOURCES src... [OUTPUT_DIRECTORY dir]
#                      [DESTINATION dir] [COMPONENT name] [NO_INSTALL])
#
# The one way to build an agenthost plugin, in this tree and outside it (agenthost-dev
# installs this file with find_package(AgentHost)). It sets what a plugin needs to be
# loadable, isolated and unloadable:
#   -fvisibility=hidden  only the factory and version symbols are exported;
#   -fno-gnu-unique      glibc never unloads a library with STB_GNU_UNIQUE symbols (function
#                        statics, inline statics), so a hot-reloaded copy would share them;
#   -z noseparate-code   two mapped segments instead of four: dlopen maps and faults in
#                        fewer pages (1000 plugins load in 101 ms instead of 120 ms here);
#   no "lib" prefix       the file is NAME.so, found by `plugin: NAME`.
# `cmake --install` puts NAME.so where the host looks: DESTINATION, else
# AGENTHOST_PLUGIN_INSTALL_DIR (the installed package sets /usr/lib/agenthost/plugins).
# NO_INSTALL, or AGENTHOST_PLUGIN_NO_INSTALL set in a folder (tests/, bench/), is for
# plugins that only tests and benchmarks load.
function(agenthost_add_plugin name)
  cmake_parse_arguments(ARG "NO_INSTALL" "OUTPUT_DIRECTORY;DESTINATION;COMPONENT" "SOURCES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE agenthost::plugin_api)
  target_compile_options(${name} PRIVATE -fno-gnu-unique)
  target_link_options(${name} PRIVATE LINKER:-z,noseparate-code)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  endif()
  if(ARG_NO_INSTALL OR AGENTHOST_PLUGIN_NO_INSTALL)
    return()
  endif()
  set(destination ${ARG_DESTINATION})
  if(NOT destination)
    set(destination ${AGENTHOST_PLUGIN_INSTALL_DIR})
  endif()
  if(NOT destination)
    message(FATAL_ERROR "agenthost_add_plugin(${name}): no DESTINATION and no AGENTHOST_PLUGIN_INSTALL_DIR")
  endif()
  set(component)
  if(ARG_COMPONENT)
    set(component COMPONENT ${ARG_COMPONENT})
  endif()
  install(TARGETS ${name} LIBRARY DESTINATION ${destination} ${component})
endfunction()
