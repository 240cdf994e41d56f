# The generation worker's server and protocol, with a fake generator (no model, no libtorch).
dgxpx_test_suite(dgxpx_worker_tests LABELS unit
  SOURCES unit/worker_server_test.cpp unit/worker_runtime_dir_test.cpp
  LIBS dgxpx_worker Threads::Threads)
