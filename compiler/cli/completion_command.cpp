// `dgxpx completion`: a bash completion script made from the command table itself, so every
// command and option the parser knows is completed, and nothing else.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "compiler/cli/command.h"

namespace dgxpx::cli {

namespace {

std::string option_words(const CLI::App& app) {
  std::string words;
  for (const CLI::Option* option : app.get_options()) {
    for (const auto& name : option->get_snames()) words += " -" + name;
    for (const auto& name : option->get_lnames()) words += " --" + name;
  }
  return words;
}

std::string bash_script(const CLI::App& root) {
  std::string commands, cases;
  for (const CLI::App* sub : root.get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); })) {
    commands += " " + sub->get_name();
    cases += "    " + sub->get_name() + ") words=\"" + option_words(*sub) + "\" ;;\n";
  }
  return "# bash completion for dgxpx: source <(dgxpx completion)\n"
         "_dgxpx() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} command= i words\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    case ${COMP_WORDS[i]} in -C) ((i++)) ;; -*) ;; *) command=${COMP_WORDS[i]}; break ;; esac\n"
         "  done\n"
         "  case $command in\n"
         "    '') words=\"" + commands.substr(1) + option_words(root) + "\" ;;\n" + cases +
         "  esac\n"
         "  if [[ $cur != -* && -n $command ]]; then COMPREPLY=($(compgen -f -- \"$cur\")); return; fi\n"
         "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "}\n"
         "complete -o filenames -F _dgxpx dgxpx\n";
}

}  // namespace

CommandBody define_completion(CLI::App& app, const GlobalOptions&) {
  return [&app] {
    std::fputs(bash_script(*app.get_parent()).c_str(), stdout);
    return kExitOk;
  };
}

}  // namespace dgxpx::cli
