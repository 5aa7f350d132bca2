/*
 * ldr_no_symbol.c - a shared object that exports no descriptor, for the
 * loader tests.
 */
#include "cloudengine/plugin.h"

CE_PLUGIN_EXPORT const int not_a_plugin = 1;
