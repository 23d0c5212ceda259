// RFC 9535 JSONPath: a recursive-descent parser that type-checks filter expressions, an
// evaluator that walks the document by pointer, and the I-Regexp (RFC 9485) translation to RE2
// that match() and search() use.
#include "json_path.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <compare>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>

namespace probe {
namespace {

using Json = nlohmann::json;
using NodeList = std::vector<const Json*>;

// RFC 9535 limits indexes and slice bounds to the range where doubles hold integers exactly.
constexpr int64_t kMaxExactInteger = (int64_t{1} << 53) - 1;

// Parentheses, filters and function calls may nest this deep. The parser and the evaluator
// recurse per level, so the limit bounds their stack use for hostile input such as 10,000
// nested parentheses.
constexpr int kMaxNesting = 128;

// match() and search() with a pattern taken from the document compile each distinct pattern
// once per select() call, keeping at most this many compiled patterns at a time.
constexpr size_t kMaxCachedPatterns = 64;

// ---------------------------------------------------------------------------------------------
// UTF-8

// Decodes the UTF-8 sequence that starts at text[pos] and stores its byte count in `length`.
// Returns nullopt for a truncated or overlong sequence, a surrogate or a value above U+10FFFF.
std::optional<char32_t> decode_utf8(std::string_view text, size_t pos, size_t& length) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) {
    length = 1;
    return lead;
  }

  char32_t code_point = 0;
  char32_t min_value = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code_point = lead & 0x1F;
    min_value = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code_point = lead & 0x0F;
    min_value = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code_point = lead & 0x07;
    min_value = 0x10000;
  } else {
    return std::nullopt;
  }

  if (pos + length > text.size()) {
    return std::nullopt;
  }
  for (size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(text[pos + i]);
    if ((byte & 0xC0) != 0x80) {
      return std::nullopt;
    }
    code_point = (code_point << 6) | (byte & 0x3F);
  }

  const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
  if (code_point < min_value || code_point > 0x10FFFF || surrogate) {
    return std::nullopt;
  }
  return code_point;
}

