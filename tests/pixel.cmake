# Pixel stage (pixelize half): unit suites per noun, plus the crawl-tiles quality sample.
dgxpx_test_suite(dgxpx_pixel_tests
  LABELS unit
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_png_io_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_color_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_palette_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_quantize_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_kmeans_palette_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_learned_palette_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_shading_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_grid_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_downscale_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_transparency_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_pixelize_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_frame_consistency_test.cpp
  LIBS dgxpx_pixel_core nlohmann_json::nlohmann_json)

# Needs Debian's crawl-tiles-data and libjpeg (scripts/setup.sh installs both; libjpeg only
# degrades the set, the product does not use it); missing data fails the test.
find_package(JPEG REQUIRED)
dgxpx_test_suite(dgxpx_pixel_quality_tests
  LABELS quality
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_quality_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/support/pixel_quality_set.cpp
    ${CMAKE_CURRENT_LIST_DIR}/support/jpeg_roundtrip.cpp
  LIBS dgxpx_pixel_core JPEG::JPEG)
