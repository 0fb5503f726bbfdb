/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c — voronkactl placeholder until the CLI lands. */
int
main (int argc, char **argv)
{
  return 2;
}
