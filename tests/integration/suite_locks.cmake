# Run by ctest (see CMakeLists.txt): every integration test locks the resource named after its
# suite, so the tests of one file, which bind the same address and ports, run one at a time.
foreach(test IN LISTS integration_tests_TESTS)
  string(REGEX REPLACE "\\..*$" "" suite "${test}")
  set_tests_properties("${test}" PROPERTIES RESOURCE_LOCK "suite:${suite}")
endforeach()
