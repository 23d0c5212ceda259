#include "yaml_tree.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "diagnostic.h"

namespace probe::yaml {
namespace {

Node parse(std::string_view text) {
  auto root = parse_yaml(text, "t.yaml");
  if (!root) {
    ADD_FAILURE() << format_diagnostic(root.error());
    return {};
  }
  return *root;
}

Diagnostic parse_error(std::string_view text) {
  auto root = parse_yaml(text, "t.yaml");
  if (root) {
    ADD_FAILURE() << "the text parsed";
    return {};
  }
  return root.error();
}

std::vector<std::string> keys_of(const Node& map) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : map.entries())
    keys.emplace_back(key.scalar());
  return keys;
}

TEST(YamlTree, MarksPointAtNodeStart) {
  Node root = parse("a: 1\nb:\n  c: \"x\"\n  d: [p, q]\n");
  EXPECT_EQ(root.mark().line, 0);
  EXPECT_EQ(root["a"].mark().line, 0);
  EXPECT_EQ(root["a"].mark().column, 3);
  EXPECT_EQ(root["b"].mark().line, 2);
  EXPECT_EQ(root["b"].mark().column, 2);
  EXPECT_EQ(root["b"]["c"].mark().column, 5);  // at the opening quote
  Node q = *(++root["b"]["d"].begin());
  EXPECT_EQ(q.mark().line, 3);
  EXPECT_EQ(q.mark().column, 9);
  EXPECT_EQ(root["missing"].mark().line, -1);
}

TEST(YamlTree, EmptyValueMarkFollowsItsColon) {
  Node root = parse("a:\nb: 1\n");
  ASSERT_TRUE(root["a"].is_null());
  EXPECT_EQ(root["a"].mark().line, 0);
  EXPECT_EQ(root["a"].mark().column, 2);
}

TEST(YamlTree, PlainQuotedBlockAndTaggedScalars) {
  Node root = parse(
      "p: x\nq: \"x\"\ns: 'x'\nl: |\n  x\nf: >\n  x\nt: !!str x\nb: ! x\n"
      "n: ~\ne:\nnl: null\nqn: \"null\"\n");
  EXPECT_TRUE(root["p"].is_scalar());
  EXPECT_TRUE(root["p"].plain());
  for (const char* key : {"q", "s", "l", "f", "t", "b", "qn"}) {
    EXPECT_TRUE(root[key].is_scalar()) << key;
    EXPECT_FALSE(root[key].plain()) << key;
  }
  EXPECT_EQ(root["q"].scalar(), "x");
  EXPECT_EQ(root["l"].scalar(), "x\n");
  EXPECT_EQ(root["t"].tag(), "tag:yaml.org,2002:str");
  EXPECT_EQ(root["b"].tag(), "!");
  EXPECT_EQ(root["p"].tag(), "");
  for (const char* key : {"n", "e", "nl"}) {
    EXPECT_TRUE(root[key].is_null()) << key;
    EXPECT_TRUE(root[key]) << key;
  }
  EXPECT_EQ(root["qn"].scalar(), "null");
  EXPECT_FALSE(root["none"]);
  EXPECT_EQ(root["none"].kind(), Kind::undefined);
}

TEST(YamlTree, SequencesYieldItemsInOrder) {
  Node root = parse("- a\n- [b, c]\n- {d: e}\n-\n");
  ASSERT_TRUE(root.is_sequence());
  EXPECT_EQ(root.size(), 4u);
  std::vector<Kind> kinds;
  for (const Node& item : root)
    kinds.push_back(item.kind());
  EXPECT_EQ(kinds, (std::vector<Kind>{Kind::scalar, Kind::sequence, Kind::map, Kind::null}));
  EXPECT_FALSE(root["a"]);
  EXPECT_EQ(root.entries().size(), 0u);
  EXPECT_TRUE(keys_of(root).empty());
}

TEST(YamlTree, ChildOutlivesTheRootHandle) {
  Node child;
  {
    Node root = parse("a: {b: [text]}\n");
    child = root["a"]["b"];
  }
  ASSERT_TRUE(child.is_sequence());
  EXPECT_EQ((*child.begin()).scalar(), "text");
}

TEST(YamlTree, AliasesShareTheAnchoredNode) {
  Node root = parse("a: &x {k: 1}\nb: *x\nc: &s text\nd: *s\n");
  EXPECT_TRUE(root["a"].same(root["b"]));
  EXPECT_EQ(root["b"].mark().line, 0);
  EXPECT_EQ(root["b"].mark().column, 3);  // at the anchor
  EXPECT_EQ(root["d"].scalar(), "text");
}

