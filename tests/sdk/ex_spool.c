/*
 * ex_spool.c - builds the example spool input in-tree, with the project's
 * warnings and sanitizers, without putting objects in examples/.
 */
#include "spool.c"
