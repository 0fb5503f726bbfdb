#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-systemd-unit.py SOURCE_ROOT [SERVER_BINARY] — voronka-server.service is sound.

The unit runs the server as the dedicated user "voronka" (data/voronka-server.sysusers
creates it) with its data in StateDirectory=voronka-server, passes that folder with
--data, and keeps the hardening the admin guide promises. It waits for the server's
READY=1 (Type=notify), reloads the certificate with SIGHUP, and allows enough open files.
The admin guide's drop-in for a port below 1024 must work with the unit's sandbox: under
PrivateUsers=yes no capability reaches the host, so the drop-in that grants
CAP_NET_BIND_SERVICE must also say PrivateUsers=no. With systemd-analyze at hand,
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
    'Type': 'notify',
    'NotifyAccess': 'main',
    'ExecReload': '/bin/kill -HUP $MAINPID',
}

MIN_NOFILE = 65536


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
    nofile = settings.get('LimitNOFILE', [''])[-1].split(':')[0]
    if not nofile.isdigit() or int(nofile) < MIN_NOFILE:
        problems.append(f'LimitNOFILE must be at least {MIN_NOFILE}, not "{nofile}"')
    if 'DynamicUser' in settings and 'yes' in settings['DynamicUser']:
        problems.append('DynamicUser=yes: the admin commands run as the user "voronka"')

    with open(os.path.join(root, 'data', 'voronka-server.sysusers'), encoding='utf-8') as f:
        if not re.search(r'^u\s+voronka\s', f.read(), re.M):
            problems.append('data/voronka-server.sysusers does not create the user voronka')

    # the guide's drop-ins: any that grants CAP_NET_BIND_SERVICE must also lift PrivateUsers
    with open(os.path.join(root, 'docs', 'admin-guide.md'), encoding='utf-8') as f:
        guide = f.read()
    drop_ins = [block for block in re.findall(r'```ini\n(.*?)```', guide, re.S)
                if '[Service]' in block]
    granting = [parse(block) for block in drop_ins if 'CAP_NET_BIND_SERVICE' in block]
    if not granting:
        problems.append('docs/admin-guide.md has no drop-in for a port below 1024 '
                        '(AmbientCapabilities=CAP_NET_BIND_SERVICE)')
    for drop_in in granting:
        if 'CAP_NET_BIND_SERVICE' not in ' '.join(drop_in.get('AmbientCapabilities', [])):
            problems.append('docs/admin-guide.md: the port-443 drop-in needs '
                            'AmbientCapabilities=CAP_NET_BIND_SERVICE')
        if 'CAP_NET_BIND_SERVICE' not in ' '.join(drop_in.get('CapabilityBoundingSet', [])):
            problems.append('docs/admin-guide.md: the port-443 drop-in needs '
                            'CapabilityBoundingSet=CAP_NET_BIND_SERVICE')
        if 'yes' in settings.get('PrivateUsers', []) and 'no' not in drop_in.get('PrivateUsers', []):
            problems.append('docs/admin-guide.md: the port-443 drop-in grants a capability the '
                            'unit\'s PrivateUsers=yes takes away again; it must set '
                            'PrivateUsers=no')

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
        print('voronka-server.service: dedicated user, state directory, hardening, readiness, '
              'the guide\'s port-443 drop-in: fine')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
