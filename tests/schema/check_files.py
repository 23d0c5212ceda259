#!/usr/bin/python3
"""Validates the shipped suite and site files, the valid test suites and the examples of
docs/suite-format.md against schemas/*.schema.json, and checks that every file under
tests/data/schema-invalid/ is rejected for the reason its header states.

Usage: check_files.py REPOSITORY_ROOT

A broken file names the error it must cause in a comment line
    # schema-error: JSON_POINTER KEYWORD
where JSON_POINTER locates the offending value ("" is the document) and KEYWORD is the JSON
Schema keyword that rejects it (additionalProperties, required, enum, type, ...). Validation
must report that error, and every other error it reports must lie on the path to it, so that a
broken file cannot pass for an unrelated reason.

YAML is read under the YAML 1.2 core schema, as the runner and yaml-language-server read it:
yes/no/on/off and dates stay strings. PyYAML alone would follow YAML 1.1 and turn them into
booleans and dates.
"""

import json
import pathlib
import re
import sys

import jsonschema
import yaml


class CoreSchemaLoader(yaml.SafeLoader):
    """A safe loader whose plain scalars resolve as in runner/yaml_reader.cc."""


CoreSchemaLoader.yaml_implicit_resolvers = {}
_RESOLVERS = [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", list("~nN") + [""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|\+?\.(?:inf|Inf|INF)|-\.(?:inf|Inf|INF))$",
        list("-+.0123456789"),
    ),
    # Merge keys, which runner/yaml_reader.cc resolves too.
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", ["<"]),
]
for _tag, _pattern, _first in _RESOLVERS:
    CoreSchemaLoader.add_implicit_resolver(_tag, re.compile(_pattern), _first)


def _construct_int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _construct_float(loader, node):
    text = loader.construct_scalar(node)
    if text.lstrip("+-").lower() == ".inf":
        return float("-inf") if text.startswith("-") else float("inf")
    return float(text)


CoreSchemaLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
CoreSchemaLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


class InvalidYaml(Exception):
    pass


def load_yaml(path):
    with open(path, encoding="utf-8") as stream:
        try:
            return yaml.load(stream, Loader=CoreSchemaLoader)
        except yaml.YAMLError as error:
            raise InvalidYaml(f"{path}: invalid YAML: {error}") from error


def load_validator(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def pointer(error):
    return "".join(f"/{part}" for part in error.absolute_path)


def flatten(errors):
    for error in errors:
        yield error
        yield from flatten(error.context or [])


def describe(errors):
    return "\n".join(f"    at '{pointer(e)}' ({e.validator}): {e.message[:200]}" for e in errors)


def check_valid(validator, files, failures):
    for path in files:
        errors = list(validator.iter_errors(load_yaml(path)))
        if errors:
            failures.append(f"{path}: does not match the schema:\n{describe(errors)}")


def doc_examples(path):
    """Yields (line, kind, YAML text) for each ```yaml block of the document, wrapped into a whole
    file as tests/e2e/docs_examples_test.cc wraps it (its header describes the convention)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        words = lines[index].split()
        if not lines[index].startswith("```yaml") or len(words) < 2:
            index += 1
            continue
        start = index + 1
        end = start
        while not lines[end].startswith("```"):
            end += 1
        kind = words[1]
        body = "\n".join(lines[start:end]) + "\n"
        indented = lambda spaces: "".join(
            (" " * spaces + line if line else "") + "\n" for line in body.splitlines()
        )
        if kind == "tests":
            body = "name: docs example\ntests:\n" + indented(2)
        elif kind == "steps":
            body = "name: docs example\ntests:\n  - name: example\n    steps:\n" + indented(6)
        yield start, kind, body
        index = end + 1


def check_doc_examples(path, suite_validator, site_validator, failures):
    count = 0
    for line, kind, text in doc_examples(path):
        count += 1
        validator = site_validator if kind == "site" else suite_validator
        try:
            document = yaml.load(text, Loader=CoreSchemaLoader)
        except yaml.YAMLError as error:
            failures.append(f"{path}:{line}: invalid YAML: {error}")
            continue
        errors = list(validator.iter_errors(document))
        if errors:
            failures.append(f"{path}:{line}: the {kind} example does not match the schema:\n{describe(errors)}")
    if count == 0:
        failures.append(f"{path}: no ```yaml examples found")
    return count


def expected_errors(path):
    expected = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#\s*schema-error:\s*(\S*)\s+(\w+)\s*$", line)
        if match:
            location = "" if match.group(1) in ("", '""') else match.group(1)
            expected.append((location, match.group(2)))
    return expected


def check_invalid(validator, files, failures):
    for path in files:
        expected = expected_errors(path)
        if len(expected) != 1:
            failures.append(f"{path}: needs exactly one '# schema-error: POINTER KEYWORD' line")
            continue
        location, keyword = expected[0]
        errors = list(validator.iter_errors(load_yaml(path)))
        if not errors:
            failures.append(f"{path}: the schema accepts it, but it should fail with {keyword} at '{location}'")
            continue
        found = any(pointer(e) == location and e.validator == keyword for e in flatten(errors))
        if not found:
            failures.append(
                f"{path}: expected {keyword} at '{location}', but validation reported:\n{describe(errors)}"
            )
        unrelated = [e for e in errors if not (location + "/").startswith(pointer(e) + "/")]
        if unrelated:
            failures.append(f"{path}: errors off the path to '{location}':\n{describe(unrelated)}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = pathlib.Path(sys.argv[1])
    suite_validator = load_validator(root / "schemas/suite.schema.json")
    site_validator = load_validator(root / "schemas/site.schema.json")

    suites = sorted(p for p in (root / "suites").rglob("*") if p.suffix in (".yaml", ".yml"))
    sites = sorted((root / "sites").glob("*.yaml"))
    cases = root / "tests/e2e/cases"
    test_suites = sorted(cases.glob("*.yaml")) + sorted((cases / "httpbin").glob("*.yaml"))
    test_suites.append(root / "tests/data/suites/valid.yaml")
    test_sites = sorted((cases / "sites").glob("*.yaml")) + [root / "tests/data/suites/site.yaml"]
    invalid_suites = sorted((root / "tests/data/schema-invalid/suites").glob("*.yaml"))
    invalid_sites = sorted((root / "tests/data/schema-invalid/sites").glob("*.yaml"))
    for name, files in [("suites", suites), ("sites", sites), ("invalid suites", invalid_suites),
                        ("invalid sites", invalid_sites)]:
        if not files:
            sys.exit(f"no {name} found under {root}")

    failures = []
    examples = 0
    try:
        check_valid(suite_validator, suites, failures)
        check_valid(site_validator, sites, failures)
        check_valid(suite_validator, test_suites, failures)
        check_valid(site_validator, test_sites, failures)
        examples = check_doc_examples(root / "docs/suite-format.md", suite_validator, site_validator, failures)
        check_invalid(suite_validator, invalid_suites, failures)
        check_invalid(site_validator, invalid_sites, failures)
    except InvalidYaml as error:
        failures.append(str(error))
    for failure in failures:
        print(failure)
    checked = len(suites) + len(sites) + len(test_suites) + len(test_sites)
    checked += len(invalid_suites) + len(invalid_sites)
    print(f"{checked} files and {examples} documentation examples checked, {len(failures)} problems")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
