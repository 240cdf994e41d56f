# dgxpx_pixel_core: image, PNG I/O (the only libpng user), colour, palettes, grid, downscale,
# transparency, the pixelize stage and the frame-consistency measure.
add_library(dgxpx_pixel_core STATIC
  ${CMAKE_CURRENT_LIST_DIR}/png_io.cpp
  ${CMAKE_CURRENT_LIST_DIR}/color.cpp
  ${CMAKE_CURRENT_LIST_DIR}/palette.cpp
  ${CMAKE_CURRENT_LIST_DIR}/quantize.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kmeans_palette.cpp
  ${CMAKE_CURRENT_LIST_DIR}/learned_palette.cpp
  ${CMAKE_CURRENT_LIST_DIR}/grid.cpp
  ${CMAKE_CURRENT_LIST_DIR}/downscale.cpp
  ${CMAKE_CURRENT_LIST_DIR}/edge_unmix.cpp
  ${CMAKE_CURRENT_LIST_DIR}/transparency.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pixelize.cpp
  ${CMAKE_CURRENT_LIST_DIR}/shading.cpp
  ${CMAKE_CURRENT_LIST_DIR}/frame_consistency.cpp
)
target_include_directories(dgxpx_pixel_core PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(dgxpx_pixel_core PUBLIC dgxpx_util PRIVATE PNG::PNG nlohmann_json::nlohmann_json)
