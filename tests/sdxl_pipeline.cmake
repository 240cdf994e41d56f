# SDXL pipeline, LoRA and seamless tiling: reference parity over the fixture cases (pipeline.*,
# lora.*, seamless*) and unit tests (batched generation runs the sdxl-tiny fixture model).
if(TARGET dgxpx_sdxl_pipeline)
  dgxpx_test_suite(dgxpx_sdxl_pipeline_parity_tests
    LABELS parity
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/parity/sdxl_pipeline_parity_test.cpp
    LIBS dgxpx_sdxl_pipeline nlohmann_json::nlohmann_json)

  dgxpx_test_suite(dgxpx_sdxl_pipeline_unit_tests
    LABELS unit
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/sdxl_lora_test.cpp
            ${CMAKE_CURRENT_LIST_DIR}/unit/sdxl_seamless_test.cpp
            ${CMAKE_CURRENT_LIST_DIR}/unit/sdxl_batch_test.cpp
    LIBS dgxpx_sdxl_pipeline)
endif()

# The SDXL backend's batched generation (tests/ is added after compiler/, so the target exists
# whenever compiler/backend/sdxl.cmake defined it).
if(TARGET dgxpx_backend_sdxl)
  dgxpx_test_suite(dgxpx_backend_sdxl_unit_tests
    LABELS unit
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/backend_sdxl_generator_test.cpp
    LIBS dgxpx_backend_sdxl)
endif()
