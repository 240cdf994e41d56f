# SDXL weights: safetensors header parsing as the tensor count grows (see bench/README.md).
if(TARGET dgxpx_sdxl_weights)
  add_executable(bench_safetensors_header ${CMAKE_CURRENT_LIST_DIR}/safetensors_header.cpp)
  target_include_directories(bench_safetensors_header PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(bench_safetensors_header PRIVATE dgxpx_sdxl_weights)
endif()
