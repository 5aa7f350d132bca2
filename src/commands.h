/*
 * commands.h - the subcommands of the cloudengine program.
 */
#ifndef CE_COMMANDS_H
#define CE_COMMANDS_H

/* Each takes the arguments after its name (argv[0] is the subcommand) and
 * returns an exit status (engine.h: CE_EXIT_*). */
int	ce_cmd_run(int argc, char **argv);
int	ce_cmd_check(int argc, char **argv);
int	ce_cmd_test(int argc, char **argv);
int	ce_cmd_flatten(int argc, char **argv);
int	ce_cmd_test_rules(int argc, char **argv);
int	ce_cmd_plugins(int argc, char **argv);

/* Shared option parsing: -c FILE, --rules DIR, -j N, -h. */
struct ce_cli {
	const char	*config;
	const char	*rules;
	unsigned	 workers;
	int		 help;
	int		 first_arg;	/* index of the first operand */
};
int	ce_cli_parse(int argc, char **argv, struct ce_cli *cli, int allow_rules,
	    const char *usage);

#endif /* CE_COMMANDS_H */
