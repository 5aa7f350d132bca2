/*
 * ex_webhook.c - builds the example webhook output in-tree, with the
 * project's warnings and sanitizers, without putting objects in examples/.
 */
#include "webhook.c"
