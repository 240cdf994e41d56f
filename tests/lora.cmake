# LoRA metadata, sidecars, trigger words and the registry (compiler/lora): no libtorch.
dgxpx_test_suite(dgxpx_lora_tests LABELS unit
  SOURCES
    unit/lora_sidecar_test.cpp
    unit/lora_base_model_test.cpp
    unit/lora_trigger_words_test.cpp
    unit/lora_lora_info_test.cpp
    unit/lora_registry_test.cpp
  LIBS dgxpx_lora dgxpx_util nlohmann_json::nlohmann_json)
