#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-flatpak.py SOURCE_ROOT MESON — the Flatpak manifests in flatpak/ are sound.

For flatpak/org.voronka.Voronka.json and its .Devel variant:
  - each parses as JSON, and its id is its file name;
  - a GNOME runtime and SDK of one version (45 or newer: GTK 4 and libadwaita >= 1.2);
  - the finish-args are exactly the minimal set (network, ipc, wayland, fallback-x11, dri,
    and the host's /etc read-only for the administrator's /etc/voronka/client.conf, since
    Flatpak refuses to share /etc/voronka alone): secrets go through the secret portal,
    files through the file chooser portal;
  - the libraries the GNOME runtime lacks (libxlsxwriter, libqrencode) are modules of their
    own before the app, each from an upstream archive pinned by its SHA-256;
  - the app module is built with meson from the local source (type dir, path ..), with
    the server and the benchmarks off and the profile matching the id;
  - configuring the project as flatpak-builder would (meson setup --prefix=/app with the
    module's config-opts), meson installs what the manifest promises: bin/<command>, the
    desktop file, metainfo and icons under the manifest's id (flatpak exports only files
    named after the id), the Russian catalogue, the settings schema; and nothing of the
    server. The configured desktop file and metainfo name the same id, icon and command.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

FINISH_ARGS = {'--share=network', '--share=ipc', '--socket=wayland', '--socket=fallback-x11',
               '--device=dri', '--filesystem=host-etc:ro'}
BASE_ID = 'org.voronka.Voronka'
# what the app links that org.gnome.Platform does not ship (src/export/meson.build)
BUNDLED = ('libxlsxwriter', 'libqrencode')

problems = []


def problem(where, text):
    problems.append(f'{where}: {text}')