TEST(YamlTree, LaterAnchorOfTheSameNameWins) {
  Node root = parse("a: &x 1\nb: &x 2\nc: *x\n");
  EXPECT_EQ(root["c"].scalar(), "2");
}

// Errors the tree reports itself, each at the line and column of its cause.
TEST(YamlTree, LocatedErrors) {
  struct Case {
    const char* text;
    const char* message;
    int line;
    int column;
  };
  const Case cases[] = {
      {"a: 1\nb: *nope\n", "undefined alias '*nope'", 2, 4},
      {"a: &x [1, *x]\n", "alias '*x' refers to a node that contains it", 1, 11},
      // A quote left open is found at the end of the file; the error points at its start.
      {"a: 1\nb: \"open\nc: 2\n", "invalid YAML: a quoted scalar is never closed", 2, 4},
      {"a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: *a\n  <<: *b\n", "duplicate key '<<'", 5, 3},
      {"a: 1\n---\nb: 2\n", "the file holds more than one YAML document", 2, 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    Diagnostic error = parse_error(c.text);
    EXPECT_EQ(error.message, c.message);
    EXPECT_EQ(error.location.line, c.line);
    EXPECT_EQ(error.location.column, c.column);
  }
}

TEST(YamlTree, TextAfterFirstDocumentIsRead) {
  // Text after the first document is read too, so its syntax errors are reported.
  Diagnostic garbage = parse_error("a: 1\n...\ngarbage: [\n");
  EXPECT_TRUE(garbage.message.starts_with("invalid YAML: ")) << garbage.message;
}

TEST(YamlTree, DuplicateKeysAreKeptInOrder) {
  Node root = parse("a: 1\nb: 2\na: 3\n");
  EXPECT_EQ(keys_of(root), (std::vector<std::string>{"a", "b", "a"}));
  EXPECT_EQ(root["a"].scalar(), "1");
  EXPECT_EQ(root.size(), 3u);
}

TEST(YamlTree, MergeKeysWrittenKeysWinThenEarlierSources) {
  Node root = parse(
      "a: &a {x: 1, y: 1}\n"
      "b: &b {x: 2, z: 2, w: 2}\n"
      "c:\n  y: 3\n  <<: [*a, *b]\n  v: 4\n");
  Node c = root["c"];
  EXPECT_EQ(keys_of(c), (std::vector<std::string>{"y", "v", "x", "z", "w"}));
  EXPECT_EQ(c["x"].scalar(), "1");
  EXPECT_EQ(c["y"].scalar(), "3");
  EXPECT_EQ(c["z"].scalar(), "2");
  EXPECT_FALSE(c["<<"]);
  // A merged value is the anchored mapping's own node, so errors point there.
  EXPECT_EQ(c["z"].mark().line, 1);
  EXPECT_TRUE(c["x"].same(root["a"]["x"]));
}

TEST(YamlTree, MergeOfOneMappingAndNestedMerges) {
  Node root = parse(
      "base: &base {method: GET, timeout: 5s}\n"
      "mid: &mid {<<: *base, timeout: 9s}\n"
      "top: {<<: *mid, url: /x}\n");
  Node top = root["top"];
  EXPECT_EQ(keys_of(top), (std::vector<std::string>{"url", "timeout", "method"}));
  EXPECT_EQ(top["timeout"].scalar(), "9s");
  EXPECT_EQ(top["method"].scalar(), "GET");
}

TEST(YamlTree, QuotedAndTaggedMergeKeys) {
  Node root = parse("a: &a {x: 1}\nq: {\"<<\": *a}\nt: {!!merge <<: *a}\n");
  EXPECT_TRUE(root["q"]["<<"]);
  EXPECT_FALSE(root["q"]["x"]);
  EXPECT_FALSE(root["t"]["<<"]);
  EXPECT_EQ(root["t"]["x"].scalar(), "1");
}

TEST(YamlTree, MergeOfScalarIsError) {
  Diagnostic error = parse_error("s: &s GET\nm:\n  <<: *s\n  url: /x\n");
  EXPECT_EQ(error.message, "'<<' merges only mappings");
  EXPECT_EQ(error.location.line, 1);
  EXPECT_EQ(error.location.column, 4);

  Diagnostic in_list = parse_error("a: &a {x: 1}\nm: {<<: [*a, 3]}\n");
  EXPECT_EQ(in_list.message, "'<<' merges only mappings");
  EXPECT_EQ(in_list.location.line, 2);
  EXPECT_EQ(in_list.location.column, 14);
}

TEST(YamlTree, MergeChainBeyondTheBudgetIsError) {
  std::string text = "m0: &m0 {";
  for (int key = 0; key < 300; ++key)
    text += (key > 0 ? ", k" : "k") + std::to_string(key) + ": 1";
  text += "}\n";
  for (int map = 1; map <= 1000; ++map) {
    text += "m" + std::to_string(map) + ": &m" + std::to_string(map) + " {<<: *m" +
            std::to_string(map - 1) + ", n" + std::to_string(map) + ": 1}\n";
  }
  Diagnostic error = parse_error(text);
  EXPECT_EQ(error.message, "aliases expand the file into too many values");
}

TEST(YamlTree, SyntaxErrorIsLocated) {
  Diagnostic error = parse_error("name: x\ntests:\n  - request: {url: /a\n");
  EXPECT_TRUE(error.message.starts_with("invalid YAML: ")) << error.message;
  EXPECT_NE(error.message.find("line 3"), std::string::npos) << error.message;
  EXPECT_EQ(error.location.file, "t.yaml");
  EXPECT_EQ(error.location.line, 4);
  EXPECT_EQ(error.location.column, 1);
  EXPECT_EQ(error.hint, "fix the YAML syntax at this position");

  Diagnostic indent = parse_error("a:\n  - b\n  c: d\n");
  EXPECT_EQ(indent.location.line, 3);
  EXPECT_EQ(indent.location.column, 3);
}

TEST(YamlTree, FlowKeyWithoutValueReadsAsYaml12) {
  Node root = parse("p: {id:}\nq: [a:, b: 1]\ns: {a:, b: 1}  # {c:}\n");
  EXPECT_TRUE(root["p"]["id"].is_null());
  EXPECT_TRUE((*root["q"].begin())["a"].is_null());
  EXPECT_EQ(root["s"]["b"].scalar(), "1");
  // Marks are those of the text as written, without the space the parser needed.
  EXPECT_EQ(root["s"]["b"].mark().column, 11);
  Diagnostic error = parse_error("p: {id:}\nq: [\n");
  EXPECT_EQ(error.location.line, 3);

  std::string many;
  for (int key = 0; key < 17; ++key)
    many += "k" + std::to_string(key) + ": {id:}\n";
  Diagnostic too_many = parse_error(many);
  EXPECT_EQ(too_many.location.line, 17);
  EXPECT_EQ(too_many.location.column, 9);
  EXPECT_EQ(too_many.hint, "write a space after the ':' of a key without a value, as in {id: }");
  many.pop_back();
  many.resize(many.rfind('\n') + 1);
  EXPECT_TRUE(parse(many)["k15"]["id"].is_null());
}

TEST(YamlTree, DeepNestingIsErrorNotCrash) {
  Diagnostic flow = parse_error(std::string(100'000, '['));
  EXPECT_EQ(flow.message, "the YAML nests more than 256 levels deep");
  EXPECT_EQ(flow.location.line, 1);
  EXPECT_EQ(flow.location.column, 257);

  std::string block;
  for (int level = 0; level < 300; ++level)
    block += std::string(static_cast<size_t>(level), ' ') + "k:\n";
  Diagnostic nested = parse_error(block);
  EXPECT_EQ(nested.location.line, 257);

  std::string allowed = std::string(kMaxDepth, '[') + std::string(kMaxDepth, ']');
  EXPECT_TRUE(parse(allowed).is_sequence());
}

TEST(YamlTree, InvalidUtf8AndNulAreCleanErrors) {
  Diagnostic utf8 = parse_error("a: ok\nb: \xff\xfe\n");
  EXPECT_TRUE(utf8.message.starts_with("invalid YAML: ")) << utf8.message;
  EXPECT_EQ(utf8.location.line, 2);
  EXPECT_EQ(utf8.location.column, 4);

  Diagnostic nul = parse_error(std::string("a: b\0c\n", 7));
  EXPECT_TRUE(nul.message.starts_with("invalid YAML: ")) << nul.message;
  EXPECT_EQ(nul.location.line, 1);
  EXPECT_EQ(nul.location.column, 5);
}

TEST(YamlTree, EmptyText) {
  EXPECT_FALSE(parse(""));
  EXPECT_FALSE(parse("# nothing here\n"));
  EXPECT_TRUE(parse("~\n").is_null());
  EXPECT_EQ(parse("---\na: 1\n...\n")["a"].scalar(), "1");
}

TEST(YamlTree, TabIndentGetsHint) {
  Diagnostic tab = parse_error("a:\n\tb: 1\n");
  EXPECT_EQ(tab.location.line, 2);
  EXPECT_EQ(tab.location.column, 1);
  EXPECT_EQ(tab.hint, "indent with spaces: YAML does not allow tabs here");
}

}  // namespace
}  // namespace probe::yaml
