# dgxpx_safetensors_header: the header grammar alone (no libtorch), for readers of LoRA
# metadata outside the SDXL stack (compiler/lora).
add_library(dgxpx_safetensors_header STATIC ${CMAKE_CURRENT_LIST_DIR}/safetensors_header.cpp)
target_include_directories(dgxpx_safetensors_header PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(dgxpx_safetensors_header PUBLIC dgxpx_util PRIVATE nlohmann_json::nlohmann_json)

# dgxpx_sdxl_weights: safetensors reading, single-file <-> diffusers names, configuration
# detection from shapes, model opening and strict state-dict loading.
add_library(dgxpx_sdxl_weights STATIC
  ${CMAKE_CURRENT_LIST_DIR}/safetensors.cpp
  ${CMAKE_CURRENT_LIST_DIR}/checkpoint_names.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config_detect.cpp
  ${CMAKE_CURRENT_LIST_DIR}/state_dict.cpp
  ${CMAKE_CURRENT_LIST_DIR}/model_files.cpp
)
target_include_directories(dgxpx_sdxl_weights PUBLIC ${PROJECT_SOURCE_DIR})
# config.json parsing and the SDXL base configurations (config.cpp) live in
# dgxpx_sdxl_networks; the generator expression keeps this fragment valid before it exists.
target_link_libraries(dgxpx_sdxl_weights
  PUBLIC dgxpx_util dgxpx_safetensors_header ${TORCH_LIBRARIES} nlohmann_json::nlohmann_json
         $<TARGET_NAME_IF_EXISTS:dgxpx_sdxl_networks>)
