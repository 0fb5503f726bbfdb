#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-screenshots.py SOURCE_ROOT — the metainfo's screenshots are files of this repository.

The metainfo names screenshots by URL: the project's placeholder forge
(https://voronka.example/raw/main/) followed by the file's path in the repository. Each
such file must exist in docs/screenshots/ (the UI tests write their pictures beside the
build; the README's and the metainfo's are kept in the repository)."""

import os
import re
import sys

PREFIX = 'https://voronka.example/raw/main/'


def main():
    root = sys.argv[1]
    with open(os.path.join(root, 'data', 'org.voronka.Voronka.metainfo.xml.in'),
              encoding='utf-8') as f:
        urls = re.findall(r'<image[^>]*>([^<]+)</image>', f.read())
    problems = []
    if not urls:
        problems.append('the metainfo has no screenshot')
    for url in urls:
        if not url.startswith(PREFIX):
            problems.append(f'{url}: not under {PREFIX}')
            continue
        path = url[len(PREFIX):]
        if not path.endswith('.png'):
            problems.append(f'{url}: screenshots are PNG files')
        if not os.path.isfile(os.path.join(root, path)):
            problems.append(f'{url}: {path} is not in the repository')
    for line in problems:
        print(line)
    if not problems:
        print(f'{len(urls)} screenshot(s), all in the repository')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
