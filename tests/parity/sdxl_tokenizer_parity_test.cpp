// Every tokenizer case of the fixture set: exact ids from both SDXL tokenizers.
#include "tests/support/catch_torch.h"

#include "compiler/sdxl/tokenizer.h"
#include "tests/parity/sdxl_sampling_refs.h"

using dgxpx::sdxl::ClipTokenizer;
using namespace dgxpx::testing;

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace

TEST_CASE("tokenizer cases match transformers' CLIPTokenizer exactly", "[sdxl][tokenizer][parity]") {
  const auto cases = sdxl_tiny_cases_of_kind("tokenizer");
  REQUIRE_FALSE(cases.empty());
  const auto model_dir = sdxl_tiny() / sdxl_tiny_cases().at("model_dir").get<std::string>();
  for (const auto& c : cases) {
    const auto prompts = c.at("inputs").at("prompts").get<std::vector<std::string>>();
    const auto& details = c.contains("details") ? c.at("details") : nlohmann::json::object();
    for (int which : {1, 2}) {
      DYNAMIC_SECTION(c.at("name").get<std::string>() << " tokenizer " << which) {
        const auto tokenizer =
            ClipTokenizer::load(model_dir / (which == 1 ? "tokenizer" : "tokenizer_2"));
        const std::string suffix = "_" + std::to_string(which);
        const torch::Tensor expected =
            sdxl_tiny_ref(c.at("outputs").at("input_ids" + suffix).get<std::string>());
        REQUIRE(expected.size(0) == static_cast<int64_t>(prompts.size()));
        if (details.contains("pad_token_id" + suffix))
          REQUIRE(tokenizer.pad_id() == details.at("pad_token_id" + suffix).get<int64_t>());

        const torch::Tensor got = tokenizer.encode_batch(prompts);
        REQUIRE(got.sizes() == expected.sizes());
        int mismatches = 0;
        for (size_t i = 0; i < prompts.size(); ++i) {
          const bool ids_match = torch::equal(got[i], expected[i]);
          bool length_match = true;
          if (details.contains("untruncated_length" + suffix))
            length_match = static_cast<int64_t>(tokenizer.encode(prompts[i]).size()) + 2 ==
                           details.at("untruncated_length" + suffix).at(i).get<int64_t>();
          if (!ids_match || !length_match) {
            ++mismatches;
            UNSCOPED_INFO("prompt " << i << " " << nlohmann::json(prompts[i]).dump()
                                    << "\n  tokens: " << join(tokenizer.tokenize(prompts[i]))
                                    << "\n  got:      " << got[i]
                                    << "\n  expected: " << expected[i]);
          }
        }
        std::printf("case %s tokenizer %d: %d of %zu prompts differ (exact)\n",
                    c.at("name").get<std::string>().c_str(), which, mismatches, prompts.size());
        REQUIRE(mismatches == 0);
      }
    }
  }
}
