# Unit tests for the cache library (cache/).
dgxpx_test_suite(dgxpx_cache_tests
  LABELS unit
  SOURCES
    ${CMAKE_CURRENT_SOURCE_DIR}/unit/cache_entry_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/unit/cache_local_store_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/unit/cache_local_store_gc_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/unit/cache_materialize_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/unit/cache_size_test.cpp
  LIBS dgxpx_cache)
