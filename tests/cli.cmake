# Command-line pieces tested in-process: `dgxpx pixelize` and the build's progress line.
dgxpx_test_suite(dgxpx_cli_tests
  LABELS unit
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/unit/pixel_pixelize_command_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit/cli_progress_printer_test.cpp
  LIBS dgxpx_cli)
