# Sampling half of the SDXL stack: tokenizer, schedulers, seeded noise.
if(TARGET dgxpx_sdxl_sampling)
  dgxpx_test_suite(dgxpx_sdxl_sampling_unit_tests
    LABELS unit
    SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/unit/sdxl_unicode_text_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/sdxl_tokenizer_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/sdxl_scheduler_config_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/sdxl_schedulers_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/sdxl_rng_test.cpp
    LIBS dgxpx_sdxl_sampling)
endif()
# Reference parity reads the fixture tensors through the weights library's safetensors reader.
if(TARGET dgxpx_sdxl_sampling AND TARGET dgxpx_sdxl_weights)
  dgxpx_test_suite(dgxpx_sdxl_sampling_parity_tests
    LABELS parity
    SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/parity/sdxl_tokenizer_parity_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/parity/sdxl_schedulers_parity_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/parity/sdxl_rng_parity_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/parity/sdxl_case_kinds_test.cpp
    LIBS dgxpx_sdxl_sampling dgxpx_sdxl_weights)
endif()
