#include "assertion.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <cmath>
#include <compare>
#include <expected>
#include <limits>

#include "digest.h"

namespace probe {

namespace {

using nlohmann::json;

constexpr const char* kMissing = "(missing)";

// Compares a JSON integer with a double exactly: neither side is rounded to the other's type.
std::partial_ordering compare_integer_with_double(const json& integer, double y) {
  // 2^63 and 2^64 are exact doubles, so these bounds are exact too.
  constexpr double kTwoTo63 = 9223372036854775808.0;
  constexpr double kTwoTo64 = 18446744073709551616.0;
  if (std::isnan(y))
    return std::partial_ordering::unordered;

  double whole = std::trunc(y);
  std::partial_ordering order = std::partial_ordering::equivalent;
  if (integer.is_number_unsigned()) {
    if (y < 0)
      return std::partial_ordering::greater;
    if (y >= kTwoTo64)
      return std::partial_ordering::less;
    order = integer.get<uint64_t>() <=> static_cast<uint64_t>(whole);
  } else {
    if (y >= kTwoTo63)
      return std::partial_ordering::less;
    if (y < -kTwoTo63)
      return std::partial_ordering::greater;
    order = integer.get<int64_t>() <=> static_cast<int64_t>(whole);
  }
  // Equal to the whole part: the fraction of y, if any, decides.
  if (order != 0)
    return order;
  return 0 <=> (y - whole);
}

std::optional<std::partial_ordering> compare_numbers(const json& a, const json& b) {
  if (!a.is_number() || !b.is_number())
    return std::nullopt;
  if (a.is_number_unsigned() && b.is_number_unsigned())
    return a.get<uint64_t>() <=> b.get<uint64_t>();
  if (a.is_number_integer() && b.is_number_integer()) {
    // At least one is signed; a negative signed value is below every unsigned one.
    if (a.is_number_unsigned())
      return b.get<int64_t>() < 0 ? std::partial_ordering::greater
                                  : a.get<uint64_t>() <=> b.get<uint64_t>();
    if (b.is_number_unsigned())
      return a.get<int64_t>() < 0 ? std::partial_ordering::less
                                  : a.get<uint64_t>() <=> b.get<uint64_t>();
    return a.get<int64_t>() <=> b.get<int64_t>();
  }
  if (a.is_number_float() && b.is_number_float())
    return a.get<double>() <=> b.get<double>();
  if (b.is_number_float())
    return compare_integer_with_double(a, b.get<double>());
  return 0 <=> compare_integer_with_double(b, a.get<double>());
}

size_t utf8_length(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text)
    count += (c & 0xC0) != 0x80;
  return count;
}

std::optional<json> length_of(const json& value) {
  if (value.is_string())
    return utf8_length(value.get_ref<const std::string&>());
  if (value.is_array() || value.is_object())
    return value.size();
  return std::nullopt;
}

std::string type_of(const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return "string";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return std::trunc(value.get<double>()) == value.get<double>() ? "integer" : "number";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::null:
      return "null";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    default:
      return "unknown";
  }
}

std::string subject_name(const AssertionSpec& assertion) {
  std::string name;
  switch (assertion.subject) {
    case Subject::status:
      name = "status";
      break;
    case Subject::header:
      name = "header " + assertion.target;
      break;
    case Subject::json:
      name = "json " + assertion.target;
      break;
    case Subject::body:
      name = "body";
      break;
    case Subject::duration:
      name = "duration";
      break;
    case Subject::sha256:
      name = "body sha256";
      break;
    case Subject::size:
      name = "body size";
      break;
  }
  return assertion.on_length ? "length of " + name : name;
}

struct Actual {
  std::optional<json> owned;   // a value made for the assertion
  const json* node = nullptr;  // or a node of the parsed body, read in place instead of copied
  std::string problem;         // why no value could be read, e.g. "body is not JSON"
  bool is_length = false;      // `owned` is already the length the assertion checks

  const json* value() const {
    if (node != nullptr)
      return node;
    return owned ? &*owned : nullptr;
  }
};

Actual actual_value(const AssertionSpec& assertion, const ResponseView& view) {
  const HttpResponse& response = view.response();
  switch (assertion.subject) {
    case Subject::status:
      return {json(response.status), {}};
    case Subject::header:
      if (const std::string* value = response.header(assertion.target))
        return {json(*value), {}};
      return {};
    case Subject::body:
      return {json(response.body), {}};
    case Subject::duration:
      return {json(response.seconds), {}};
    case Subject::sha256:
      return {json(view.sha256()), {}};
    case Subject::size:
      return {json(response.body_bytes), {}};
    case Subject::json: {
      if (!view.is_json())
        return {std::nullopt, nullptr, "body is not JSON: " + view.json_error()};
      if (assertion.path->is_singular()) {
        std::optional<SelectedNode> selected =
            view.select_singular(*assertion.path, assertion.on_length);
        if (!selected)
          return {};
        if (selected->length)
          return {json(*selected->length), nullptr, {}, true};
        return {std::move(selected->value), nullptr, {}};
      }
      return {select_value(*assertion.path, *view.json()), nullptr, {}};
    }
  }
  return {};
}

