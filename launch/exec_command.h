// launch/exec_command.h — the command line `backend: hosts` runs to start a role on its host
// (cluster.exec; docs/multi-node.md, "Quoting").
//
// The launcher runs `/bin/sh -c LINE`, LINE being cluster.exec with its placeholders replaced:
//   {host}     the host's name, as one shell word;
//   {argv}     the role's command line as shell words: once this machine's shell has parsed LINE,
//              every argument of the role is one argument of the exec program. For programs that
//              run their arguments themselves: `ip netns exec {host} {argv}`, `srun ... {argv}`.
//   {command}  the role's command line as one shell word whose value is itself a quoted shell
//              command line: the exec program gets the whole command as one argument, and a shell
//              on the far side parses it back into the role's arguments. For ssh, which joins its
//              arguments with spaces and hands them to the remote user's shell:
//              `ssh {host} {command}`, and for `... sh -c {command}`.
// Quoting is POSIX sh's: a word with any character outside [A-Za-z0-9_@%+:,./-] (or empty) is
// single-quoted, each single quote inside written as '\''. A placeholder must stand bare in the
// template (not inside quotes of its own). Plain functions.
#pragma once

#include <string>
#include <vector>

namespace slaterl {

// One word for a POSIX shell: `word` itself when every character is safe, else single-quoted.
std::string ShellWord(const std::string& word);
// The words, each ShellWord-quoted, joined by single spaces: a command line a shell parses back into `words`.
std::string ShellWords(const std::vector<std::string>& words);
// The line for `/bin/sh -c`: `exec_template` with {host}, {argv} and {command} replaced (one pass:
// text substituted is not searched again).
std::string ExecCommandLine(const std::string& exec_template, const std::string& host,
                            const std::vector<std::string>& argv);

}  // namespace slaterl
