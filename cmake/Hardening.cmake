# What Debian's dpkg-buildflags adds, for binaries that ship in the .deb: lintian checks
# the packaged ELF files for fortified functions. PIE and RELRO are the toolchain's defaults
# here already. Not with a sanitizer: _FORTIFY_SOURCE and ASan intercept the same functions.
# No -z now: binding every symbol at start would cost the host start-up time it measures.
if(NOT AGENTHOST_SANITIZE)
  add_compile_options(
    $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2>  # needs optimisation, which Debug lacks
    -fstack-protector-strong)
endif()
