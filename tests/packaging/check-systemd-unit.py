#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-systemd-unit.py SOURCE_ROOT [SERVER_BINARY] — voronka-server.service is sound.

The unit runs the server as the dedicated user "voronka" (data/voronka-server.sysusers
creates it) with its data in StateDirectory=voronka-server, passes that folder with
--data, and keeps the hardening the admin guide promises. With systemd-analyze at hand,
`systemd-analyze verify` must accept it (ExecStart pointed at SERVER_BINARY, or at
/bin/true while the server is not built)."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

REQUIRED = {
    'User': 'voronka',
    'Group': 'voronka',
    'StateDirectory': 'voronka-server',
    'ProtectSystem': 'strict',
    'ProtectHome': 'yes',
    'NoNewPrivileges': 'yes',
    'PrivateTmp': 'yes',
    'PrivateDevices': 'yes',
    'RestrictSUIDSGID': 'yes',
    'CapabilityBoundingSet': '',
}


def parse(text):
    settings = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(('#', ';', '[')):
            continue
        key, _, value = line.partition('=')
        settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = sys.argv[1]
    server = sys.argv[2] if len(sys.argv) > 2 else None
    unit_path = os.path.join(root, 'data', 'voronka-server.service.in')
    with open(unit_path, encoding='utf-8') as f:
        unit = f.read()
    settings = parse(unit)
    problems = []

    for key, value in REQUIRED.items():
        if value not in settings.get(key, []):
            problems.append(f'{key}={value} is missing')
    families = ' '.join(settings.get('RestrictAddressFamilies', []))
    if not families or set(families.split()) - {'AF_INET', 'AF_INET6', 'AF_UNIX'}:
        problems.append('RestrictAddressFamilies must allow at most AF_INET AF_INET6 AF_UNIX')
    exec_start = ' '.join(settings.get('ExecStart', []))
    if not re.match(r'^@bindir@/voronka-server --data %S/voronka-server serve\b', exec_start):
        problems.append(f'ExecStart must run "@bindir@/voronka-server --data %S/voronka-server '
                        f'serve …", not "{exec_start}"')
    if 'DynamicUser' in settings and 'yes' in settings['DynamicUser']:
        problems.append('DynamicUser=yes: the admin commands run as the user "voronka"')

    with open(os.path.join(root, 'data', 'voronka-server.sysusers'), encoding='utf-8') as f:
        if not re.search(r'^u\s+voronka\s', f.read(), re.M):
            problems.append('data/voronka-server.sysusers does not create the user voronka')

    analyze = shutil.which('systemd-analyze')
    if analyze:
        binary = os.path.abspath(server) if server and os.path.exists(server) else '/bin/true'
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, 'voronka-server.service')
            with open(copy, 'w', encoding='utf-8') as f:
                f.write(unit.replace('@bindir@/voronka-server', binary))
            result = subprocess.run([analyze, 'verify', '--man=no', copy],
                                    capture_output=True, text=True, check=False)
            output = (result.stdout + result.stderr).strip()
            if result.returncode != 0 or output:
                problems.append(f'systemd-analyze verify: {output or "failed"}')

    for line in problems:
        print(f'data/voronka-server.service.in: {line}')
    if not problems:
        print('voronka-server.service: dedicated user, state directory, hardening: fine')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
