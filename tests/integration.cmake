dgxpx_test_suite(dgxpx_integration_tests LABELS integration
  SOURCES
    integration/build_test.cpp
    integration/malformed_input_test.cpp
  LIBS nlohmann_json::nlohmann_json)
target_compile_definitions(dgxpx_integration_tests PRIVATE DGXPX_BINARY="$<TARGET_FILE:dgxpx>")
add_dependencies(dgxpx_integration_tests dgxpx)