bool ordered(const std::string& op, const json& actual, const json& expected, bool& comparable) {
  std::partial_ordering order = std::partial_ordering::unordered;
  if (auto numeric = compare_numbers(actual, expected)) {
    order = *numeric;
  } else if (actual.is_string() && expected.is_string()) {
    order = actual.get_ref<const std::string&>() <=> expected.get_ref<const std::string&>();
  }
  comparable = order != std::partial_ordering::unordered;
  if (op == "lt")
    return order < 0;
  if (op == "le")
    return order <= 0;
  if (op == "gt")
    return order > 0;
  return order >= 0;
}

bool contains(const json& actual, const json& expected) {
  if (actual.is_string() && expected.is_string())
    return actual.get_ref<const std::string&>().find(expected.get_ref<const std::string&>()) !=
           std::string::npos;
  if (actual.is_array()) {
    for (const json& item : actual) {
      if (json_equal(item, expected))
        return true;
    }
    return false;
  }
  if (actual.is_object() && expected.is_string())
    return actual.contains(expected.get<std::string>());
  return false;
}

bool matches(const AssertionSpec& assertion, const json& actual, const json& expected,
             std::string& problem) {
  if (!actual.is_string()) {
    problem = "not text";
    return false;
  }
  std::shared_ptr<const re2::RE2> regex = assertion.regex;
  if (!regex && !expected.is_string()) {
    problem = "the pattern " + render(expected) + " is not text";
    return false;
  }
  if (!regex) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    regex = std::make_shared<const re2::RE2>(expected.get<std::string>(), options);
    if (!regex->ok()) {
      problem = "invalid regex: " + regex->error();
      return false;
    }
  }
  return re2::RE2::PartialMatch(actual.get_ref<const std::string&>(), *regex);
}

// Applies `op` to a present value. Sets `problem` when the operands cannot be compared.
bool apply(const AssertionSpec& assertion, const json& actual, const json& expected,
           std::string& problem) {
  const std::string& op = assertion.op;
  if (op == "eq")
    return json_equal(actual, expected);
  if (op == "ne")
    return !json_equal(actual, expected);
  if (op == "lt" || op == "le" || op == "gt" || op == "ge") {
    bool comparable = false;
    bool result = ordered(op, actual, expected, comparable);
    if (!comparable)
      problem = "cannot compare " + type_of(actual) + " with " + type_of(expected);
    return result;
  }
  if (op == "in") {
    for (const json& candidate : expected) {
      if (json_equal(actual, candidate))
        return true;
    }
    return false;
  }
  if (op == "contains") {
    bool applicable =
        actual.is_array() || ((actual.is_string() || actual.is_object()) && expected.is_string());
    if (!applicable)
      problem = "cannot look for " + type_of(expected) + " in " + type_of(actual);
    return applicable && contains(actual, expected);
  }
  if (op == "matches")
    return matches(assertion, actual, expected, problem);
  if (op == "exists")
    return expected.get<bool>();
  if (op == "type") {
    std::string type = type_of(actual);
    std::string wanted = expected.get<std::string>();
    return type == wanted || (wanted == "number" && actual.is_number());
  }
  problem = "unknown operator";
  return false;
}

std::string render_expected(const AssertionSpec& assertion, const json& expected) {
  if (assertion.subject == Subject::duration)
    return fmt::format("{:.3f} s", expected.get<double>());
  return render(expected);
}

}  // namespace

ResponseView::ResponseView(const HttpResponse& response) : response_(response) {}

ResponseView::~ResponseView() = default;

void ResponseView::parse_document() const {
  if (document_parsed_)
    return;
  document_parsed_ = true;
  document_ = JsonDocument::parse(response_.body);
}

void ResponseView::parse() const {
  if (parsed_)
    return;
  parsed_ = true;
  parse_document();
  if (document_) {
    json_ = document_->to_json();
    return;
  }
  json_ = nlohmann::json::parse(response_.body, nullptr, false);
  if (json_.is_discarded()) {
    // Parse again with exceptions on to learn where the body stops being JSON.
    try {
      nlohmann::json ignored = nlohmann::json::parse(response_.body);
    } catch (const json::parse_error& e) {
      json_error_ = response_.body.empty() ? "the body is empty" : e.what();
    }
  }
}

