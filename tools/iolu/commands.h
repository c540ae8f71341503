/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The subcommands of `iolu`. Each one parses its own options (argp, through
 * cli_parse(), with --help) and returns the process exit code documented in
 * README.md.
 */
#ifndef IOLU_COMMANDS_H
#define IOLU_COMMANDS_H

int cmd_check(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_trace(int argc, char **argv);

#endif
