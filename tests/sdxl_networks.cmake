# SDXL networks: reference parity (CPU fp32, both checkpoint layouts), unit tests (configs,
# attention, prompt encoding, SDXL base at real scale on the meta device) and the GPU suite.
if(TARGET dgxpx_sdxl_networks AND TARGET dgxpx_sdxl_weights)
  # The case runner shared by the parity and GPU suites; encode_prompt cases need the tokenizer.
  add_library(dgxpx_sdxl_network_cases STATIC parity/sdxl_network_cases.cpp)
  target_include_directories(dgxpx_sdxl_network_cases PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(dgxpx_sdxl_network_cases
    PUBLIC dgxpx_sdxl_networks dgxpx_sdxl_weights nlohmann_json::nlohmann_json)
  if(TARGET dgxpx_sdxl_sampling)
    target_link_libraries(dgxpx_sdxl_network_cases PUBLIC dgxpx_sdxl_sampling)
    target_compile_definitions(dgxpx_sdxl_network_cases PRIVATE DGXPX_TEST_HAVE_TOKENIZER=1)
  endif()

  dgxpx_test_suite(dgxpx_sdxl_parity_tests
    LABELS parity
    SOURCES parity/sdxl_networks_parity_test.cpp
    LIBS dgxpx_sdxl_network_cases)

  dgxpx_test_suite(dgxpx_sdxl_unit_tests
    LABELS unit
    SOURCES unit/sdxl_real_scale_test.cpp
            unit/sdxl_config_test.cpp
            unit/sdxl_attention_test.cpp
            unit/sdxl_prompt_encoding_test.cpp
    LIBS dgxpx_sdxl_networks dgxpx_sdxl_weights)

  dgxpx_test_suite(dgxpx_sdxl_gpu_tests
    LABELS gpu
    SOURCES gpu/sdxl_networks_gpu_test.cpp gpu/sdxl_pipeline_gpu_test.cpp
    LIBS dgxpx_sdxl_network_cases dgxpx_sdxl_pipeline)
  # Its tests are hidden ([.gpu]); discover them explicitly so `ctest -L gpu` runs them.
  catch_discover_tests(dgxpx_sdxl_gpu_tests TEST_SPEC "[gpu]" PROPERTIES LABELS gpu)
endif()
