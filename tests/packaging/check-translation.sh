#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# check-translation.sh SOURCE_ROOT — every po/<lang>.po of po/LINGUAS is complete:
#  - `msgfmt --check --statistics` passes (format strings, headers, Plural-Forms) and
#    reports 0 untranslated and 0 fuzzy messages;
#  - every msgid of a template freshly extracted from po/POTFILES.in is translated in it
#    (build-aux/update-po --check: a new string without a translation fails here).
# To fix a failure: build-aux/update-po, translate what it lists, run the tests again.
set -euo pipefail
root=${1:?usage: check-translation.sh SOURCE_ROOT}
cd "$root"

status=0
for lang in $(grep -v -e '^#' -e '^[[:space:]]*$' po/LINGUAS); do
  po=po/$lang.po
  if ! stats=$(LC_ALL=C msgfmt --check --statistics --output-file=/dev/null "$po" 2>&1); then
    printf '%s: msgfmt --check failed:\n%s\n' "$po" "$stats"
    status=1
    continue
  fi
  printf '%s: %s\n' "$po" "$stats"
  translated=$(sed -n 's/^\([0-9]*\) translated message.*/\1/p' <<<"$stats")
  if [[ -z $translated || $stats == *untranslated* || $stats == *fuzzy* ]]; then
    printf '%s: has untranslated or fuzzy messages; run build-aux/update-po and translate them\n' "$po"
    status=1
  fi
  # Russian needs its three plural forms.
  if [[ $lang == ru ]] && ! grep -qF '"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\n"' <<<"$(msgcat --no-wrap "$po")"; then
    printf '%s: the Plural-Forms header is not the Russian one (nplurals=3; …)\n' "$po"
    status=1
  fi
done

if ! build-aux/update-po --check; then
  status=1
fi
exit "$status"
