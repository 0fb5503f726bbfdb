#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-potfiles.py — po/POTFILES.in lists every file with translatable strings.

Fails when a C file under src/ calls _(), N_(), C_(), NC_() or ngettext(), a .ui file
has translatable="yes", or a data/*.in file meant for i18n.merge_file exists, and the
file is missing from po/POTFILES.in; also when POTFILES.in names a file that is gone
(xgettext would stop there). Usage: check-potfiles.py SOURCE_ROOT [--print | --fix]
(--print writes the list the file should have; --fix rewrites po/POTFILES.in with the
missing files added and the vanished ones removed, keeping its comments — build-aux/update-po
does that.)"""

import os
import re
import sys

MARK_C = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_|ngettext|g_dngettext|dngettext|'
                    r'g_dgettext|g_dpgettext2)\s*\(')
MARK_UI = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"')
COMMENT_C = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)
# Data files translated at build time (merge_file) or by xgettext's ITS rules.
DATA_SUFFIXES = ('.desktop.in', '.metainfo.xml.in', '.appdata.xml.in')
SCANNED_DIRS = ('src', 'resources', 'data')


def has_marked_strings(path):
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except (UnicodeDecodeError, OSError):
        return False
    if path.endswith(('.c', '.h')):
        return MARK_C.search(COMMENT_C.sub('', text)) is not None
    if path.endswith('.ui'):
        return MARK_UI.search(text) is not None
    return path.endswith(DATA_SUFFIXES)


def files_with_strings(root):
    found = set()
    for top in SCANNED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith('.'))
            for name in filenames:
                full = os.path.join(dirpath, name)
                if has_marked_strings(full):
                    found.add(os.path.relpath(full, root))
    return found


def listed(root):
    entries = []
    with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                entries.append(line)
    return entries


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = sys.argv[1]
    needed = files_with_strings(root)
    if '--print' in sys.argv[2:]:
        print('\n'.join(sorted(needed)))
        return 0

    entries = listed(root)
    if '--fix' in sys.argv[2:]:
        path = os.path.join(root, 'po', 'POTFILES.in')
        with open(path, encoding='utf-8') as f:
            header = [line for line in f if line.startswith('#')]
        kept = {p for p in entries if os.path.exists(os.path.join(root, p))}
        with open(path, 'w', encoding='utf-8') as f:
            f.writelines(header)
            f.write(''.join(p + '\n' for p in sorted(kept | needed)))
        for p in sorted(needed - set(entries)):
            print(f'po/POTFILES.in: added {p}')
        for p in sorted(set(entries) - kept):
            print(f'po/POTFILES.in: removed {p} (gone)')
        return 0

    ok = True
    for path in sorted(needed - set(entries)):
        print(f'{path}: has translatable strings but is missing from po/POTFILES.in')
        ok = False
    for path in entries:
        if not os.path.exists(os.path.join(root, path)):
            print(f'po/POTFILES.in: {path} does not exist (remove the line)')
            ok = False
    duplicates = {p for p in entries if entries.count(p) > 1}
    for path in sorted(duplicates):
        print(f'po/POTFILES.in: {path} is listed more than once')
        ok = False
    if ok:
        print(f'po/POTFILES.in lists all {len(needed)} files with translatable strings')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
