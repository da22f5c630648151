# Man pages and the Debian changelog, gzip -9n as Debian wants them (-n: no name or time
# stamp, so the packages are reproducible), and each package's copyright file and lintian
# overrides.
set(doc_out ${CMAKE_CURRENT_BINARY_DIR}/doc)
configure_file(debian/changelog.in ${doc_out}/changelog.Debian @ONLY)
configure_file(man/agenthost.8 ${doc_out}/agenthost.8 @ONLY)
configure_file(man/agentctl.1 ${doc_out}/agentctl.1 @ONLY)

set(compressed)
foreach(file changelog.Debian agenthost.8 agentctl.1)
  add_custom_command(OUTPUT ${doc_out}/${file}.gz
    COMMAND gzip -9nc ${doc_out}/${file} > ${doc_out}/${file}.gz
    DEPENDS ${doc_out}/${file}
    VERBATIM)
  list(APPEND compressed ${doc_out}/${file}.gz)
endforeach()
add_custom_target(package_docs ALL DEPENDS ${compressed})

install(FILES ${doc_out}/agenthost.8.gz DESTINATION share/man/man8 COMPONENT agenthost)
install(FILES ${doc_out}/agentctl.1.gz DESTINATION share/man/man1 COMPONENT agenthost)
foreach(package agenthost agenthost-dev)
  install(FILES debian/copyright ${doc_out}/changelog.Debian.gz
    DESTINATION share/doc/${package} COMPONENT ${package})
  # Each override says why, in debian/PACKAGE.lintian-overrides.
  install(FILES debian/${package}.lintian-overrides
    DESTINATION share/lintian/overrides RENAME ${package} COMPONENT ${package})
endforeach()
