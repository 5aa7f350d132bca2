/*
 * not_a_plugin.c - a shared object that is not a cloudengine plugin (no
 * descriptor), for the test of a plugin directory holding one.
 */
int not_a_plugin_answer(void);

int
not_a_plugin_answer(void)
{
	return 42;
}
