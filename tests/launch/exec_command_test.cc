// cluster.exec quoting (launch/exec_command.h): every argument of a role survives the shells it
// passes through unchanged — spaces, single and double quotes, `$`, backquotes, globs — whether
// the exec program runs it as words ({argv}: ip netns exec, srun) or hands it to a shell on the
// far side ({command}: ssh, emulated here by a script doing what ssh does: join its arguments
// with spaces and run them with `sh -c`).
#include "launch/exec_command.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>

namespace slaterl {
namespace {

// Runs `line` as the launcher does (`/bin/sh -c LINE`); its stdout.
std::string RunLine(const std::string& line) {
  const std::string command = "/bin/sh -c " + ShellWord(line);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return "<popen failed>";
  std::string out;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof(buf), pipe)) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

const std::vector<std::string> kAwkward = {
    "/shared/runs/my run",       "/shared/runs/it's",  "/shared/runs/say \"hi\"", "/shared/runs/$HOME and ${PATH}",
    "/shared/runs/`date` $(id)", "two  spaces\there",  "*",                       "~",
    "",                          "'",                  "\"",                      "\\ back\\slash",
    "a;b|c&d>e<f",               "it's \"all\" $mixed"};

// `printf '%s\n' ARGS...`: one line per argument as the program received it.
std::vector<std::string> PrintfArgv() {
  std::vector<std::string> argv = {"printf", "%s\\n"};
  argv.insert(argv.end(), kAwkward.begin(), kAwkward.end());
  return argv;
}
std::string Expected() {
  std::string out;
  for (const auto& a : kAwkward) out += a + "\n";
  return out;
}

TEST(ExecCommandTest, ShellWordQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(ShellWord("/opt/slaterl/build/slaterl"), "/opt/slaterl/build/slaterl");
  EXPECT_EQ(ShellWord("--launcher-address"), "--launcher-address");
  EXPECT_EQ(ShellWord("10.0.0.1:47000"), "10.0.0.1:47000");
  EXPECT_EQ(ShellWord(""), "''");
  EXPECT_EQ(ShellWord("/runs/my run"), "'/runs/my run'");
  EXPECT_EQ(ShellWord("/runs/it's"), "'/runs/it'\\''s'");
  EXPECT_EQ(ShellWord("/runs/say \"hi\""), "'/runs/say \"hi\"'");
  EXPECT_EQ(ShellWord("/runs/$HOME"), "'/runs/$HOME'");
  EXPECT_EQ(ShellWords({"a b", "c", "d'e"}), "'a b' c 'd'\\''e'");
}

TEST(ExecCommandTest, ArgvPlaceholderReachesAProgramAsTheSameArguments) {
  const std::string line = ExecCommandLine("env {argv}", "n1", PrintfArgv());
  EXPECT_EQ(RunLine(line), Expected()) << line;
}

TEST(ExecCommandTest, CommandPlaceholderSurvivesARemoteShellAsSshRunsIt) {
  // What ssh does with `ssh HOST ARGS...`: the remote user's shell runs ARGS joined by spaces.
  char pattern[] = "/tmp/slaterl-exec-XXXXXX";
  const std::string dir = ::mkdtemp(pattern);
  const std::string fake_ssh = dir + "/fake ssh";
  std::ofstream(fake_ssh) << "#!/bin/sh\nhost=$1\nshift\necho \"host=$host\"\nexec /bin/sh -c \"$*\"\n";
  ASSERT_EQ(::chmod(fake_ssh.c_str(), 0755), 0);
  const std::string line = ExecCommandLine(ShellWord(fake_ssh) + " {host} {command}", "n1", PrintfArgv());
  EXPECT_EQ(RunLine(line), "host=n1\n" + Expected()) << line;
  // The same through `sh -c {command}` (a shell on the far side of a program that runs its argv).
  const std::string sh_line = ExecCommandLine("env sh -c {command}", "n1", PrintfArgv());
  EXPECT_EQ(RunLine(sh_line), Expected()) << sh_line;
  std::remove(fake_ssh.c_str());
  ::rmdir(dir.c_str());
}

TEST(ExecCommandTest, DefaultSshTemplateQuotesTheCommandTwice) {
  EXPECT_EQ(ExecCommandLine("ssh {host} {command}", "n2",
                            {"/opt/slaterl", "_role", "actor", "--run-dir", "/shared/runs/my run"}),
            "ssh n2 '/opt/slaterl _role actor --run-dir '\\''/shared/runs/my run'\\'''");
  EXPECT_EQ(ExecCommandLine("ip netns exec {host} {argv}", "n2", {"/opt/slaterl", "--run-dir", "/runs/it's"}),
            "ip netns exec n2 /opt/slaterl --run-dir '/runs/it'\\''s'");
}

TEST(ExecCommandTest, SubstitutedTextIsNotSearchedForPlaceholdersAgain) {
  EXPECT_EQ(ExecCommandLine("x {host} {argv}", "{argv}", {"{host}"}), "x '{argv}' '{host}'");
  EXPECT_EQ(ExecCommandLine("{host}{host} {unknown}", "h", {}), "hh {unknown}");
}

}  // namespace
}  // namespace slaterl
