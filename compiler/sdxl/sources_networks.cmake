# dgxpx_sdxl_networks: network configurations, CLIP text encoders, UNet, VAE, prompt encoding.
add_library(dgxpx_sdxl_networks STATIC
  ${CMAKE_CURRENT_LIST_DIR}/config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layers.cpp
  ${CMAKE_CURRENT_LIST_DIR}/attention.cpp
  ${CMAKE_CURRENT_LIST_DIR}/clip_text_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/resnet.cpp
  ${CMAKE_CURRENT_LIST_DIR}/transformer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unet_blocks.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unet.cpp
  ${CMAKE_CURRENT_LIST_DIR}/vae.cpp
  ${CMAKE_CURRENT_LIST_DIR}/prompt_encoding.cpp
)
target_include_directories(dgxpx_sdxl_networks PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(dgxpx_sdxl_networks PUBLIC dgxpx_util ${TORCH_LIBRARIES}
                      PRIVATE nlohmann_json::nlohmann_json)
if(TARGET dgxpx_sdxl_weights)
  target_link_libraries(dgxpx_sdxl_networks PUBLIC dgxpx_sdxl_weights)
endif()
