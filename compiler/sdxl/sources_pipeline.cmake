# dgxpx_sdxl_pipeline: text-to-image pipeline, LoRA files and patching, seamless tiling.
if(TARGET dgxpx_sdxl_networks AND TARGET dgxpx_sdxl_sampling AND TARGET dgxpx_sdxl_weights)
  add_library(dgxpx_sdxl_pipeline STATIC
    ${CMAKE_CURRENT_LIST_DIR}/lora.cpp
    ${CMAKE_CURRENT_LIST_DIR}/seamless.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pipeline.cpp
  )
  target_include_directories(dgxpx_sdxl_pipeline PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(dgxpx_sdxl_pipeline
    PUBLIC dgxpx_sdxl_networks dgxpx_sdxl_sampling dgxpx_sdxl_weights dgxpx_util ${TORCH_LIBRARIES}
    PRIVATE spdlog::spdlog)
endif()