def installed_files(root, meson, options):
    """Paths (relative to the prefix /app) that meson would install with these options."""
    build = tempfile.mkdtemp(prefix='voronka-flatpak-check-')
    try:
        result = subprocess.run([meson, 'setup', '--prefix=/app'] + options + [build, root],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            return None, result.stdout[-3000:] + result.stderr[-3000:], {}
        with open(os.path.join(build, 'meson-info', 'intro-installed.json'), encoding='utf-8') as f:
            installed = json.load(f)
        paths = {os.path.relpath(dest, '/app') for dest in installed.values()}
        configured = {}
        for name in os.listdir(os.path.join(build, 'data')):
            if name.endswith('.in'):
                with open(os.path.join(build, 'data', name), encoding='utf-8') as f:
                    configured[name] = f.read()
        return paths, None, configured
    finally:
        shutil.rmtree(build, ignore_errors=True)


def check_manifest(root, meson, path):
    where = os.path.relpath(path, root)
    try:
        with open(path, encoding='utf-8') as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        problem(where, f'does not parse as JSON: {e}')
        return

    app_id = manifest.get('id', manifest.get('app-id'))
    if app_id != os.path.basename(path)[:-len('.json')]:
        problem(where, f'id {app_id!r} is not the file name')
    if app_id not in (BASE_ID, BASE_ID + '.Devel'):
        problem(where, f'id {app_id!r} is neither {BASE_ID} nor {BASE_ID}.Devel')
        return
    development = app_id.endswith('.Devel')

    if manifest.get('runtime') != 'org.gnome.Platform' or manifest.get('sdk') != 'org.gnome.Sdk':
        problem(where, 'runtime and sdk must be org.gnome.Platform and org.gnome.Sdk')
    version = str(manifest.get('runtime-version', ''))
    if not re.fullmatch(r'\d+', version) or int(version) < 45:
        problem(where, f'runtime-version {version!r}: a GNOME release, 45 or newer')

    command = manifest.get('command')
    if command != 'voronka':
        problem(where, f'command {command!r} should be voronka')

    finish_args = manifest.get('finish-args', [])
    for arg in sorted(set(finish_args) - FINISH_ARGS):
        problem(where, f'finish-arg {arg} is broader than the app needs (allowed: '
                       f'{", ".join(sorted(FINISH_ARGS))})')
    for arg in sorted(FINISH_ARGS - set(finish_args)):
        problem(where, f'finish-arg {arg} is missing')

    modules = manifest.get('modules', [])
    for library in BUNDLED:
        module = next((m for m in modules[:-1] if isinstance(m, dict) and m.get('name') == library),
                      None)
        if module is None:
            problem(where, f'no module builds {library}, which the app links and the GNOME '
                           'runtime lacks')
            continue
        archives = [s for s in module.get('sources', []) if s.get('type') == 'archive']
        if not archives or not all(re.fullmatch(r'https://\S+', a.get('url', '')) and
                                   re.fullmatch(r'[0-9a-f]{64}', a.get('sha256', ''))
                                   for a in archives):
            problem(where, f'the module {library} must build an upstream archive (https URL) '
                           'pinned by its sha256')
    app_module = modules[-1] if modules and isinstance(modules[-1], dict) else {}
    if app_module.get('buildsystem') != 'meson':
        problem(where, 'the last module (the app) must build with meson')
    sources = app_module.get('sources', [])
    if {'type': 'dir', 'path': '..'} not in sources:
        problem(where, 'the app module must build the local source: {"type": "dir", "path": ".."}')
    options = app_module.get('config-opts', [])
    for needed in ('-Dserver=disabled', '-Dbench=false'):
        if needed not in options:
            problem(where, f'config-opts lacks {needed}')
    profile = '-Dprofile=development'
    if development and profile not in options:
        problem(where, f'a .Devel manifest needs {profile} in config-opts')
    if not development and any(o.startswith('-Dprofile=') and o != '-Dprofile=default'
                               for o in options):
        problem(where, 'the release manifest must build the default profile')

    paths, failure, configured = installed_files(root, meson, options)
    if paths is None:
        problem(where, f'meson setup with its config-opts failed:\n{failure}')
        return

    expected = {
        f'share/applications/{app_id}.desktop',
        f'share/metainfo/{app_id}.metainfo.xml',
        f'share/icons/hicolor/scalable/apps/{app_id}.svg',
        f'share/icons/hicolor/symbolic/apps/{app_id}-symbolic.svg',
        'share/locale/ru/LC_MESSAGES/voronka.mo',
    }
    expected.add(f'share/glib-2.0/schemas/{BASE_ID}.gschema.xml')
    for file in sorted(expected - paths):
        problem(where, f'meson does not install {file}, which the manifest expects')

    if f'bin/{command}' not in paths:
        problem(where, f'meson does not install bin/{command}, the manifest\'s command')

    for file in sorted(paths):
        if file.startswith(('share/applications/', 'share/metainfo/', 'share/icons/',
                            'share/dbus-1/services/', 'share/gnome-shell/search-providers/')):
            if not os.path.basename(file).startswith(app_id):
                problem(where, f'{file} is not named after {app_id}: flatpak would not export it')
        if file.startswith(('bin/voronka-server', 'lib/systemd/', 'lib/sysusers.d/')):
            problem(where, f'{file} belongs to the server, which the Flatpak must not build')

    desktop = configured.get(f'{app_id}.desktop.in', '')
    if f'\nIcon={app_id}\n' not in desktop:
        problem(where, f'the desktop file\'s Icon is not {app_id}')
    exec_line = re.search(r'^Exec=(\S+)', desktop, re.M)
    if not exec_line or exec_line.group(1) != command:
        problem(where, f'the desktop file\'s Exec does not run {command}')
    metainfo = configured.get(f'{app_id}.metainfo.xml.in', '')
    if f'<id>{app_id}</id>' not in metainfo:
        problem(where, f'the metainfo\'s <id> is not {app_id}')
    if f'<launchable type="desktop-id">{app_id}.desktop</launchable>' not in metainfo:
        problem(where, f'the metainfo does not launch {app_id}.desktop')


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    root, meson = sys.argv[1], sys.argv[2]
    manifests = [os.path.join(root, 'flatpak', f'{BASE_ID}{suffix}.json')
                 for suffix in ('', '.Devel')]
    for path in manifests:
        if not os.path.exists(path):
            problem(os.path.relpath(path, root), 'missing')
        else:
            check_manifest(root, meson, path)

    for line in problems:
        print(line)
    if problems:
        return 1
    print('both manifests are consistent with what meson installs')
    return 0


if __name__ == '__main__':
    sys.exit(main())
