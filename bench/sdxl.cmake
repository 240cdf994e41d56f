# SDXL weights: safetensors header parsing as the tensor count grows (see bench/README.md).
if(TARGET dgxpx_sdxl_weights)
  add_executable(bench_safetensors_header ${CMAKE_CURRENT_LIST_DIR}/safetensors_header.cpp)
  target_include_directories(bench_safetensors_header PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(bench_safetensors_header PRIVATE dgxpx_sdxl_weights)
endif()

# SDXL generation speed on random weights of SDXL base's shapes, for the GPU run against
# diffusers (scripts/device, bench/README.md). With a CUDA libtorch it also reads the caching
# allocator's peak memory.
if(TARGET dgxpx_sdxl_pipeline)
  add_executable(bench_sdxl_speed ${CMAKE_CURRENT_LIST_DIR}/sdxl_speed.cpp)
  target_include_directories(bench_sdxl_speed PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_definitions(bench_sdxl_speed PRIVATE DGXPX_VERSION="${PROJECT_VERSION}")
  target_link_libraries(bench_sdxl_speed PRIVATE dgxpx_sdxl_pipeline nlohmann_json::nlohmann_json)
  if(C10_CUDA_LIBRARY)
    target_compile_definitions(bench_sdxl_speed PRIVATE DGXPX_BENCH_CUDA_MEMORY=1)
    target_link_libraries(bench_sdxl_speed PRIVATE ${C10_CUDA_LIBRARY})
  endif()
endif()
