# A suite that runs the dgxpx binary end to end (DGXPX_BINARY), built before it with NEEDS.
function(dgxpx_end_to_end_suite name)
  cmake_parse_arguments(SUITE "" "LABELS;FIXTURES" "SOURCES;NEEDS;LIBS" ${ARGN})
  dgxpx_test_suite(${name} LABELS ${SUITE_LABELS} FIXTURES "${SUITE_FIXTURES}" SOURCES ${SUITE_SOURCES}
    LIBS nlohmann_json::nlohmann_json ${SUITE_LIBS})
  target_compile_definitions(${name} PRIVATE DGXPX_BINARY="$<TARGET_FILE:dgxpx>")
  add_dependencies(${name} dgxpx ${SUITE_NEEDS})
endfunction()

dgxpx_end_to_end_suite(dgxpx_integration_tests LABELS integration
  SOURCES integration/build_test.cpp integration/malformed_input_test.cpp integration/everyday_loop_test.cpp)

# LoRA metadata, sidecars and the registry, on the placeholder backend (no libtorch).
dgxpx_end_to_end_suite(dgxpx_lora_workflow_tests LABELS integration SOURCES integration/lora_workflow_test.cpp)
# The page `dgxpx compare` writes, in headless Chromium (as the build report's test).
dgxpx_end_to_end_suite(dgxpx_compare_browser_tests LABELS browser SOURCES integration/compare_browser_test.cpp)
target_link_libraries(dgxpx_compare_browser_tests PRIVATE dgxpx_pixel_core)
# The report of a first build, in headless Chromium.
dgxpx_end_to_end_suite(dgxpx_report_first_build_tests LABELS browser SOURCES integration/report_first_build_browser_test.cpp)
target_link_libraries(dgxpx_report_first_build_tests PRIVATE dgxpx_pixel_core)

if(TARGET dgxpx-sdxl)
  # Needs the reference fixtures (tiny SDXL model) and dgxpx-sdxl.
  dgxpx_end_to_end_suite(dgxpx_sdxl_build_tests LABELS parity
    SOURCES integration/sdxl_build_test.cpp NEEDS dgxpx-sdxl)
  target_link_libraries(dgxpx_sdxl_build_tests PRIVATE dgxpx_worker dgxpx_pixel_core)
  # Consistency modes (keyframe, strip) through dgxpx build on the tiny SDXL model.
  dgxpx_end_to_end_suite(dgxpx_consistency_build_tests LABELS integration
    SOURCES integration/consistency_build_test.cpp NEEDS dgxpx-sdxl)
  target_link_libraries(dgxpx_consistency_build_tests PRIVATE dgxpx_worker dgxpx_pixel_core)
  # The generation worker end to end: the tiny SDXL model through dgxpx-sdxl serve.
  dgxpx_end_to_end_suite(dgxpx_worker_build_tests LABELS integration
    SOURCES integration/worker_build_test.cpp NEEDS dgxpx-sdxl)
  target_link_libraries(dgxpx_worker_build_tests PRIVATE dgxpx_worker)
endif()

# The remote cache against the real nginx on 127.0.0.1 (scripts/setup.sh installs it).
dgxpx_end_to_end_suite(dgxpx_remote_cache_tests LABELS integration SOURCES integration/remote_cache_test.cpp)
target_link_libraries(dgxpx_remote_cache_tests PRIVATE dgxpx_cache)

# `dgxpx build --shard I/N` over a shared cache folder, over the real nginx as the remote, and in a
# job array of a one-node Slurm cluster on 127.0.0.1 (scripts/setup.sh installs slurm and munge).
dgxpx_end_to_end_suite(dgxpx_shard_tests LABELS integration SOURCES integration/shard_build_test.cpp)
# `dgxpx palette extract`, and a build with the palette it wrote.
dgxpx_end_to_end_suite(dgxpx_palette_tests LABELS integration SOURCES integration/palette_extract_test.cpp
  LIBS dgxpx_pixel_core)
