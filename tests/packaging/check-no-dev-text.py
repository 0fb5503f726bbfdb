#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-no-dev-text.py SOURCE_ROOT — no developer text reaches a user's screen.

- data/templates/*.json: no string a template gives people (names, titles, descriptions,
  labels, choices, task texts, messages) carries a requirement id («S0-1», «SPEC.md S1»);
  the id of a shipped rule lives in its own "spec" member.
- The desktop app's strings (po/ru.po entries from resources/ and src/app/): no
  requirement id and no custom field's key (payment_type, target_audience…), which people
  know by its label.
"""
import json
import pathlib
import re
import sys

SPEC_ID = re.compile(r"SPEC\.md|\bS[0-9]-[0-9]+\b")
# members whose values are references or types, not text for people
NOT_TEXT = {"spec", "type", "key", "field", "entity", "kind", "group", "role", "currency",
            "name_key", "channel", "unit"}

root = pathlib.Path(sys.argv[1])
problems = []
field_keys = set()


def walk(node, where, template):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in NOT_TEXT:
                continue
            walk(value, f"{where}.{key}", template)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            walk(value, f"{where}[{i}]", template)
    elif isinstance(node, str) and SPEC_ID.search(node):
        problems.append(f"{template}: {where}: «{node}» shows a requirement id")


for path in sorted((root / "data" / "templates").glob("*.json")):
    template = json.loads(path.read_text(encoding="utf-8"))
    walk(template, "", path.name)
    for field in template.get("fields", []):
        if "_" in field.get("key", ""):
            field_keys.add(field["key"])

# the app's strings, by the references update-po writes into po/ru.po
po = (root / "po" / "ru.po").read_text(encoding="utf-8")
for entry in po.split("\n\n"):
    refs = " ".join(line[3:] for line in entry.splitlines() if line.startswith("#: "))
    if not re.search(r"(^| )(resources/|src/app/)", refs):
        continue
    msgid = "".join(re.findall(r'^(?:msgid|msgid_plural)? ?"(.*)"$',
                               entry.split("msgstr")[0], flags=re.M))
    if SPEC_ID.search(msgid):
        problems.append(f"po/ru.po ({refs}): «{msgid}» shows a requirement id")
    for key in field_keys:
        if re.search(rf"\b{re.escape(key)}\b", msgid):
            problems.append(f"po/ru.po ({refs}): «{msgid}» shows the field key {key}")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"templates and {len(field_keys)} field keys checked: no developer text on screen")