void encode_utf8(std::string& out, char32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

// Counts Unicode scalar values, which is what length() returns for a string.
size_t count_code_points(const std::string& text) {
  size_t count = 0;
  for (const char byte : text) {
    if ((static_cast<unsigned char>(byte) & 0xC0) != 0x80) {
      ++count;
    }
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// I-Regexp (RFC 9485) to RE2

// Appends `code_point` to an RE2 pattern as a literal. Everything but ASCII letters and digits
// becomes \x{...}, so no character can take on an RE2 meaning.
void append_regex_literal(std::string& out, char32_t code_point) {
  const bool alphanumeric = (code_point >= 'a' && code_point <= 'z') ||
                            (code_point >= 'A' && code_point <= 'Z') ||
                            (code_point >= '0' && code_point <= '9');
  if (alphanumeric) {
    out += static_cast<char>(code_point);
    return;
  }

  std::array<char, 8> digits{};
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(),
                                    static_cast<uint32_t>(code_point), 16);
  out += "\\x{";
  out.append(digits.data(), result.ptr);
  out += '}';
}

// Builds the RE2 class body (without brackets) of the unassigned code points, general category
// Cn. RE2 has no \p{Cn}, so this takes every scalar value that none of RE2's categories
// contains. It scans all 1,112,064 scalar values once with RE2, only when a pattern first uses
// \p{Cn}, \p{C} or their complements. Parsing the first such pattern took about 0.13 s in a
// RelWithDebInfo build on a busy 2-core AMD EPYC VM.
std::string build_unassigned_class_body() {
  std::string all_scalar_values;
  all_scalar_values.reserve(4 * 0x110000);
  for (char32_t code_point = 0; code_point <= 0x10FFFF; ++code_point) {
    if (code_point < 0xD800 || code_point > 0xDFFF) {
      encode_utf8(all_scalar_values, code_point);
    }
  }

  RE2::Options options;
  options.set_log_errors(false);
  const RE2 unassigned_run("([^\\p{L}\\p{M}\\p{N}\\p{P}\\p{S}\\p{Z}\\p{C}]+)", options);

  std::string body;
  re2::StringPiece input(all_scalar_values);
  re2::StringPiece run;
  while (RE2::FindAndConsume(&input, unassigned_run, &run)) {
    const std::string_view text(run.data(), run.size());
    size_t length = 0;
    const char32_t first = decode_utf8(text, 0, length).value_or(0);
    size_t last_start = text.size() - 1;
    while ((static_cast<unsigned char>(text[last_start]) & 0xC0) == 0x80) {
      --last_start;
    }
    const char32_t last = decode_utf8(text, last_start, length).value_or(0);

    append_regex_literal(body, first);
    if (last != first) {
      body += '-';
      append_regex_literal(body, last);
    }
  }
  return body;
}

const std::string& unassigned_class_body() {
  static const std::string body = build_unassigned_class_body();
  return body;
}

// Translates the I-Regexp category escape \p{name} (or \P{name} when `complement`) to an RE2
// class body. Returns nullopt for a name that I-Regexp does not define.
std::optional<std::string> translate_category(std::string_view name, bool complement) {
  static constexpr std::array<std::string_view, 36> kCategories = {
      "L",  "Ll", "Lm", "Lo", "Lt", "Lu", "M",  "Mc", "Me", "Mn", "N",  "Nd",
      "Nl", "No", "P",  "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "Z",  "Zl",
      "Zp", "Zs", "S",  "Sc", "Sk", "Sm", "So", "C",  "Cc", "Cf", "Cn", "Co"};
  if (std::find(kCategories.begin(), kCategories.end(), name) == kCategories.end()) {
    return std::nullopt;
  }

  // RE2's \p{C} lacks the unassigned code points that Unicode's C includes, and RE2 has no Cn,
  // so both are rebuilt from the categories that RE2 has.
  const std::string assigned_but_other = "\\p{L}\\p{M}\\p{N}\\p{P}\\p{S}\\p{Z}";
  if (name == "Cn") {
    return complement ? assigned_but_other + "\\p{C}" : unassigned_class_body();
  }
  if (name == "C") {
    return complement ? assigned_but_other : "\\p{C}" + unassigned_class_body();
  }
  return std::string(complement ? "\\P{" : "\\p{") + std::string(name) + "}";
}

// A forward-only reader of one I-Regexp that writes the equivalent RE2 pattern.
class IRegexpTranslator {
 public:
  explicit IRegexpTranslator(std::string_view pattern) : pattern_(pattern) {}

  // Returns the RE2 pattern, or nullopt when the pattern is not a valid I-Regexp.
  std::optional<std::string> translate() {
    // Groups need no recursion: a count of open groups is enough to check them, so a pattern
    // from a hostile document cannot exhaust the stack.
    int open_groups = 0;
    bool after_atom = false;  // a quantifier may follow
    while (pos_ < pattern_.size()) {
      const char c = pattern_[pos_];
      if (c == '(') {
        out_ += "(?:";
        ++open_groups;
        after_atom = false;
        ++pos_;
      } else if (c == ')') {
        if (open_groups == 0) {
          return std::nullopt;
        }
        out_ += ')';
        --open_groups;
        after_atom = true;
        ++pos_;
      } else if (c == '|') {
        out_ += '|';
        after_atom = false;
        ++pos_;
      } else if (c == '^' || c == '$') {
        // The RFC 9485 grammar lists '^' and '$' as ordinary characters, but the JSONPath
        // compliance test suite expects them to anchor like in ECMAScript ('^ab.*' matches
        // "abc"). RE2's '^' and '$' match only at the start and end of the text.
        out_ += c;
        after_atom = false;
        ++pos_;
      } else if (c == '*' || c == '+' || c == '?' || c == '{') {
        if (!after_atom || !translate_quantifier()) {
          return std::nullopt;
        }
        after_atom = false;
      } else {
        if (!translate_atom()) {
          return std::nullopt;
        }
        after_atom = true;
      }
    }
    if (open_groups != 0) {
      return std::nullopt;
    }
    return std::move(out_);
  }

 private:
  bool at_end() const { return pos_ >= pattern_.size(); }
  char peek() const { return at_end() ? '\0' : pattern_[pos_]; }

  bool translate_quantifier() {
    const char c = pattern_[pos_++];
    if (c != '{') {
      out_ += c;
      return true;
    }

    const std::optional<uint64_t> min = read_count();
    if (!min) {
      return false;
    }
    std::optional<uint64_t> max = min;
    bool unbounded = false;
    if (peek() == ',') {
      ++pos_;
      if (peek() == '}') {
        unbounded = true;
      } else {
        max = read_count();
        if (!max || *max < *min) {
          return false;
        }
      }
    }
    if (peek() != '}') {
      return false;
    }
    ++pos_;

    // NOTE: RE2 (20220601) rejects counts above 1000, so such patterns match nothing.
    out_ += '{' + std::to_string(*min);
    if (unbounded) {
      out_ += ',';
    } else if (*max != *min) {
      out_ += ',' + std::to_string(*max);
    }
    out_ += '}';
    return true;
  }

  // Reads QuantExact: one or more decimal digits, saturating far above RE2's limit.
  std::optional<uint64_t> read_count() {
    if (at_end() || peek() < '0' || peek() > '9') {
      return std::nullopt;
    }
    uint64_t value = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      value = std::min<uint64_t>(value * 10 + static_cast<uint64_t>(peek() - '0'), 1'000'000);
      ++pos_;
    }
    return value;
  }

  bool translate_atom() {
    const char c = pattern_[pos_];
    if (c == '.') {
      // I-Regexp's dot matches any character but the line terminators LF and CR.
      out_ += "[^\\n\\r]";
      ++pos_;
      return true;
    }
    if (c == '[') {
      return translate_class();
    }
    if (c == '\\' && pos_ + 1 < pattern_.size() && (pattern_[pos_ + 1] | 0x20) == 'p') {
      const std::optional<std::string> body = read_category();
      if (!body) {
        return false;
      }
      out_ += '[' + *body + ']';
      return true;
    }
    if (c == ']' || c == '}') {
      return false;
    }
    const std::optional<char32_t> literal = read_char();
    if (!literal) {
      return false;
    }
    append_regex_literal(out_, *literal);
    return true;
  }

  // Reads \p{name} or \P{name} at pos_ and returns its RE2 class body.
  std::optional<std::string> read_category() {
    const bool complement = pattern_[pos_ + 1] == 'P';
    pos_ += 2;
    if (peek() != '{') {
      return std::nullopt;
    }
    const size_t close = pattern_.find('}', pos_);
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    const std::string_view name = pattern_.substr(pos_ + 1, close - pos_ - 1);
    pos_ = close + 1;
    return translate_category(name, complement);
  }

  // Reads one character: a literal or a single-character escape such as \n or \[. Category
  // escapes are handled by the callers.
  std::optional<char32_t> read_char() {
    if (pattern_[pos_] != '\\') {
      size_t length = 0;
      const std::optional<char32_t> code_point = decode_utf8(pattern_, pos_, length);
      pos_ += length;
      return code_point;
    }

    ++pos_;
    if (at_end()) {
      return std::nullopt;
    }
    const char escaped = pattern_[pos_++];
    switch (escaped) {
      case 'n':
        return U'\n';
      case 'r':
        return U'\r';
      case 't':
        return U'\t';
      case '(':
      case ')':
      case '*':
      case '+':
      case '-':
      case '.':
      case '?':
      case '[':
      case '\\':
      case ']':
      case '^':
      case '{':
      case '|':
      case '}':
        return static_cast<char32_t>(escaped);
      default:
        return std::nullopt;
    }
  }

  // Translates charClassExpr: "[" ["^"] ("-" / CCE1) *CCE1 ["-"] "]", where CCE1 is a character,
  // a range of two characters or a category escape. A '-' is a literal only first or last.
  bool translate_class() {
    ++pos_;
    std::string body;
    const bool negated = peek() == '^';
    if (negated) {
      ++pos_;
    }

    bool first = true;
    while (true) {
      if (at_end()) {
        return false;
      }
      const char c = peek();
      if (c == ']') {
        if (first) {
          return false;
        }
        ++pos_;
        break;
      }
      if (c == '-') {
        ++pos_;
        if (!first && peek() != ']') {
          return false;
        }
        append_regex_literal(body, U'-');
        first = false;
        continue;
      }
      if (c == '[') {
        return false;
      }
      if (c == '\\' && pos_ + 1 < pattern_.size() && (pattern_[pos_ + 1] | 0x20) == 'p') {
        const std::optional<std::string> category = read_category();
        if (!category) {
          return false;
        }
        body += *category;
        first = false;
        continue;
      }
      if (!translate_class_range(body)) {
        return false;
      }
      first = false;
    }

    out_ += negated ? "[^" : "[";
    out_ += body;
    out_ += ']';
    return true;
  }

  // Translates a class character, or a range "a-z" when a '-' and no ']' follow it.
  bool translate_class_range(std::string& body) {
    const std::optional<char32_t> low = read_char();
    if (!low) {
      return false;
    }
    const bool is_range = peek() == '-' && pos_ + 1 < pattern_.size() && pattern_[pos_ + 1] != ']';
    if (!is_range) {
      append_regex_literal(body, *low);
      return true;
    }

    ++pos_;
    const char high_start = peek();
    if (high_start == '[' || high_start == '-') {
      return false;
    }
    if (high_start == '\\' && pos_ + 1 < pattern_.size() && (pattern_[pos_ + 1] | 0x20) == 'p') {
      return false;
    }
    const std::optional<char32_t> high = read_char();
    if (!high || *high < *low) {
      return false;
    }
    append_regex_literal(body, *low);
    body += '-';
    append_regex_literal(body, *high);
    return true;
  }

  std::string_view pattern_;
  size_t pos_ = 0;
  std::string out_;
};

// Compiles an I-Regexp. Returns null when the pattern is not a valid I-Regexp or RE2 cannot
// compile its translation (counts above 1000, or a program larger than RE2's memory budget).
std::unique_ptr<const RE2> compile_i_regexp(std::string_view pattern) {
  std::optional<std::string> translated = IRegexpTranslator(pattern).translate();
  if (!translated) {
    return nullptr;
  }

  RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_unique<const RE2>(*translated, options);
  if (!regex->ok()) {
    return nullptr;
  }
  return regex;
}

// ---------------------------------------------------------------------------------------------
// Syntax tree

struct Expr;

enum class SelectorKind { name, wildcard, index, slice, filter };

struct Slice {
  std::optional<int64_t> start;
  std::optional<int64_t> end;
  int64_t step = 1;
};

struct Selector {
  SelectorKind kind = SelectorKind::wildcard;
  std::string name;              // kind == name
  int64_t index = 0;             // kind == index
  Slice slice;                   // kind == slice
  std::unique_ptr<Expr> filter;  // kind == filter: a logical expression
};

struct Segment {
  bool descendant = false;
  // Blank space inside the brackets, which the singular query grammar does not allow: @['a'] is
  // a singular query but @[ 'a' ] is not.
  bool blank_inside_brackets = false;
  std::vector<Selector> selectors;
};

struct Query {
  bool absolute = true;  // starts at the root ($) rather than at the current node (@)
  std::vector<Segment> segments;
  bool singular = true;  // matches the RFC 9535 singular-query grammar
};

// The three types of RFC 9535 function extensions.
enum class Type { value, logical, nodes };

enum class Function { length, count, match, search, value };

struct FunctionSignature {
  std::string_view name;
  Function function;
  Type result;
  std::vector<Type> parameters;
};

const std::array<FunctionSignature, 5>& function_signatures() {
  static const std::array<FunctionSignature, 5> signatures = {{
      {"length", Function::length, Type::value, {Type::value}},
      {"count", Function::count, Type::value, {Type::nodes}},
      {"match", Function::match, Type::logical, {Type::value, Type::value}},
      {"search", Function::search, Type::logical, {Type::value, Type::value}},
      {"value", Function::value, Type::value, {Type::nodes}},
  }};
  return signatures;
}

const FunctionSignature& signature_of(Function function) {
  return function_signatures()[static_cast<size_t>(function)];
}

enum class ExprKind { literal, query, function, logical_not, logical_and, logical_or, comparison };

enum class ComparisonOp { equal, not_equal, less, less_equal, greater, greater_equal };

struct Expr {
  ExprKind kind = ExprKind::literal;
  size_t offset = 0;  // where the expression starts in the query text, for error messages
  Json literal;
  Query query;
  Function function = Function::length;
  ComparisonOp comparison = ComparisonOp::equal;
  // Function arguments, or the operands of a logical operator or a comparison.
  std::vector<Expr> operands;
  // For match() and search() whose pattern is a literal: the pattern is compiled at parse time
  // and `regex` is null when the literal is not a string or not a valid I-Regexp.
  bool has_literal_pattern = false;
  std::shared_ptr<const RE2> regex;
};

Type type_of(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::literal:
      return Type::value;
    case ExprKind::query:
      return Type::nodes;
    case ExprKind::function:
      return signature_of(expr.function).result;
    default:
      return Type::logical;
  }
}

