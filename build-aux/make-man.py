#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""make-man.py — a man page for a program with subcommands, through help2man.

help2man turns `PROGRAM --help` and `PROGRAM --version` into the page; this script adds a
COMMAND REFERENCE section with the --help of every command that the "Commands:" list of
`PROGRAM --help` names (so the page documents every option of every command), plus the
sections given with --section. Called by docs/meson.build:

  make-man.py --help2man HELP2MAN --name "SUMMARY" [--section "TITLE=TEXT"]… PROGRAM OUTPUT
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

COMMAND_LINE = re.compile(r'^  (\S+(?: [a-z][a-z0-9-]*)*?)\s{2,}(\S.*)$')
OPTION_LINE = re.compile(r'^\s+((?:-\w, )?--?[\w-]+(?:=\S+)?)\s{2,}(\S.*)$')


def roff(text):
    """Escapes text for roff: backslashes, hyphens, and a leading dot or quote."""
    text = text.replace('\\', '\\e').replace('-', '\\-')
    if text.startswith(('.', "'")):
        text = '\\&' + text
    return text


def run_help(program, args):
    env = dict(os.environ, LC_ALL='C.UTF-8', LANGUAGE='')
    result = subprocess.run([program] + args + ['--help'], capture_output=True, text=True,
                            env=env, check=False)
    if result.returncode != 0:
        sys.exit(f'make-man.py: "{" ".join([program] + args)} --help" failed '
                 f'(exit {result.returncode}): {result.stderr.strip()}')
    return result.stdout


def commands_of(top_help):
    """The command names listed under "Commands:" in the program's --help, and the
    options listed under "Global options:" (not repeated for every command)."""
    names = []
    global_options = set()
    in_list = None
    for line in top_help.splitlines():
        if line.rstrip().endswith(':') and not line.startswith(' '):
            in_list = line.strip().lower()
            continue
        if in_list in ('commands:', 'command:'):
            # "  deal add        Create a deal" (name, two spaces, summary), or
            # "  account create NAME [--template T] …" with the summary on the next line
            if not line.startswith('  ') or line.startswith('   '):
                continue
            match = COMMAND_LINE.match(line)
            words = (match.group(1) if match else line).split()
            name = []
            for word in words:
                if not re.fullmatch(r'[a-z][a-z0-9-]*', word):
                    break
                name.append(word)
            if name:
                names.append(' '.join(name))
        elif in_list == 'global options:':
            match = re.match(r'^\s+(--[\w-]+)', line)
            if match:
                global_options.add(match.group(1))
        if line.strip() == '':
            in_list = None
    return names, global_options


def command_section(program, name, global_options):
    """roff for one command: its usage line, its description, and its options."""
    text = run_help(program, name.split())
    out = []
    usage = None
    paragraphs = []
    options = []
    epilogue = []
    section = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped == 'Usage:' and i + 1 < len(lines):
            usage = lines[i + 1].strip()
            i += 2
            continue
        if stripped.endswith('Options:') and not line.startswith(' '):
            section = stripped
        elif section is None and stripped:
            paragraphs.append(stripped)
        elif section is not None and section != 'Help Options:':
            match = OPTION_LINE.match(line)
            if match:
                options.append([match.group(1), match.group(2)])
            elif stripped and options and line[0].isspace():
                options[-1][1] += ' ' + stripped  # a wrapped description
            elif stripped:
                epilogue.append(stripped)  # text after the options
        i += 1

    out.append('.SS "%s"' % roff(usage or f'{os.path.basename(program)} {name}'))
    for paragraph in paragraphs:
        out.append(roff(paragraph))
        out.append('.PP')
    if out[-1] == '.PP':
        out.pop()
    for option, description in options:
        flag, _, value = option.partition('=')
        if flag in global_options:
            continue
        if value:
            out.append('.TP\n\\fB%s\\fR=\\fI%s\\fR' % (roff(flag), roff(value)))
        else:
            out.append('.TP\n\\fB%s\\fR' % roff(flag))
        out.append(roff(description))
    for paragraph in epilogue:
        out.append('.PP')
        out.append(roff(paragraph))
    return '\n'.join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--help2man', default='help2man')
    parser.add_argument('--name', required=True, help='the one-line summary (NAME section)')
    parser.add_argument('--section', action='append', default=[],
                        help='TITLE=TEXT: an extra section (TEXT is roff; \\n for new lines)')
    parser.add_argument('program')
    parser.add_argument('output')
    args = parser.parse_args()

    program = os.path.abspath(args.program)
    include = []
    names, global_options = commands_of(run_help(program, []))
    if names:
        include.append('[COMMAND REFERENCE]')
        shared = sorted(o for o in global_options if o not in ('--help', '--version'))
        if shared:
            include.append('Every command also takes the global options described above (%s).'
                           % ', '.join(roff(o) for o in shared))
        for name in names:
            include.append(command_section(program, name, global_options))
    for section in args.section:
        title, _, text = section.partition('=')
        include.append('[%s]' % title)
        include.append(text.replace('\\n', '\n'))

    with tempfile.NamedTemporaryFile('w', suffix='.h2m', delete=False, encoding='utf-8') as f:
        f.write('\n'.join(include) + '\n')
        include_path = f.name
    try:
        # help2man runs the program under --locale (default C, where GLib prints «…»
        # and “quotes” as "?"): C.UTF-8 keeps them, in English
        subprocess.run([args.help2man, '--no-info', '--no-discard-stderr', '--section=1',
                        '--locale=C.UTF-8', '--name=' + args.name,
                        '--include=' + include_path, '--output=' + args.output, program],
                       check=True, env=dict(os.environ, LC_ALL='C.UTF-8', LANGUAGE=''))
    except subprocess.CalledProcessError as e:
        sys.exit(f'make-man.py: help2man failed (exit {e.returncode})')
    finally:
        os.unlink(include_path)

    # «», “”, … and Cyrillic as groff's Unicode escapes: the page is plain ASCII and
    # renders the same whether or not the man pipeline runs preconv
    with open(args.output, encoding='utf-8') as f:
        page = f.read()
    page = ''.join(c if ord(c) < 128 else '\\[u%04X]' % ord(c) for c in page)
    with open(args.output, 'w', encoding='ascii') as f:
        f.write(page)


if __name__ == '__main__':
    main()
