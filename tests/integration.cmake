dgxpx_test_suite(dgxpx_integration_tests LABELS integration
  SOURCES
    integration/build_test.cpp
    integration/malformed_input_test.cpp
  LIBS nlohmann_json::nlohmann_json)
target_compile_definitions(dgxpx_integration_tests PRIVATE DGXPX_BINARY="$<TARGET_FILE:dgxpx>")
add_dependencies(dgxpx_integration_tests dgxpx)

# Needs the reference fixtures (tiny SDXL model) and dgxpx-sdxl.
if(TARGET dgxpx-sdxl)
  dgxpx_test_suite(dgxpx_sdxl_build_tests LABELS parity
    SOURCES integration/sdxl_build_test.cpp
    LIBS nlohmann_json::nlohmann_json)
  target_compile_definitions(dgxpx_sdxl_build_tests PRIVATE DGXPX_BINARY="$<TARGET_FILE:dgxpx>")
  add_dependencies(dgxpx_sdxl_build_tests dgxpx dgxpx-sdxl)
endif()

# The generation worker end to end: the tiny SDXL model through dgxpx-sdxl serve.
if(TARGET dgxpx-sdxl)
  dgxpx_test_suite(dgxpx_worker_build_tests LABELS integration
    SOURCES integration/worker_build_test.cpp
    LIBS nlohmann_json::nlohmann_json)
  target_compile_definitions(dgxpx_worker_build_tests PRIVATE DGXPX_BINARY="$<TARGET_FILE:dgxpx>")
  add_dependencies(dgxpx_worker_build_tests dgxpx dgxpx-sdxl)
endif()
