#include "launch/exec_command.h"

#include <cstring>

namespace slaterl {

std::string ShellWord(const std::string& word) {
  bool safe = !word.empty();
  for (char c : word)
    safe = safe && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::strchr("_@%+:,./-", c) != nullptr);
  if (safe) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string ShellWords(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + ShellWord(w);
  return out;
}

std::string ExecCommandLine(const std::string& exec_template, const std::string& host,
                            const std::vector<std::string>& argv) {
  const std::string words = ShellWords(argv);
  const std::pair<std::string, std::string> placeholders[] = {
      {"{host}", ShellWord(host)}, {"{argv}", words}, {"{command}", ShellWord(words)}};
  std::string line;
  for (size_t at = 0; at < exec_template.size();) {
    bool replaced = false;
    for (const auto& p : placeholders) {
      if (exec_template.compare(at, p.first.size(), p.first) == 0) {
        line += p.second;
        at += p.first.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) line += exec_template[at++];
  }
  return line;
}

}  // namespace slaterl
