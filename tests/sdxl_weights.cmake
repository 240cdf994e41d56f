# Weights half of the SDXL stack: safetensors, name tables, config detection, strict loading.
if(TARGET dgxpx_sdxl_weights)
  # A timeout that a quadratic header parse (minutes for 200,000 tensors) cannot meet.
  dgxpx_test_suite(dgxpx_sdxl_weights_tests
    LABELS unit
    TIMEOUT 60
    SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/unit/sdxl_safetensors_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/sdxl_checkpoint_names_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/sdxl_state_dict_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/sdxl_config_detect_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/sdxl_real_scale_names_test.cpp
    LIBS dgxpx_sdxl_weights)
  # Loading the reference fixture from both layouts.
  dgxpx_test_suite(dgxpx_sdxl_weights_parity_tests
    LABELS parity
    SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/parity/sdxl_model_files_test.cpp
    LIBS dgxpx_sdxl_weights)
endif()