// Returns whether the query matches the singular-query grammar: child segments of one name or
// index selector each, written as .name, ['name'] or [index] without blank space in brackets.
bool is_singular_query(const Query& query) {
  for (const Segment& segment : query.segments) {
    if (segment.descendant || segment.blank_inside_brackets || segment.selectors.size() != 1) {
      return false;
    }
    const SelectorKind kind = segment.selectors.front().kind;
    if (kind != SelectorKind::name && kind != SelectorKind::index) {
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Parser

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_lower_alpha(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Describes the character at text[pos] for an error message: 'x', U+000A or "end of query".
std::string describe_char_at(std::string_view text, size_t pos) {
  if (pos >= text.size()) {
    return "end of query";
  }
  const auto byte = static_cast<unsigned char>(text[pos]);
  if (byte > 0x20 && byte < 0x7F) {
    return std::string("'") + static_cast<char>(byte) + "'";
  }

  size_t length = 0;
  const std::optional<char32_t> code_point = decode_utf8(text, pos, length);
  if (!code_point) {
    return "invalid UTF-8";
  }
  std::array<char, 8> digits{};
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(),
                                    static_cast<uint32_t>(*code_point), 16);
  std::string hex(digits.data(), result.ptr);
  for (char& c : hex) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return "U+" + std::string(hex.size() < 4 ? 4 - hex.size() : 0, '0') + hex;
}

// Parses the saturated decimal exponent "e[+-]digits" of a number literal, 0 when absent.
int64_t read_decimal_exponent(std::string_view number) {
  const size_t e = number.find_first_of("eE");
  if (e == std::string_view::npos) {
    return 0;
  }
  size_t pos = e + 1;
  const bool negative = number[pos] == '-';
  if (number[pos] == '-' || number[pos] == '+') {
    ++pos;
  }
  int64_t exponent = 0;
  for (; pos < number.size(); ++pos) {
    exponent = std::min<int64_t>(exponent * 10 + (number[pos] - '0'), 1'000'000'000);
  }
  return negative ? -exponent : exponent;
}

// Returns whether a number literal that a double cannot hold is too large (rather than too
// small): true when its magnitude is at least 1.
bool is_above_double_range(std::string_view number) {
  const std::string_view mantissa = number.substr(0, number.find_first_of("eE"));
  const size_t point = mantissa.find('.');
  const std::string_view integer_part = mantissa.substr(0, point);
  const size_t first_nonzero = integer_part.find_first_of("123456789");

  int64_t order = 0;  // the power of ten of the leading significant digit
  if (first_nonzero != std::string_view::npos) {
    order = static_cast<int64_t>(integer_part.size() - first_nonzero) - 1;
  } else if (point != std::string_view::npos) {
    const size_t leading_zeros = mantissa.find_first_not_of('0', point + 1) - point - 1;
    order = -static_cast<int64_t>(leading_zeros) - 1;
  }
  return order + read_decimal_exponent(number) >= 0;
}

// Converts a number literal that has passed the grammar check. Integers that fit in int64 stay
// integers. Larger magnitudes become doubles, out-of-range ones infinity or zero.
Json number_from_literal(std::string_view number, bool is_integer) {
  const char* begin = number.data();
  const char* end = number.data() + number.size();
  if (is_integer) {
    int64_t integer = 0;
    const auto [ptr, error] = std::from_chars(begin, end, integer);
    if (error == std::errc() && ptr == end) {
      return Json(integer);
    }
  }

  double value = 0;
  const auto [ptr, error] = std::from_chars(begin, end, value);
  if (error == std::errc::result_out_of_range) {
    const bool negative = number.front() == '-';
    value = is_above_double_range(number) ? HUGE_VAL : 0.0;
    value = negative ? -value : value;
  }
  return Json(value);
}

// Counts one level of expression nesting for the lifetime of a parser frame.
class NestingGuard {
 public:
  explicit NestingGuard(int& depth) : depth_(depth) { ++depth_; }
  ~NestingGuard() { --depth_; }
  NestingGuard(const NestingGuard&) = delete;
  NestingGuard& operator=(const NestingGuard&) = delete;

 private:
  int& depth_;
};

// A recursive-descent parser for the RFC 9535 grammar. Each parse_* function returns false after
// recording the first error, and its caller then returns false too.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  bool parse_root(Query& query) {
    if (peek() != '$') {
      return fail("a query must start with '$'", 0);
    }
    ++pos_;
    query.absolute = true;
    if (!parse_segments(query)) {
      return false;
    }

    if (!at_end()) {
      if (is_blank(peek())) {
        return fail("blank space is not allowed at the end of a query", pos_);
      }
      return fail("expected '.', '..' or '[' but found " + describe_char_at(text_, pos_), pos_);
    }
    return true;
  }

  JsonPathError take_error() { return std::move(error_).value_or(JsonPathError{}); }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  char peek_next() const { return pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0'; }

  // Skips blank space (space, tab, LF, CR) and returns whether there was any.
  bool skip_blanks() {
    const size_t start = pos_;
    while (!at_end() && is_blank(text_[pos_])) {
      ++pos_;
    }
    return pos_ != start;
  }

  bool fail(std::string message, size_t offset) {
    if (!error_) {
      error_ = JsonPathError{std::move(message), offset};
    }
    return false;
  }

  // -- Segments and selectors

  // Parses *(S segment). Blank space that no segment follows is left for the caller.
  bool parse_segments(Query& query) {
    while (true) {
      const size_t before_blanks = pos_;
      skip_blanks();
      if (peek() != '.' && peek() != '[') {
        pos_ = before_blanks;
        break;
      }
      Segment segment;
      if (!parse_segment(segment)) {
        return false;
      }
      query.segments.push_back(std::move(segment));
    }
    query.singular = is_singular_query(query);
    return true;
  }

  bool parse_segment(Segment& segment) {
    if (peek() == '[') {
      return parse_bracketed_selection(segment);
    }

    ++pos_;
    segment.descendant = peek() == '.';
    if (segment.descendant) {
      ++pos_;
      if (peek() == '[') {
        return parse_bracketed_selection(segment);
      }
    }

    Selector selector;
    if (peek() == '*') {
      ++pos_;
      selector.kind = SelectorKind::wildcard;
    } else if (starts_member_name()) {
      selector.kind = SelectorKind::name;
      if (!parse_member_name(selector.name)) {
        return false;
      }
    } else if (error_) {
      return false;
    } else {
      const char* after = segment.descendant ? "'..'" : "'.'";
      return fail(std::string("expected a member name, '*' or '[' after ") + after + " but found " +
                      describe_char_at(text_, pos_),
                  pos_);
    }
    segment.selectors.push_back(std::move(selector));
    return true;
  }

  // True when a member-name-shorthand starts at pos_: a letter, '_' or any non-ASCII character.
  // Records an error for invalid UTF-8.
  bool starts_member_name() {
    if (at_end()) {
      return false;
    }
    const char c = peek();
    if (is_alpha(c) || c == '_') {
      return true;
    }
    if (static_cast<unsigned char>(c) < 0x80) {
      return false;
    }
    size_t length = 0;
    if (!decode_utf8(text_, pos_, length)) {
      fail("invalid UTF-8 in query", pos_);
      return false;
    }
    return true;
  }

  bool parse_member_name(std::string& name) {
    const size_t start = pos_;
    while (starts_member_name() || is_digit(peek())) {
      size_t length = 1;
      decode_utf8(text_, pos_, length);
      pos_ += length;
    }
    name.assign(text_.substr(start, pos_ - start));
    return !error_;
  }

  bool parse_bracketed_selection(Segment& segment) {
    ++pos_;
    segment.blank_inside_brackets = skip_blanks();
    while (true) {
      Selector selector;
      if (!parse_selector(selector)) {
        return false;
      }
      segment.selectors.push_back(std::move(selector));

      segment.blank_inside_brackets |= skip_blanks();
      if (peek() == ']') {
        ++pos_;
        return true;
      }
      if (peek() != ',') {
        return fail("expected ',' or ']' after selector but found " + describe_char_at(text_, pos_),
                    pos_);
      }
      ++pos_;
      skip_blanks();
    }
  }

  bool parse_selector(Selector& selector) {
    const char c = peek();
    if (c == '\'' || c == '"') {
      selector.kind = SelectorKind::name;
      return parse_string_literal(selector.name);
    }
    if (c == '*') {
      ++pos_;
      selector.kind = SelectorKind::wildcard;
      return true;
    }
    if (c == '?') {
      ++pos_;
      skip_blanks();
      selector.kind = SelectorKind::filter;
      selector.filter = std::make_unique<Expr>();
      return parse_logical_or(*selector.filter) && require_test(*selector.filter);
    }
    if (c == '-' || c == ':' || is_digit(c)) {
      return parse_index_or_slice(selector);
    }
    return fail(
        "expected a selector (a quoted name, '*', an index, a slice or a '?' filter) but "
        "found " +
            describe_char_at(text_, pos_),
        pos_);
  }

  bool parse_index_or_slice(Selector& selector) {
    std::optional<int64_t> start;
    if (peek() != ':') {
      int64_t value = 0;
      if (!parse_integer(value)) {
        return false;
      }
      start = value;
    }

    const size_t after_start = pos_;
    skip_blanks();
    if (peek() != ':') {
      pos_ = after_start;
      selector.kind = SelectorKind::index;
      selector.index = *start;
      return true;
    }

    selector.kind = SelectorKind::slice;
    selector.slice.start = start;
    ++pos_;
    skip_blanks();
    if (peek() == '-' || is_digit(peek())) {
      int64_t end = 0;
      if (!parse_integer(end)) {
        return false;
      }
      selector.slice.end = end;
      skip_blanks();
    }
    if (peek() == ':') {
      ++pos_;
      skip_blanks();
      if (peek() == '-' || is_digit(peek())) {
        return parse_integer(selector.slice.step);
      }
    }
    return true;
  }

  // Parses an index or slice bound: "0" or an optional '-' and digits without a leading zero,
  // within ±(2^53-1).
  bool parse_integer(int64_t& value) {
    const size_t start = pos_;
    const bool negative = peek() == '-';
    if (negative) {
      ++pos_;
    }
    if (!is_digit(peek())) {
      return fail("expected a digit but found " + describe_char_at(text_, pos_), pos_);
    }
    if (peek() == '0') {
      ++pos_;
      if (is_digit(peek())) {
        return fail("leading zeros are not allowed in an integer", start);
      }
      if (negative) {
        return fail("'-0' is not allowed as an index or slice bound; use 0", start);
      }
      value = 0;
      return true;
    }

    bool too_large = false;
    value = 0;
    while (is_digit(peek())) {
      if (!too_large) {
        value = value * 10 + (peek() - '0');
        too_large = value > kMaxExactInteger;
      }
      ++pos_;
    }
    if (too_large) {
      return fail("integer " + std::string(text_.substr(start, pos_ - start)) +
                      " is outside the range -(2^53-1) to 2^53-1",
                  start);
    }
    value = negative ? -value : value;
    return true;
  }

  // Parses a single- or double-quoted string literal and decodes its escapes.
  bool parse_string_literal(std::string& out) {
    const size_t open = pos_;
    const char quote = text_[pos_++];
    while (true) {
      if (at_end()) {
        return fail("unterminated string literal", open);
      }
      const auto c = static_cast<unsigned char>(peek());
      if (c == static_cast<unsigned char>(quote)) {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (!parse_escape(quote, out)) {
          return false;
        }
        continue;
      }
      if (c < 0x20) {
        return fail("control character " + describe_char_at(text_, pos_) +
                        " must be escaped in a string literal",
                    pos_);
      }
      size_t length = 0;
      if (!decode_utf8(text_, pos_, length)) {
        return fail("invalid UTF-8 in string literal", pos_);
      }
      out.append(text_.substr(pos_, length));
      pos_ += length;
    }
  }

  bool parse_escape(char quote, std::string& out) {
    const size_t start = pos_;
    ++pos_;
    if (at_end()) {
      return fail("unterminated string literal", start);
    }
    const char c = text_[pos_++];
    switch (c) {
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case '/':
      case '\\':
        out += c;
        return true;
      case 'u':
        return parse_unicode_escape(start, out);
      default:
        if (c == quote) {
          out += c;
          return true;
        }
        return fail("invalid escape sequence '\\" + std::string(1, c) + "' in string literal",
                    start);
    }
  }

  // Parses the hex digits of \uXXXX, and the second \uXXXX of a surrogate pair.
  bool parse_unicode_escape(size_t start, std::string& out) {
    std::optional<char32_t> unit = read_hex4();
    if (!unit) {
      return fail("expected four hex digits after '\\u'", start);
    }
    if (*unit >= 0xDC00 && *unit <= 0xDFFF) {
      return fail("low surrogate \\u" + std::string(text_.substr(start + 2, 4)) +
                      " without a preceding high surrogate",
                  start);
    }
    if (*unit < 0xD800 || *unit > 0xDBFF) {
      encode_utf8(out, *unit);
      return true;
    }

    const size_t low_start = pos_;
    if (peek() != '\\' || peek_next() != 'u') {
      return fail("high surrogate must be followed by a \\u escape of a low surrogate", start);
    }
    pos_ += 2;
    const std::optional<char32_t> low = read_hex4();
    if (!low || *low < 0xDC00 || *low > 0xDFFF) {
      return fail("expected a low surrogate (\\uDC00 to \\uDFFF) after a high surrogate",
                  low_start);
    }
    encode_utf8(out, 0x10000 + ((*unit - 0xD800) << 10) + (*low - 0xDC00));
    return true;
  }

  std::optional<char32_t> read_hex4() {
    if (pos_ + 4 > text_.size()) {
      return std::nullopt;
    }
    uint32_t value = 0;
    const char* begin = text_.data() + pos_;
    const auto [ptr, error] = std::from_chars(begin, begin + 4, value, 16);
    if (error != std::errc() || ptr != begin + 4) {
      return std::nullopt;
    }
    pos_ += 4;
    return static_cast<char32_t>(value);
  }

  // -- Filter expressions

  bool parse_logical_or(Expr& out) {
    NestingGuard guard(depth_);
    if (depth_ > kMaxNesting) {
      return fail("expression nests deeper than " + std::to_string(kMaxNesting) + " levels", pos_);
    }
    return parse_operator_chain(out, "||", ExprKind::logical_or);
  }

  bool parse_logical_and(Expr& out) {
    return parse_operator_chain(out, "&&", ExprKind::logical_and);
  }

  // Parses operand *(S op S operand) for op "||" (operands are and-chains) or "&&" (operands are
  // basic expressions). A single operand is returned unchanged, so the caller checks its type.
  bool parse_operator_chain(Expr& out, std::string_view op, ExprKind kind) {
    const size_t start = pos_;
    std::vector<Expr> operands;
    while (true) {
      Expr operand;
      const bool parsed =
          kind == ExprKind::logical_or ? parse_logical_and(operand) : parse_basic_expr(operand);
      if (!parsed) {
        return false;
      }
      operands.push_back(std::move(operand));

      const size_t before_blanks = pos_;
      skip_blanks();
      if (text_.substr(pos_, 2) != op) {
        pos_ = before_blanks;
        break;
      }
      pos_ += 2;
      skip_blanks();
    }

    if (operands.size() == 1) {
      out = std::move(operands.front());
      return true;
    }
    for (const Expr& operand : operands) {
      if (!require_test(operand)) {
        return false;
      }
    }
    out.kind = kind;
    out.offset = start;
    out.operands = std::move(operands);
    return true;
  }

  // Parses a parenthesized expression, a negation, a comparison, or a single query, literal or
  // function call.
  bool parse_basic_expr(Expr& out) {
    const size_t start = pos_;
    if (peek() == '(') {
      return parse_parenthesized(out);
    }
    if (peek() == '!') {
      ++pos_;
      skip_blanks();
      Expr operand;
      if (peek() == '(') {
        if (!parse_parenthesized(operand)) {
          return false;
        }
      } else if (!parse_primary(operand) || !require_negatable(operand)) {
        return false;
      }
      out.kind = ExprKind::logical_not;
      out.offset = start;
      out.operands.push_back(std::move(operand));
      return true;
    }

    Expr left;
    if (!parse_primary(left)) {
      return false;
    }
    const size_t before_blanks = pos_;
    skip_blanks();
    const std::optional<ComparisonOp> op = parse_comparison_op();
    if (!op) {
      if (error_) {
        return false;
      }
      pos_ = before_blanks;
      out = std::move(left);
      return true;
    }

    skip_blanks();
    Expr right;
    if (!parse_primary(right) || !require_comparable(left) || !require_comparable(right)) {
      return false;
    }
    out.kind = ExprKind::comparison;
    out.offset = start;
    out.comparison = *op;
    out.operands.push_back(std::move(left));
    out.operands.push_back(std::move(right));
    return true;
  }

  bool parse_parenthesized(Expr& out) {
    const size_t open = pos_;
    ++pos_;
    skip_blanks();
    if (!parse_logical_or(out) || !require_test(out)) {
      return false;
    }
    skip_blanks();
    if (peek() != ')') {
      return fail("expected ')' to close the '(' at offset " + std::to_string(open) +
                      " but found " + describe_char_at(text_, pos_),
                  pos_);
    }
    ++pos_;
    return true;
  }

  std::optional<ComparisonOp> parse_comparison_op() {
    static constexpr std::array<std::pair<std::string_view, ComparisonOp>, 6> kOperators = {{
        {"==", ComparisonOp::equal},
        {"!=", ComparisonOp::not_equal},
        {"<=", ComparisonOp::less_equal},
        {">=", ComparisonOp::greater_equal},
        {"<", ComparisonOp::less},
        {">", ComparisonOp::greater},
    }};
    for (const auto& [token, op] : kOperators) {
      if (text_.substr(pos_, token.size()) == token) {
        pos_ += token.size();
        return op;
      }
    }
    if (peek() == '=') {
      fail("'=' is not an operator; use '==' to compare", pos_);
    }
    return std::nullopt;
  }

  // Parses a query, a literal or a function call.
  bool parse_primary(Expr& out) {
    out.offset = pos_;
    const char c = peek();
    if (c == '$' || c == '@') {
      ++pos_;
      out.kind = ExprKind::query;
      out.query.absolute = c == '$';
      return parse_segments(out.query);
    }
    if (c == '\'' || c == '"') {
      std::string text;
      if (!parse_string_literal(text)) {
        return false;
      }
      out.kind = ExprKind::literal;
      out.literal = std::move(text);
      return true;
    }
    if (c == '-' || is_digit(c)) {
      return parse_number(out);
    }
    if (is_lower_alpha(c)) {
      return parse_name_or_function(out);
    }
    return fail(
        "expected a query, a literal or a function call but found " + describe_char_at(text_, pos_),
        pos_);
  }

  // Parses a number literal: (int / "-0") [frac] [exp], where the exponent's 'e' may be
  // uppercase.
  bool parse_number(Expr& out) {
    const size_t start = pos_;
    if (peek() == '-') {
      ++pos_;
    }
    if (!is_digit(peek())) {
      return fail("expected a digit after '-' but found " + describe_char_at(text_, pos_), pos_);
    }
    if (peek() == '0' && is_digit(peek_next())) {
      return fail("leading zeros are not allowed in a number", start);
    }
    while (is_digit(peek())) {
      ++pos_;
    }

    bool is_integer = true;
    if (peek() == '.') {
      ++pos_;
      if (!skip_digits("expected a digit after the decimal point")) {
        return false;
      }
      is_integer = false;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') {
        ++pos_;
      }
      if (!skip_digits("expected a digit in the exponent")) {
        return false;
      }
      is_integer = false;
    }

    out.kind = ExprKind::literal;
    out.literal = number_from_literal(text_.substr(start, pos_ - start), is_integer);
    return true;
  }

  bool skip_digits(const char* message) {
    if (!is_digit(peek())) {
      return fail(std::string(message) + " but found " + describe_char_at(text_, pos_), pos_);
    }
    while (is_digit(peek())) {
      ++pos_;
    }
    return true;
  }

  // Parses true, false, null or a function call, which all start with a lowercase letter.
  bool parse_name_or_function(Expr& out) {
    const size_t start = pos_;
    while (is_lower_alpha(peek()) || is_digit(peek()) || peek() == '_') {
      ++pos_;
    }
    const std::string_view name = text_.substr(start, pos_ - start);
    if (peek() == '(') {
      return parse_function_call(out, name, start);
    }
    const size_t after_name = pos_;
    skip_blanks();
    if (peek() == '(') {
      return fail("blank space is not allowed between a function name and '('", after_name);
    }
    pos_ = after_name;

    out.kind = ExprKind::literal;
    if (name == "true") {
      out.literal = true;
    } else if (name == "false") {
      out.literal = false;
    } else if (name == "null") {
      out.literal = nullptr;
    } else {
      return fail(
          "unknown name '" + std::string(name) + "'; expected true, false, null or a function call",
          start);
    }
    return true;
  }

  bool parse_function_call(Expr& out, std::string_view name, size_t start) {
    const FunctionSignature* signature = nullptr;
    for (const FunctionSignature& candidate : function_signatures()) {
      if (candidate.name == name) {
        signature = &candidate;
      }
    }
    if (signature == nullptr) {
      return fail("unknown function '" + std::string(name) +
                      "'; expected length, count, match, search or value",
                  start);
    }

    out.kind = ExprKind::function;
    out.function = signature->function;
    if (!parse_arguments(out.operands)) {
      return false;
    }
    if (out.operands.size() != signature->parameters.size()) {
      return fail(std::string(name) + "() takes " + std::to_string(signature->parameters.size()) +
                      " argument(s) but " + std::to_string(out.operands.size()) + " were given",
                  start);
    }
    for (size_t i = 0; i < out.operands.size(); ++i) {
      if (!require_argument_type(*signature, i, out.operands[i])) {
        return false;
      }
    }
    if (out.function == Function::match || out.function == Function::search) {
      compile_literal_pattern(out);
    }
    return true;
  }

  // Parses "(" S [argument *(S "," S argument)] S ")". Arguments are checked by the caller.
  bool parse_arguments(std::vector<Expr>& arguments) {
    ++pos_;
    skip_blanks();
    if (peek() == ')') {
      ++pos_;
      return true;
    }
    while (true) {
      Expr argument;
      if (!parse_logical_or(argument)) {
        return false;
      }
      arguments.push_back(std::move(argument));

      skip_blanks();
      if (peek() == ')') {
        ++pos_;
        return true;
      }
      if (peek() != ',') {
        return fail("expected ',' or ')' after function argument but found " +
                        describe_char_at(text_, pos_),
                    pos_);
      }
      ++pos_;
      skip_blanks();
    }
  }

  static void compile_literal_pattern(Expr& call) {
    const Expr& pattern = call.operands[1];
    if (pattern.kind != ExprKind::literal) {
      return;
    }
    call.has_literal_pattern = true;
    if (pattern.literal.is_string()) {
      call.regex = compile_i_regexp(pattern.literal.get_ref<const std::string&>());
    }
  }

  // -- Type checks (RFC 9535 2.4.3, well-typedness)

  // A test expression, an operand of ||, && and parentheses, must be logical: a query (true when
  // it selects a node), a logical expression, or a function returning LogicalType or NodesType.
  bool require_test(const Expr& expr) {
    if (expr.kind == ExprKind::literal) {
      return fail("a literal cannot be used as a test; compare it with '==' or another operator",
                  expr.offset);
    }
    if (type_of(expr) == Type::value) {
      return fail(std::string(signature_of(expr.function).name) +
                      "() returns a value, which cannot be used as a test; compare it with '==' "
                      "or another operator",
                  expr.offset);
    }
    return true;
  }

  bool require_negatable(const Expr& expr) {
    if (expr.kind == ExprKind::literal) {
      return fail("'!' must be followed by a query, a function call or '('", expr.offset);
    }
    return require_test(expr);
  }

  // A comparison operand must be a literal, a singular query or a function returning ValueType.
  bool require_comparable(const Expr& expr) {
    if (expr.kind == ExprKind::query && !expr.query.singular) {
      return fail(
          "a query in a comparison must be a singular query: only segments like .a, ['a'] or "
          "[0], without blank space inside the brackets",
          expr.offset);
    }
    if (expr.kind == ExprKind::function && type_of(expr) != Type::value) {
      return fail(std::string(signature_of(expr.function).name) +
                      "() returns a logical value, which cannot be compared",
                  expr.offset);
    }
    return true;
  }

  bool require_argument_type(const FunctionSignature& signature, size_t index,
                             const Expr& argument) {
    const Type parameter = signature.parameters[index];
    const Type type = type_of(argument);
    const std::string which =
        "argument " + std::to_string(index + 1) + " of " + std::string(signature.name) + "()";
    switch (parameter) {
      case Type::value:
        if (argument.kind == ExprKind::query ? argument.query.singular : type == Type::value) {
          return true;
        }
        return fail(which +
                        " must be a value: a literal, a singular query (segments like .a, ['a'] "
                        "or [0]) or a function returning a value",
                    argument.offset);
      case Type::nodes:
        if (type == Type::nodes) {
          return true;
        }
        return fail(which + " must be a query", argument.offset);
      case Type::logical:
        if (argument.kind != ExprKind::literal && type != Type::value) {
          return true;
        }
        return fail(which + " must be a logical expression", argument.offset);
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::optional<JsonPathError> error_;
};

// ---------------------------------------------------------------------------------------------
// Value comparison (RFC 9535 2.3.5.2.2)

// Compares an integer with a double exactly, without rounding the integer to a double.
std::partial_ordering compare_integer_with_double(int64_t integer, double real) {
  if (std::isnan(real)) {
    return std::partial_ordering::unordered;
  }
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (real >= kTwoTo63) {
    return std::partial_ordering::less;
  }
  if (real < -kTwoTo63) {
    return std::partial_ordering::greater;
  }
  const double truncated = std::trunc(real);
  const auto whole = static_cast<int64_t>(truncated);
  if (integer != whole) {
    return integer <=> whole;
  }
  return 0.0 <=> real - truncated;
}

// Orders two JSON numbers by value, so 1 == 1.0 and integers beyond 2^53 compare exactly.
std::partial_ordering compare_numbers(const Json& a, const Json& b) {
  if (a.is_number_unsigned() && b.is_number_unsigned()) {
    return a.get<uint64_t>() <=> b.get<uint64_t>();
  }
  if (a.is_number_integer() && b.is_number_integer()) {
    if (a.is_number_unsigned()) {
      const int64_t other = b.get<int64_t>();
      return other < 0 ? std::partial_ordering::greater : a.get<uint64_t>() <=> uint64_t(other);
    }
    if (b.is_number_unsigned()) {
      const int64_t value = a.get<int64_t>();
      return value < 0 ? std::partial_ordering::less : uint64_t(value) <=> b.get<uint64_t>();
    }
    return a.get<int64_t>() <=> b.get<int64_t>();
  }

  const bool a_fits_int64 =
      a.is_number_integer() && !(a.is_number_unsigned() && a.get<uint64_t>() > uint64_t(INT64_MAX));
  const bool b_fits_int64 =
      b.is_number_integer() && !(b.is_number_unsigned() && b.get<uint64_t>() > uint64_t(INT64_MAX));
  if (a_fits_int64 && b.is_number_float()) {
    return compare_integer_with_double(a.get<int64_t>(), b.get<double>());
  }
  if (b_fits_int64 && a.is_number_float()) {
    return 0 <=> compare_integer_with_double(b.get<int64_t>(), a.get<double>());
  }
  return a.get<double>() <=> b.get<double>();
}

bool scalars_equal(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    return compare_numbers(a, b) == 0;
  }
  if (a.type() != b.type()) {
    return false;
  }
  switch (a.type()) {
    case Json::value_t::string:
      return a.get_ref<const std::string&>() == b.get_ref<const std::string&>();
    case Json::value_t::boolean:
      return a.get<bool>() == b.get<bool>();
    case Json::value_t::null:
      return true;
    default:
      return a == b;
  }
}

// Compares two values deeply, numbers by value. Iterative, so deeply nested documents cannot
// exhaust the stack.
bool deep_equal(const Json& a, const Json& b) {
  if (!a.is_structured() && !b.is_structured()) {
    return scalars_equal(a, b);
  }

  std::vector<std::pair<const Json*, const Json*>> pending{{&a, &b}};
  while (!pending.empty()) {
    const auto [left, right] = pending.back();
    pending.pop_back();
    if (left->type() != right->type() || left->size() != right->size()) {
      if (!left->is_number() || !right->is_number()) {
        return false;
      }
    }
    if (left->is_array()) {
      for (size_t i = 0; i < left->size(); ++i) {
        pending.emplace_back(&(*left)[i], &(*right)[i]);
      }
    } else if (left->is_object()) {
      const auto& right_members = right->get_ref<const Json::object_t&>();
      for (const auto& [name, value] : left->get_ref<const Json::object_t&>()) {
        const auto found = right_members.find(name);
        if (found == right_members.end()) {
          return false;
        }
        pending.emplace_back(&value, &found->second);
      }
    } else if (!scalars_equal(*left, *right)) {
      return false;
    }
  }
  return true;
}

// Compares two comparison operands, where null stands for Nothing (an empty nodelist or a
// function result of Nothing).
bool values_equal(const Json* a, const Json* b) {
  if (a == nullptr || b == nullptr) {
    return a == b;
  }
  return deep_equal(*a, *b);
}

// Orders numbers and strings. Every other "<" comparison is false.
bool value_less(const Json* a, const Json* b) {
  if (a == nullptr || b == nullptr) {
    return false;
  }
  if (a->is_number() && b->is_number()) {
    return compare_numbers(*a, *b) < 0;
  }
  if (a->is_string() && b->is_string()) {
    // Byte order of UTF-8 is code point order, which RFC 9535 prescribes.
    return a->get_ref<const std::string&>() < b->get_ref<const std::string&>();
  }
  return false;
}

bool compare_values(const Json* a, const Json* b, ComparisonOp op) {
  switch (op) {
    case ComparisonOp::equal:
      return values_equal(a, b);
    case ComparisonOp::not_equal:
      return !values_equal(a, b);
    case ComparisonOp::less:
      return value_less(a, b);
    case ComparisonOp::less_equal:
      return value_less(a, b) || values_equal(a, b);
    case ComparisonOp::greater:
      return value_less(b, a);
    case ComparisonOp::greater_equal:
      return value_less(b, a) || values_equal(a, b);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Evaluator

// Resolves a possibly negative index against an array of `size` elements. Returns nullopt when
// the index is outside the array.
std::optional<size_t> normalize_index(int64_t index, size_t size) {
  const auto length = static_cast<int64_t>(size);
  const int64_t normalized = index >= 0 ? index : length + index;
  if (normalized < 0 || normalized >= length) {
    return std::nullopt;
  }
  return static_cast<size_t>(normalized);
}

void select_slice(const Slice& slice, const Json::array_t& array, NodeList& out) {
  const auto length = static_cast<int64_t>(array.size());
  const int64_t step = slice.step;
  if (step == 0) {
    return;
  }

  const auto normalize = [length](int64_t i) { return i >= 0 ? i : length + i; };
  if (step > 0) {
    const int64_t start = normalize(slice.start.value_or(0));
    const int64_t end = normalize(slice.end.value_or(length));
    const int64_t lower = std::clamp<int64_t>(start, 0, length);
    const int64_t upper = std::clamp<int64_t>(end, 0, length);
    for (int64_t i = lower; i < upper; i += step) {
      out.push_back(&array[static_cast<size_t>(i)]);
    }
    return;
  }

  const int64_t start = normalize(slice.start.value_or(length - 1));
  const int64_t end = normalize(slice.end.value_or(-length - 1));
  const int64_t upper = std::clamp<int64_t>(start, -1, length - 1);
  const int64_t lower = std::clamp<int64_t>(end, -1, length - 1);
  for (int64_t i = upper; lower < i; i += step) {
    out.push_back(&array[static_cast<size_t>(i)]);
  }
}

// Evaluates one query against one document. Holds the per-call cache of patterns that come from
// the document, so a JsonPath can be shared between threads.
class Evaluator {
 public:
  explicit Evaluator(const Json& root) : root_(root) {}

  NodeList select(const Query& query, const Json& current) {
    NodeList nodes{query.absolute ? &root_ : &current};
    NodeList next;
    for (const Segment& segment : query.segments) {
      next.clear();
      for (const Json* node : nodes) {
        apply_segment(segment, *node, next);
      }
      std::swap(nodes, next);
    }
    return nodes;
  }

 private:
  // Walks a singular query without building nodelists. Returns null when it selects nothing.
  const Json* select_singular(const Query& query, const Json& current) const {
    const Json* node = query.absolute ? &root_ : &current;
    for (const Segment& segment : query.segments) {
      const Selector& selector = segment.selectors.front();
      if (selector.kind == SelectorKind::name) {
        if (!node->is_object()) {
          return nullptr;
        }
        const auto& members = node->get_ref<const Json::object_t&>();
        const auto found = members.find(selector.name);
        if (found == members.end()) {
          return nullptr;
        }
        node = &found->second;
      } else {
        if (!node->is_array()) {
          return nullptr;
        }
        const std::optional<size_t> index = normalize_index(selector.index, node->size());
        if (!index) {
          return nullptr;
        }
        node = &(*node)[*index];
      }
    }
    return node;
  }

  void apply_segment(const Segment& segment, const Json& node, NodeList& out) {
    if (!segment.descendant) {
      for (const Selector& selector : segment.selectors) {
        apply_selector(selector, node, out);
      }
      return;
    }

    // Visits the node and its descendants in document order, each node before its children.
    // An explicit stack keeps deeply nested documents from exhausting the call stack.
    std::vector<const Json*> pending{&node};
    while (!pending.empty()) {
      const Json* visited = pending.back();
      pending.pop_back();
      for (const Selector& selector : segment.selectors) {
        apply_selector(selector, *visited, out);
      }
      if (visited->is_structured()) {
        for (auto child = visited->crbegin(); child != visited->crend(); ++child) {
          pending.push_back(&*child);
        }
      }
    }
  }

  void apply_selector(const Selector& selector, const Json& node, NodeList& out) {
    switch (selector.kind) {
      case SelectorKind::name:
        if (node.is_object()) {
          const auto& members = node.get_ref<const Json::object_t&>();
          const auto found = members.find(selector.name);
          if (found != members.end()) {
            out.push_back(&found->second);
          }
        }
        return;
      case SelectorKind::wildcard:
        if (node.is_structured()) {
          for (const Json& child : node) {
            out.push_back(&child);
          }
        }
        return;
      case SelectorKind::index:
        if (node.is_array()) {
          const std::optional<size_t> index = normalize_index(selector.index, node.size());
          if (index) {
            out.push_back(&node[*index]);
          }
        }
        return;
      case SelectorKind::slice:
        if (node.is_array()) {
          select_slice(selector.slice, node.get_ref<const Json::array_t&>(), out);
        }
        return;
      case SelectorKind::filter:
        if (node.is_structured()) {
          for (const Json& child : node) {
            if (test(*selector.filter, child)) {
              out.push_back(&child);
            }
          }
        }
        return;
    }
  }

  bool test(const Expr& expr, const Json& current) {
    switch (expr.kind) {
      case ExprKind::query:
        if (expr.query.singular) {
          return select_singular(expr.query, current) != nullptr;
        }
        return !select(expr.query, current).empty();
      case ExprKind::function:
        return match_regex(expr, current);
      case ExprKind::logical_not:
        return !test(expr.operands.front(), current);
      case ExprKind::logical_and:
        for (const Expr& operand : expr.operands) {
          if (!test(operand, current)) {
            return false;
          }
        }
        return true;
      case ExprKind::logical_or:
        for (const Expr& operand : expr.operands) {
          if (test(operand, current)) {
            return true;
          }
        }
        return false;
      case ExprKind::comparison: {
        Json left_result;
        Json right_result;
        const Json* left = evaluate_value(expr.operands[0], current, left_result);
        const Json* right = evaluate_value(expr.operands[1], current, right_result);
        return compare_values(left, right, expr.comparison);
      }
      case ExprKind::literal:
        return false;  // the parser rejects literals used as tests
    }
    return false;
  }

  // Evaluates a ValueType expression. Returns a pointer into the document or the syntax tree,
  // or to `result` for computed values. Null means Nothing.
  const Json* evaluate_value(const Expr& expr, const Json& current, Json& result) {
    if (expr.kind == ExprKind::literal) {
      return &expr.literal;
    }
    if (expr.kind == ExprKind::query) {
      return select_singular(expr.query, current);
    }
    if (expr.kind != ExprKind::function) {
      return nullptr;
    }

    switch (expr.function) {
      case Function::length: {
        Json argument_result;
        const Json* argument = evaluate_value(expr.operands[0], current, argument_result);
        if (argument == nullptr) {
          return nullptr;
        }
        if (argument->is_string()) {
          result = count_code_points(argument->get_ref<const std::string&>());
        } else if (argument->is_structured()) {
          result = argument->size();
        } else {
          return nullptr;
        }
        return &result;
      }
      case Function::count:
        result = select(expr.operands[0].query, current).size();
        return &result;
      case Function::value: {
        const NodeList nodes = select(expr.operands[0].query, current);
        return nodes.size() == 1 ? nodes.front() : nullptr;
      }
      case Function::match:
      case Function::search:
        return nullptr;  // the parser rejects logical functions used as values
    }
    return nullptr;
  }

  // Evaluates match() (the whole string must match) or search() (a substring must match).
  bool match_regex(const Expr& call, const Json& current) {
    Json subject_result;
    const Json* subject = evaluate_value(call.operands[0], current, subject_result);
    if (subject == nullptr || !subject->is_string()) {
      return false;
    }

    const RE2* regex = call.regex.get();
    if (!call.has_literal_pattern) {
      Json pattern_result;
      const Json* pattern = evaluate_value(call.operands[1], current, pattern_result);
      if (pattern == nullptr || !pattern->is_string()) {
        return false;
      }
      regex = cached_regex(pattern->get_ref<const std::string&>());
    }
    if (regex == nullptr) {
      return false;
    }

    const std::string& text = subject->get_ref<const std::string&>();
    if (call.function == Function::match) {
      return RE2::FullMatch(text, *regex);
    }
    return RE2::PartialMatch(text, *regex);
  }

  // Returns the compiled pattern, or null for an invalid I-Regexp. The pointer stays valid until
  // the next call.
  const RE2* cached_regex(const std::string& pattern) {
    const auto found = regex_cache_.find(pattern);
    if (found != regex_cache_.end()) {
      return found->second.get();
    }
    if (regex_cache_.size() >= kMaxCachedPatterns) {
      regex_cache_.clear();
    }
    return regex_cache_.emplace(pattern, compile_i_regexp(pattern)).first->second.get();
  }

  const Json& root_;
  std::unordered_map<std::string, std::unique_ptr<const RE2>> regex_cache_;
};

}  // namespace

struct JsonPath::Compiled {
  std::string text;
  Query query;
  std::vector<SingularStep> singular_steps;
};

JsonPath::JsonPath(std::shared_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}

std::expected<JsonPath, JsonPathError> JsonPath::parse(std::string_view text) {
  auto compiled = std::make_shared<Compiled>();
  compiled->text = std::string(text);

  Parser parser(text);
  if (!parser.parse_root(compiled->query)) {
    return std::unexpected(parser.take_error());
  }
  if (compiled->query.singular) {
    for (const Segment& segment : compiled->query.segments) {
      const Selector& selector = segment.selectors.front();
      compiled->singular_steps.push_back(
          {selector.kind == SelectorKind::index, selector.name, selector.index});
    }
  }
  return JsonPath(std::move(compiled));
}

std::vector<const nlohmann::json*> JsonPath::select(const nlohmann::json& root) const {
  return Evaluator(root).select(compiled_->query, root);
}

bool JsonPath::is_singular() const {
  return compiled_->query.singular;
}

const std::vector<JsonPath::SingularStep>& JsonPath::singular_steps() const {
  return compiled_->singular_steps;
}

const std::string& JsonPath::text() const {
  return compiled_->text;
}

}  // namespace probe
