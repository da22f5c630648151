# CPack: two Debian packages from the install components agenthost and agenthost-dev.
#   cd build && cpack -G DEB     ->  agenthost_VERSION-1_ARCH.deb, agenthost-dev_VERSION-1_ARCH.deb
# The version is the project() version (the one place it lives) plus the Debian revision.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME agenthost)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "The agenthost authors")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_COMPONENTS_ALL agenthost agenthost-dev)  # not the tests' or benchmarks' files
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_STRIP_FILES ON)  # lintian: unstripped-binary-or-object; debug info stays in build/
set(CPACK_THREADS 1)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${AGENTHOST_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/agenthost")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

set(CPACK_DEBIAN_AGENTHOST_PACKAGE_NAME agenthost)
set(CPACK_DEBIAN_AGENTHOST_PACKAGE_SECTION admin)
# dpkg-shlibdeps computes the linked runtime libraries; the postinst needs adduser
# (deb-systemd-invoke is in init-system-helpers, which is essential); libcurl4 is opened
# with dlopen() by the etcd registry backend, and libsystemd0 when systemd runs the host,
# which dpkg-shlibdeps cannot see.
set(CPACK_DEBIAN_AGENTHOST_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_AGENTHOST_PACKAGE_DEPENDS "adduser, libcurl4, libsystemd0")
set(CPACK_DEBIAN_AGENTHOST_PACKAGE_CONTROL_EXTRA
  ${CMAKE_CURRENT_SOURCE_DIR}/debian/conffiles
  ${CMAKE_CURRENT_SOURCE_DIR}/debian/postinst
  ${CMAKE_CURRENT_SOURCE_DIR}/debian/postrm)
set(CPACK_DEBIAN_AGENTHOST_DESCRIPTION "host process that runs many agents as plugins
agenthost runs many long-running services (agents) as .so plugins in one
process per machine: they start in parallel along their dependency graph,
answer one health interface, talk over ZeroMQ, and are validated before
anything starts. This package holds the daemon, agentctl, the echo and
simulated example plugins, a default configuration and the systemd unit.")

set(CPACK_DEBIAN_AGENTHOST-DEV_PACKAGE_NAME agenthost-dev)
set(CPACK_DEBIAN_AGENTHOST-DEV_PACKAGE_SECTION devel)
# The libraries whose headers the plugin API includes, and the host the plugins are for.
set(CPACK_DEBIAN_AGENTHOST-DEV_PACKAGE_DEPENDS
  "agenthost (= ${AGENTHOST_DEB_VERSION}), libboost-dev, libfmt-dev, libspdlog-dev, libyaml-cpp-dev, libzmq3-dev, cppzmq-dev, prometheus-cpp-dev")
set(CPACK_DEBIAN_AGENTHOST-DEV_PACKAGE_RECOMMENDS "cmake, g++")
set(CPACK_DEBIAN_AGENTHOST-DEV_DESCRIPTION "plugin SDK for agenthost
The headers of the agenthost plugin API and the AgentHost CMake package:
find_package(AgentHost) and agenthost_add_plugin(NAME SOURCES ...) build a
plugin outside the agenthost source tree and install it where the packaged
host loads plugins from.")

include(CPack)