const std::string& ResponseView::sha256() const {
  if (sha256_.empty())
    sha256_ = response_.body_sha256.empty() ? sha256_hex(response_.body) : response_.body_sha256;
  return sha256_;
}

const json* ResponseView::json() const {
  parse();
  return json_.is_discarded() ? nullptr : &json_;
}

std::optional<SelectedNode> ResponseView::select_singular(const JsonPath& path,
                                                          bool want_length) const {
  parse_document();
  if (document_)
    return document_->select(path.singular_steps(), want_length);

  const nlohmann::json* root = json();
  if (root == nullptr)
    return std::nullopt;
  std::optional<nlohmann::json> value = select_value(path, *root);
  if (!value)
    return std::nullopt;
  SelectedNode selected;
  std::optional<nlohmann::json> length = want_length ? length_of(*value) : std::nullopt;
  if (length)
    selected.length = length->get<uint64_t>();
  else
    selected.value = std::move(*value);
  return selected;
}

const JsonDocument* ResponseView::document() const {
  parse_document();
  return document_.get();
}

bool ResponseView::is_json() const {
  parse_document();
  return document_ != nullptr || json() != nullptr;
}

const std::string& ResponseView::json_error() const {
  parse();
  return json_error_;
}

bool json_equal(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) {
    auto order = compare_numbers(a, b);
    return order && *order == 0;
  }
  if (a.type() != b.type())
    return false;
  if (a.is_array()) {
    if (a.size() != b.size())
      return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!json_equal(a[i], b[i]))
        return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size())
      return false;
    for (const auto& [key, value] : a.items()) {
      auto other = b.find(key);
      if (other == b.end() || !json_equal(value, *other))
        return false;
    }
    return true;
  }
  return a == b;
}

std::optional<json> select_value(const JsonPath& path, const json& root) {
  std::vector<const json*> nodes = path.select(root);
  if (path.is_singular()) {
    if (nodes.empty())
      return std::nullopt;
    return *nodes.front();
  }
  json list = json::array();
  for (const json* node : nodes)
    list.push_back(*node);
  return list;
}

std::string render(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// `sha256: {file: PATH}` and `sha256: {generate: {size, seed}}` compare with a computed digest.
std::expected<json, std::string> expected_digest(const json& expected) {
  if (!expected.is_object())
    return expected;
  if (expected.contains("file")) {
    auto digest =
        sha256_file(expected["file"].is_string() ? expected["file"].get<std::string>() : "");
    if (!digest)
      return std::unexpected(digest.error());
    return json(*digest);
  }
  const json& generate = expected["generate"];
  return json(
      GeneratedData(generate["size"].get<uint64_t>(), generate["seed"].get<uint64_t>()).sha256());
}

}  // namespace

AssertionResult evaluate(const AssertionSpec& assertion, const json& operand,
                         const ResponseView& response) {
  json expected = operand;
  if (assertion.subject == Subject::sha256) {
    auto digest = expected_digest(operand);
    if (!digest) {
      AssertionResult result;
      result.subject = subject_name(assertion);
      result.op = assertion.op;
      result.location = assertion.location;
      result.expected = render(operand);
      result.actual = "(" + digest.error() + ")";
      return result;
    }
    expected = std::move(*digest);
  }
  AssertionResult result;
  result.subject = subject_name(assertion);
  result.op = assertion.op;
  result.location = assertion.location;
  result.expected = render_expected(assertion, expected);

  Actual actual = actual_value(assertion, response);
  if (actual.value() != nullptr && assertion.on_length && !actual.is_length) {
    std::optional<json> length = length_of(*actual.value());
    if (!length)
      actual.problem = type_of(*actual.value()) + " has no length";
    actual.owned = length;
    actual.node = nullptr;
  }

  const json* value = actual.value();
  if (value == nullptr) {
    result.actual = actual.problem.empty() ? kMissing : actual.problem;
    if (!actual.problem.empty())
      return result;
    if (assertion.op == "exists")
      result.passed = !expected.get<bool>();
    if (assertion.op == "eq")
      result.passed = expected.is_null();
    if (assertion.op == "ne")
      result.passed = !expected.is_null();
    return result;
  }

  result.actual = assertion.subject == Subject::duration
                      ? fmt::format("{:.3f} s", value->get<double>())
                      : render(*value);
  std::string problem;
  result.passed = apply(assertion, *value, expected, problem);
  if (!problem.empty()) {
    result.passed = false;
    result.actual += " (" + problem + ")";
  }
  return result;
}

}  // namespace probe
