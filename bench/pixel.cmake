# Pixel-stage benchmarks (see bench/README.md, section "Pixel stage"). libjpeg degrades the quality
# set (tests/support/jpeg_roundtrip.h); the product does not use it.
find_package(JPEG REQUIRED)
add_executable(bench_pixel_quality
  ${CMAKE_CURRENT_LIST_DIR}/pixel_quality.cpp
  ${PROJECT_SOURCE_DIR}/tests/support/pixel_quality_set.cpp
  ${PROJECT_SOURCE_DIR}/tests/support/jpeg_roundtrip.cpp)
target_include_directories(bench_pixel_quality PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(bench_pixel_quality PRIVATE dgxpx_pixel_core JPEG::JPEG)

add_executable(bench_pixelize_speed
  ${CMAKE_CURRENT_LIST_DIR}/pixelize_speed.cpp
  ${PROJECT_SOURCE_DIR}/tests/support/pixel_quality_set.cpp
  ${PROJECT_SOURCE_DIR}/tests/support/jpeg_roundtrip.cpp)
target_include_directories(bench_pixelize_speed PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(bench_pixelize_speed PRIVATE dgxpx_pixel_core JPEG::JPEG)

# Frame consistency of a built character sheet (bench/README.md, "Frame consistency"); run on
# each consistency mode by bench/consistency/run.sh.
add_executable(dgxpx_bench_frame_consistency ${CMAKE_CURRENT_LIST_DIR}/frame_consistency.cpp)
target_include_directories(dgxpx_bench_frame_consistency PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(dgxpx_bench_frame_consistency PRIVATE dgxpx_pixel_core)
