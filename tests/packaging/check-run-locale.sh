#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# check-run-locale.sh SOURCE_ROOT VORONKACTL PO_BUILD_DIR — the first run of a new user:
#  1. `build-aux/voronka run --help` prints the help and does nothing else (no build, no
#     demo replica made in the user's data folder);
#  2. an uninstalled build speaks Russian to a Russian user: with VORONKA_LOCALEDIR at the
#     build's po/ (what `build-aux/voronka run` sets), voronkactl's help is in Russian, and
#     without it an uninstalled build would look in the install prefix and speak English.
set -euo pipefail
source_root=$1 voronkactl=$2 po_dir=$3

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT

out=$(HOME=$home XDG_DATA_HOME=$home/data "$source_root/build-aux/voronka" run --help)
grep -q '^Usage: build-aux/voronka COMMAND' <<<"$out" \
  || { printf 'run --help did not print the usage:\n%s\n' "$out"; exit 1; }
if [[ -e $home/data/voronka/demo.db ]]; then
  printf 'run --help made a demo replica\n'; exit 1
fi

# LANGUAGE=ru works under any UTF-8 locale but C (C.UTF-8 is what the tests run in)
ru=$(LANG=C.UTF-8 LC_ALL=C.UTF-8 LANGUAGE=ru VORONKA_LOCALEDIR=$po_dir "$voronkactl" --help)
if ! grep -q 'Команды' <<<"$ru"; then
  printf 'voronkactl --help is not Russian with VORONKA_LOCALEDIR=%s:\n%s\n' "$po_dir" "$ru"
  exit 1
fi
en=$(LANG=C.UTF-8 LC_ALL=C.UTF-8 LANGUAGE=ru VORONKA_LOCALEDIR=$home/nowhere "$voronkactl" --help)
grep -q '^Commands:' <<<"$en" || { printf 'expected the English help without a catalogue\n'; exit 1; }
echo "run --help prints the usage; the build's catalogue makes voronkactl Russian"
