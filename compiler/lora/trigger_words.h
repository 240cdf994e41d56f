#pragma once
// How a LoRA's trigger words enter a prompt: in front of it, in LoRA order, each once.
// In front because CLIP reads at most 77 tokens (a long prompt loses its end, never its
// start) and gives early tokens more weight, which is where trainers put them too.
#include <string>
#include <vector>

namespace dgxpx::lora {

/// "w1, w2, " + prompt, leaving out any word the prompt already holds (as a whole word or
/// phrase, ignoring ASCII case) and any repeat. Returns `prompt` itself when nothing is added.
std::string prompt_with_trigger_words(const std::string& prompt, const std::vector<std::string>& words);

}  // namespace dgxpx::lora
