dgxpx_test_suite(dgxpx_core_tests LABELS unit
  SOURCES
    unit/util_hash_test.cpp
    unit/plan_keys_test.cpp
    unit/plan_cache_test.cpp
    unit/plan_new_work_test.cpp
    unit/plan_shard_test.cpp
    unit/plan_record_diff_test.cpp
    unit/manifest_template_test.cpp
  LIBS dgxpx_plan dgxpx_manifest dgxpx_util ${XXHASH_LIBRARY})
target_include_directories(dgxpx_core_tests PRIVATE ${XXHASH_INCLUDE_DIR})
