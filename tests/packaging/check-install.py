#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-install.py MESON BUILD_ROOT APP_ID — `meson install` gives a complete tree.

Installs the build into a temporary DESTDIR and checks what a user and an admin get:
voronkactl that runs, the app's desktop file (valid, its Exec installed), metainfo,
scalable and symbolic icons named after APP_ID, the Russian catalogue, the templates,
the settings schema (compiling with --strict), man pages when help2man is there, and —
when the server is built — voronka-server with its systemd unit and system user."""

import json
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    meson, build, app_id = sys.argv[1:]
    with open(os.path.join(build, 'meson-info', 'intro-buildoptions.json'), encoding='utf-8') as f:
        options = {o['name']: o['value'] for o in json.load(f)}
    prefix = options['prefix'].lstrip('/')
    datadir = os.path.join(prefix, options['datadir'])
    bindir = os.path.join(prefix, options['bindir'])
    mandir = os.path.join(prefix, options['mandir'])
    localedir = os.path.join(prefix, options['localedir'])
    with open(os.path.join(build, 'meson-info', 'intro-targets.json'), encoding='utf-8') as f:
        targets = {t['name'] for t in json.load(f)}

    problems = []
    with tempfile.TemporaryDirectory(prefix='voronka-install-') as dest:
        result = subprocess.run([meson, 'install', '-C', build, '--no-rebuild', '--destdir', dest],
                                capture_output=True, text=True, check=False,
                                env=dict(os.environ, DESTDIR=dest))
        if result.returncode != 0:
            print(result.stdout[-3000:], result.stderr[-3000:])
            print('meson install failed')
            return 1

        def need(path, what):
            if not os.path.exists(os.path.join(dest, path)):
                problems.append(f'{what} is not installed: /{path}')
                return False
            return True

        ctl = os.path.join(dest, bindir, 'voronkactl')
        if need(os.path.join(bindir, 'voronkactl'), 'voronkactl'):
            run = subprocess.run([ctl, '--version'], capture_output=True, text=True, check=False)
            if run.returncode != 0:
                problems.append(f'the installed voronkactl does not run: {run.stderr.strip()}')
        need(os.path.join(datadir, 'voronka', 'templates', 'truck-dealer.json'), 'the templates')
        need(os.path.join(localedir, 'ru', 'LC_MESSAGES', 'voronka.mo'), 'the Russian catalogue')
        metainfo = os.path.join(datadir, 'metainfo', f'{app_id}.metainfo.xml')
        if need(metainfo, 'the metainfo'):
            with open(os.path.join(dest, metainfo), encoding='utf-8') as f:
                if 'xml:lang="ru"' not in f.read():
                    problems.append('the metainfo carries no Russian translation')
        need(os.path.join(datadir, 'icons', 'hicolor', 'scalable', 'apps', f'{app_id}.svg'),
             'the app icon')
        need(os.path.join(datadir, 'icons', 'hicolor', 'symbolic', 'apps',
                          f'{app_id}-symbolic.svg'), 'the symbolic icon')

        desktop = os.path.join(datadir, 'applications', f'{app_id}.desktop')
        if need(desktop, 'the desktop file'):
            validate = shutil.which('desktop-file-validate')
            if validate:
                run = subprocess.run([validate, os.path.join(dest, desktop)],
                                     capture_output=True, text=True, check=False)
                if run.returncode != 0 or run.stdout.strip():
                    problems.append(f'desktop-file-validate: {run.stdout.strip()}')
            with open(os.path.join(dest, desktop), encoding='utf-8') as f:
                text = f.read()
            for key in ('Name', 'Comment', 'Keywords'):
                if f'\n{key}[ru]=' not in text:
                    problems.append(f'the desktop file has no {key}[ru]')
            if 'voronka' in targets:
                need(os.path.join(bindir, 'voronka'), 'the app the desktop file starts')

        schemas = os.path.join(datadir, 'glib-2.0', 'schemas')
        if os.path.isdir(os.path.join(dest, schemas)):
            compile_schemas = shutil.which('glib-compile-schemas')
            if compile_schemas:
                run = subprocess.run([compile_schemas, '--strict', '--dry-run',
                                      os.path.join(dest, schemas)],
                                     capture_output=True, text=True, check=False)
                if run.returncode != 0:
                    problems.append(f'the installed schemas do not compile: {run.stderr.strip()}')

        if shutil.which('help2man'):
            need(os.path.join(mandir, 'man1', 'voronkactl.1'), 'the voronkactl man page')
        if 'voronka-server' in targets:
            need(os.path.join(bindir, 'voronka-server'), 'voronka-server')
            if shutil.which('help2man'):
                need(os.path.join(mandir, 'man1', 'voronka-server.1'), 'the voronka-server man page')
            unit = os.path.join(prefix, 'lib', 'systemd', 'system', 'voronka-server.service')
            if need(unit, 'the systemd unit'):
                with open(os.path.join(dest, unit), encoding='utf-8') as f:
                    text = f.read()
                expected = f'ExecStart=/{bindir}/voronka-server '
                if expected not in text:
                    problems.append(f'the unit does not start the installed server ({expected}…)')
            need(os.path.join(prefix, 'lib', 'sysusers.d', 'voronka-server.conf'),
                 'the sysusers.d file for the user voronka')

    for line in problems:
        print(line)
    if not problems:
        print(f'meson install: a complete tree under /{prefix}')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
