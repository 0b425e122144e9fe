"""Parses C# files with tree-sitter's C# grammar and names every syntax error.

Used by exports.rs: no .NET SDK comes from the registries the project's machines
reach, so the C# export is checked for syntax here, not compiled. Exits 1 on an error.
"""

import sys

import tree_sitter
import tree_sitter_c_sharp

parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_c_sharp.language()))
errors = 0
for path in sys.argv[1:]:
    source = open(path, "rb").read()
    stack = [parser.parse(source).root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            errors += 1
            line, column = node.start_point
            what = f"missing {node.type}" if node.is_missing else "syntax error"
            text = source[node.start_byte : node.end_byte][:60]
            print(f"{path}:{line + 1}:{column + 1}: {what}: {text!r}")
        stack.extend(node.children)
sys.exit(1 if errors else 0)
