#!/usr/bin/env python3
"""Turns Math-Verify's parametrized test cases into rigor's peer case table.

Math-Verify (github.com/huggingface/Math-Verify) is the strongest open
math-answer verifier; its own test suite is a set of (gold, prediction,
expected) cases that nobody on rigor wrote. This script reads the test files
straight from a git checkout or bare mirror of that repository (no Python
import, no network: the files are parsed with `ast`), and writes one JSON
object per case to tests/data/math_verify_peer.jsonl:

  {"id": "test_all.py::test_latex_notation[3]", "gold": ..., "pred": ...,
   "expected": true, "config": {...}}

`id` is the file, the test function and the case's index in its
parametrize list. `config` records how the peer's test compared the pair
(its extraction targets, float rounding, strictness), because some cases
only hold under a non-default setting; rigor has one policy, so the test
reads `config` only to explain a disagreement, never to change a verdict.

Usage: scripts/gen_math_verify_peer.py [REPO_GIT_DIR] [OUT]
  REPO_GIT_DIR defaults to /work/.mirror/huggingface+Math-Verify/repo.
Standard library only.
"""

import ast
import json
import math
import subprocess
import sys

DEFAULT_REPO = "/work/.mirror/huggingface+Math-Verify/repo"
DEFAULT_OUT = "tests/data/math_verify_peer.jsonl"
FILES = [
    "tests/test_all.py",
    "tests/test_boxed.py",
    "tests/test_numina_cases.py",
    "tests/test_open_thoughts.py",
    "tests/test_strict.py",
    "tests/test_yujianll.py",
]
# compare_strings() defaults in tests/test_all.py.
DEFAULTS = {
    "match_types": ["latex", "expr"],
    "precision": 6,
    "strict": True,
    "allow_set_relation_comp": False,
}


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def literal(node):
    """A case value: a literal, or an f-string over `math` (one case formats math.sqrt(17))."""
    if isinstance(node, ast.JoinedStr):
        code = compile(ast.Expression(node), "<case>", "eval")
        return eval(code, {"__builtins__": {}, "math": math})  # a format spec over math.*, nothing else
    return ast.literal_eval(node)


def parametrize_of(func):
    for dec in func.decorator_list:
        if (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr == "parametrize"):
            names = [n.strip() for n in literal(dec.args[0]).split(",")]
            return names, dec.args[1]
    return None


def comparison_of(func, params):
    """How the test body compares: compare_strings(...) keywords, or verify(parse(g), parse(p))."""
    for node in ast.walk(func):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        if node.func.id == "compare_strings":
            cfg = dict(DEFAULTS)
            for kw in node.keywords:
                if isinstance(kw.value, ast.Name):
                    cfg[kw.arg] = {"param": kw.value.id}
                else:
                    cfg[kw.arg] = ast.literal_eval(kw.value)
            return cfg
        if node.func.id == "verify":
            return {"match_types": ["parse-default"], "precision": 6, "strict": True,
                    "allow_set_relation_comp": False}
    raise SystemExit(f"{func.name}: no compare_strings() or verify() call")


def cases_of(path, source):
    tree = ast.parse(source)
    out = []
    for func in tree.body:
        if not isinstance(func, ast.FunctionDef):
            continue
        p = parametrize_of(func)
        if p is None:
            continue
        names, values = p
        if "gold" not in names or "pred" not in names:
            continue  # e.g. test_string_extraction.py: extraction only, no gold
        template = comparison_of(func, names)
        for index, elt in enumerate(values.elts):
            row = dict(zip(names, (literal(v) for v in elt.elts)))
            expected = row.get("expected", row.get("result"))
            cfg = {}
            for key, value in template.items():
                cfg[key] = row[value["param"]] if isinstance(value, dict) else value
            out.append({
                "id": f"{path.split('/')[-1]}::{func.name}[{index}]",
                "gold": row["gold"],
                "pred": row["pred"],
                "expected": bool(expected),
                "config": cfg,
            })
    return out


def main():
    repo = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_REPO
    out_path = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUT
    commit = git(repo, "rev-parse", "HEAD").strip()
    cases = []
    for path in FILES:
        cases += cases_of(path, git(repo, "show", f"{commit}:{path}"))
    header = {
        "source": "https://github.com/huggingface/Math-Verify",
        "commit": commit,
        "files": FILES,
        "licence": "Apache-2.0 (LICENCE and pyproject.toml of the repository); the test files carry an "
                   "MIT notice, Copyright (c) 2024 The HuggingFace Team. Cases copied verbatim; "
                   "ids and the config field added by rigor.",
        "generator": "scripts/gen_math_verify_peer.py",
        "cases": len(cases),
    }
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(json.dumps({"header": header}, ensure_ascii=False) + "\n")
        for c in cases:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    print(f"{len(cases)} cases from {commit[:12]} -> {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
