#pragma once
// Catch for tests that use libtorch. Debian's libtorch is built with glog, whose logging.h
// defines CHECK (aborting on failure); included after Catch it would silently replace
// Catch's CHECK. So: libtorch first, drop glog's CHECK, then Catch.
#include <torch/torch.h>
#undef CHECK
#include <catch2/catch.hpp>
