# Engine-ready outputs: sheets, atlases, atlas JSON, Godot SpriteFrames.
if(TARGET dgxpx_pixel_pack)
  dgxpx_test_suite(dgxpx_pack_tests
    LABELS unit
    SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_sheet_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_strip_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_character_sheet_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_tileset_sheet_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_item_atlas_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_atlas_json_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_godot_sprite_frames_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_tiled_tileset_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_godot_tileset_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_bevy_ron_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_pack_output_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_frame_consistency_pack_test.cpp
    LIBS dgxpx_pixel_pack)
endif()
