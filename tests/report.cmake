# The visual build report: HTML unit tests, and a browser test in headless Chromium.
if(TARGET dgxpx_report)
  dgxpx_test_suite(dgxpx_report_tests
    LABELS unit
    SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/unit/report_html_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/report_png_header_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/unit/report_report_test.cpp
    LIBS dgxpx_report)
  # Needs /usr/bin/chromium (Debian `chromium`) or $DGXPX_CHROMIUM; fails, never skips, without.
  if(TARGET dgxpx_pixel_core)
    dgxpx_test_suite(dgxpx_report_browser_tests
      LABELS browser
      SOURCES ${CMAKE_CURRENT_LIST_DIR}/integration/report_browser_test.cpp
      LIBS dgxpx_report dgxpx_pixel_core)
  endif()
endif()
