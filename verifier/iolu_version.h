/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The version of the iolu toolkit: the command prints it (--version) and
 * records it in its reports, and the library writes it into snapshots.
 * Bump it here only.
 */
#ifndef IOLU_VERSION_H
#define IOLU_VERSION_H

#define IOLU_VERSION	"0.1.0"

#endif
