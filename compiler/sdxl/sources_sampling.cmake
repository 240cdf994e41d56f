# dgxpx_sdxl_sampling: CLIP tokenizer, schedulers/samplers, seeded noise.
find_package(ICU REQUIRED COMPONENTS uc)

add_library(dgxpx_sdxl_sampling STATIC
  ${CMAKE_CURRENT_LIST_DIR}/unicode_text.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tokenizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scheduler_config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/schedule_math.cpp
  ${CMAKE_CURRENT_LIST_DIR}/schedulers.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scheduler_euler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scheduler_dpmpp_2m.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scheduler_ddim.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scheduler_lcm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scheduler_unipc.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rng.cpp
)
target_include_directories(dgxpx_sdxl_sampling PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(dgxpx_sdxl_sampling
  PUBLIC dgxpx_util ${TORCH_LIBRARIES} nlohmann_json::nlohmann_json
  PRIVATE ICU::uc)
