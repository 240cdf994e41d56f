# Engine-ready outputs in the real engines (Phaser 3 and 4, PixiJS 8) in headless Chromium.
# The engines' npm packages (tests/engines/package-lock.json) are installed into the build folder
# by a fixture test, so `ctest -L browser` works from a fresh checkout with npm and chromium.
if(TARGET dgxpx_pixel_core)
  set(DGXPX_ENGINE_MODULES ${CMAKE_BINARY_DIR}/engines)
  add_test(NAME engines_npm_install
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/engines/install.sh ${DGXPX_ENGINE_MODULES})
  set_tests_properties(engines_npm_install PROPERTIES LABELS browser FIXTURES_SETUP engine_packages TIMEOUT 600)
  dgxpx_end_to_end_suite(dgxpx_engine_browser_tests LABELS browser FIXTURES engine_packages
    SOURCES integration/engines_browser_test.cpp LIBS dgxpx_pixel_core)
  target_compile_definitions(dgxpx_engine_browser_tests PRIVATE
    DGXPX_ENGINES_DIR="${CMAKE_CURRENT_LIST_DIR}/engines"
    DGXPX_ENGINE_MODULES="${DGXPX_ENGINE_MODULES}")
  # Tilesets in the real Tiled (`tiled --export-tileset`, offscreen Qt).
  dgxpx_end_to_end_suite(dgxpx_tiled_tests LABELS integration
    SOURCES integration/tiled_tileset_test.cpp LIBS dgxpx_pixel_core)
endif()
