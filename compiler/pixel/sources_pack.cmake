# dgxpx_pixel_pack: engine-ready outputs (sheets, atlases, atlas JSON, Godot SpriteFrames, Tiled tilesets).
add_library(dgxpx_pixel_pack STATIC
  ${CMAKE_CURRENT_LIST_DIR}/sheet.cpp
  ${CMAKE_CURRENT_LIST_DIR}/strip.cpp
  ${CMAKE_CURRENT_LIST_DIR}/character_sheet.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tileset_sheet.cpp
  ${CMAKE_CURRENT_LIST_DIR}/item_atlas.cpp
  ${CMAKE_CURRENT_LIST_DIR}/atlas_json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/godot_sprite_frames.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tiled_tileset.cpp
  ${CMAKE_CURRENT_LIST_DIR}/godot_tileset.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bevy_ron.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pack_output.cpp
)
target_include_directories(dgxpx_pixel_pack PUBLIC ${PROJECT_SOURCE_DIR})
target_compile_definitions(dgxpx_pixel_pack PRIVATE DGXPX_VERSION="${PROJECT_VERSION}")
target_link_libraries(dgxpx_pixel_pack PUBLIC dgxpx_util nlohmann_json::nlohmann_json)
if(TARGET dgxpx_pixel_core)
  target_link_libraries(dgxpx_pixel_pack PUBLIC dgxpx_pixel_core)
endif()
