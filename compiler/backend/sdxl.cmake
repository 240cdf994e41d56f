# The SDXL backend and its executable `dgxpx-sdxl` (serve, gen ...). Kept apart from the
# main `dgxpx` binary, which must not link libtorch. Included by compiler/backend/CMakeLists.txt.
if(TARGET dgxpx_sdxl_pipeline)
  add_library(dgxpx_backend_sdxl STATIC ${CMAKE_CURRENT_LIST_DIR}/sdxl_generator.cpp)
  target_include_directories(dgxpx_backend_sdxl PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(dgxpx_backend_sdxl
    PUBLIC dgxpx_backend dgxpx_sdxl_pipeline dgxpx_pixel dgxpx_util
    PRIVATE spdlog::spdlog)

  add_executable(dgxpx-sdxl ${CMAKE_CURRENT_LIST_DIR}/sdxl_main.cpp)
  # dgxpx_cli (the library, not the dgxpx binary) gives project_root(); dgxpx_worker the server.
  target_link_libraries(dgxpx-sdxl PRIVATE dgxpx_backend_sdxl dgxpx_cli dgxpx_worker)
  # Next to dgxpx: steps start the worker with the dgxpx-sdxl beside dgxpx.
  set_target_properties(dgxpx-sdxl PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/compiler/cli)
  install(TARGETS dgxpx-sdxl RUNTIME DESTINATION bin)
endif()
