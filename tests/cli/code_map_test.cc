// The code map in README.md and docs/runtime.md names every top-level folder of the repository,
// and nothing else.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/files.h"
#include "tests/launch/process_util.h"

namespace slaterl {
namespace {

using namespace testing_util;

// The folders named in the first column of the "## Code map" table of a Markdown file.
std::set<std::string> MappedFolders(const std::string& path) {
  const std::string text = ReadText(path);
  const size_t start = text.find("## Code map");
  EXPECT_NE(start, std::string::npos) << path << " has no code map";
  std::set<std::string> folders;
  if (start == std::string::npos) return folders;
  for (const std::string& line : Lines(text.substr(start))) {
    if (line.rfind("| `", 0) != 0) continue;
    const size_t end = line.find("/`");
    if (end != std::string::npos) folders.insert(line.substr(3, end - 3));
  }
  return folders;
}

// Top-level folders of the source tree (build outputs, run directories and hidden folders aside).
std::set<std::string> TreeFolders() {
  std::set<std::string> folders;
  auto names = ListDirectory(SourceDir());
  EXPECT_TRUE(names.ok()) << names.status().ToString();
  if (!names.ok()) return folders;
  for (const auto& name : *names) {
    if (name[0] == '.' || name == "runs" || name.rfind("build", 0) == 0) continue;
    if (ListDirectory(SourceDir() + "/" + name).ok()) folders.insert(name);
  }
  return folders;
}

TEST(CodeMapTest, ReadmeNamesEveryFolderOfTheTree) {
  EXPECT_EQ(MappedFolders(SourceDir() + "/README.md"), TreeFolders());
}

TEST(CodeMapTest, RuntimeDocNamesEveryFolderOfTheTree) {
  EXPECT_EQ(MappedFolders(SourceDir() + "/docs/runtime.md"), TreeFolders());
}

}  // namespace
}  // namespace slaterl
