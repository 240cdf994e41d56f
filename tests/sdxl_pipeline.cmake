# SDXL pipeline, LoRA and seamless tiling: reference parity over the fixture cases (pipeline.*,
# lora.*, seamless*) and unit tests that need no fixtures.
if(TARGET dgxpx_sdxl_pipeline)
  dgxpx_test_suite(dgxpx_sdxl_pipeline_parity_tests
    LABELS parity
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/parity/sdxl_pipeline_parity_test.cpp
    LIBS dgxpx_sdxl_pipeline nlohmann_json::nlohmann_json)

  dgxpx_test_suite(dgxpx_sdxl_pipeline_unit_tests
    LABELS unit
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/sdxl_lora_test.cpp
            ${CMAKE_CURRENT_LIST_DIR}/unit/sdxl_seamless_test.cpp
    LIBS dgxpx_sdxl_pipeline)
endif()
