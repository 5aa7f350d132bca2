/*
 * main.c - the cloudengine program: command-line dispatch, and the run,
 * check and test commands (thin layers over engine.c).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "aws.h"
#include "commands.h"
#include "engine.h"
#include "log.h"

#include "autoconf.h"	/* PACKAGE_VERSION */

static const char usage_main[] =
"usage: cloudengine [COMMAND] [OPTIONS] [ARGS]\n"
"\n"
"Near-real-time alerting on AWS CloudTrail records.\n"
"\n"
"Commands:\n"
"  run         run the configured pipeline (the default command)\n"
"  check       load the configuration and plugins, compile the rules\n"
"  test        evaluate records in files without calling any output\n"
"  test-rules  run the test cases that ship with the rules\n"
"  flatten     print each record's flattened map, one JSON object per line\n"
"  plugins     list the plugins found, or one plugin's options\n"
"\n"
"Options:\n"
"  -h, --help     this help (COMMAND --help: that command's)\n"
"  -V, --version  print the version\n"
"\n"
"The configuration is read from -c FILE, else $CLOUDENGINE_CONFIG, else\n"
CE_SYSCONFDIR "/cloudengine.conf.\n"
"Exit status: 0 ok, 1 some input not fully processed (skipped records,\n"
"undelivered alerts), 2 usage error, 3 configuration, plugin or rule error,\n"
"4 internal error.  See cloudengine(1).\n";

static const char usage_run[] =
"usage: cloudengine [run] [-c FILE] [-j N]\n"
"\n"
"Run the pipeline: inputs -> evaluator -> outputs.  Ends when every input\n"
"has finished and every alert went out (or was given up).  SIGTERM and\n"
"SIGINT drain in-flight documents and exit; SIGHUP reloads the rules and\n"
"the outputs' options; SIGUSR1 logs the metrics.\n"
"\n"
"  -c, --config FILE  configuration file\n"
"  -j, --jobs N       worker threads (default: the configuration's)\n";

static const char usage_check[] =
"usage: cloudengine check [-c FILE] [--rules DIR]\n"
"\n"
"Load the configuration and the plugins, check every option and compile\n"
"the rules.  Problems are printed as FILE:LINE:COL: error: MESSAGE.\n"
"Exit status 0 only when all is well (warnings allowed).\n";

static const char usage_test[] =
"usage: cloudengine test [-c FILE] [--rules DIR] [-j N] FILE...\n"
"\n"
"Evaluate the records in FILEs ('-' for standard input) with the\n"
"configured rules (or those in DIR) without calling any output.  Prints one\n"
"JSON line per (record, fired rule): {\"rule\", \"file\", \"index\", \"eventID\",\n"
"\"eventSource\", \"eventName\", \"outputs\"}; index is the record's 1-based\n"
"position in its file (the line number for NDJSON).  A summary goes to\n"
"standard error.  With -j 1 the lines come in input order.\n";

int
ce_cli_parse(int argc, char **argv, struct ce_cli *cli, int allow_rules,
    const char *usage)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "rules", required_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	long n;
	int c;

	memset(cli, 0, sizeof(*cli));
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli->config = optarg;
			break;
		case 'r':
			if (!allow_rules)
				goto usage;
			cli->rules = optarg;
			break;
		case 'j':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > 64) {
				fprintf(stderr, "cloudengine: -j takes 1 to 64, "
				    "got '%s'\n", optarg);
				return CE_EXIT_USAGE;
			}
			cli->workers = (unsigned)n;
			break;
		case 'h':
			fputs(usage, stdout);
			cli->help = 1;
			return 0;
		default:
			goto usage;
		}
	}
	cli->first_arg = optind;
	return 0;
usage:
	fputs(usage, stderr);
	return CE_EXIT_USAGE;
}

/* Print what went wrong while opening or starting, and (under Lambda)
 * report it on the Runtime API, since no lambda input exists yet. */
static int
report_failure(struct ce_engine *e, const char *what)
{
	const struct ce_diag_entry *d;

	ce_diag_print(&e->diag, stderr);
	if (getenv("AWS_LAMBDA_RUNTIME_API") != NULL) {
		d = e->diag.head;
		ce_lambda_init_error("Runtime.ConfigInvalid",
		    d != NULL ? d->text : what);
	}
	if (e->diag.errors == 0)
		fprintf(stderr, "cloudengine: %s\n", what);
	return CE_EXIT_CONFIG;
}

static int
open_engine(struct ce_engine **e, const struct ce_cli *cli, enum ce_mode mode)
{
	struct ce_engine_options o = {
		.mode = mode,
		.config = cli->config,
		.rules = cli->rules,
		.workers = cli->workers,
	};

	return ce_engine_open(e, &o);
}

/* Signals are taken by the engine's signal thread, so every thread the
 * engine or a plugin starts must have them blocked. */
static void
block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/*
 * The daemon holds credentials and API keys in memory: it makes no core
 * dump (a core_pattern that pipes to a collector ignores RLIMIT_CORE, so
 * only this stops one) and cannot be ptrace()d by other processes of its
 * user.  CLOUDENGINE_DUMPABLE=1 keeps both, for debugging.  Left out
 * under AddressSanitizer, whose leak checker attaches with ptrace().
 */
static void
no_core_dumps(void)
{
#if defined(PR_SET_DUMPABLE) && !defined(__SANITIZE_ADDRESS__)
	const char *keep = getenv("CLOUDENGINE_DUMPABLE");

	if (keep == NULL || strcmp(keep, "1") != 0)
		(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

int
ce_cmd_run(int argc, char **argv)
{
	struct ce_engine *e = NULL;
	struct ce_cli cli;
	int rc;

	if ((rc = ce_cli_parse(argc, argv, &cli, 0, usage_run)) != 0 || cli.help)
		return rc;
	if (cli.first_arg < argc) {
		fputs(usage_run, stderr);
		return CE_EXIT_USAGE;
	}
	block_signals();
	no_core_dumps();
	if (open_engine(&e, &cli, CE_MODE_RUN) < 0 || ce_engine_start(e) < 0) {
		rc = e != NULL ? report_failure(e, "cannot start") : CE_EXIT_INTERNAL;
		ce_engine_close(e);
		return rc;
	}
	rc = ce_engine_run(e);
	ce_engine_close(e);
	return rc;
}

int
ce_cmd_check(int argc, char **argv)
{
	struct ce_engine *e = NULL;
	struct ce_cli cli;
	int rc;

	if ((rc = ce_cli_parse(argc, argv, &cli, 1, usage_check)) != 0 ||
	    cli.help)
		return rc;
	if (open_engine(&e, &cli, CE_MODE_CHECK) < 0 || ce_engine_start(e) < 0) {
		rc = e != NULL ? report_failure(e, "check failed") : CE_EXIT_INTERNAL;
		ce_engine_close(e);
		return rc;
	}
	ce_diag_print(&e->diag, stderr);
	fprintf(stderr, "cloudengine check: %s: ok (%u warning(s))\n",
	    e->cfg->path, e->diag.warnings);
	ce_engine_close(e);
	return CE_EXIT_OK;
}

int
ce_cmd_test(int argc, char **argv)
{
	struct ce_engine *e = NULL;
	struct ce_cli cli;
	int rc;

	if ((rc = ce_cli_parse(argc, argv, &cli, 1, usage_test)) != 0 || cli.help)
		return rc;
	if (cli.first_arg >= argc) {
		fputs(usage_test, stderr);
		return CE_EXIT_USAGE;
	}
	if (open_engine(&e, &cli, CE_MODE_TEST) < 0 || ce_engine_start(e) < 0) {
		rc = e != NULL ? report_failure(e, "cannot start") : CE_EXIT_INTERNAL;
		ce_engine_close(e);
		return rc;
	}
	rc = ce_engine_test_files(e, argv + cli.first_arg, argc - cli.first_arg);
	ce_engine_close(e);
	return rc;
}

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
} commands[] = {
	{ "run", ce_cmd_run },
	{ "check", ce_cmd_check },
	{ "test", ce_cmd_test },
	{ "test-rules", ce_cmd_test_rules },
	{ "flatten", ce_cmd_flatten },
	{ "plugins", ce_cmd_plugins },
};

int
main(int argc, char **argv)
{
	size_t i;

	signal(SIGPIPE, SIG_IGN);	/* a closed stdout is an error, not a death */
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)) {
		fputs(usage_main, stdout);
		return CE_EXIT_OK;
	}
	if (argc >= 2 && (strcmp(argv[1], "-V") == 0 ||
	    strcmp(argv[1], "--version") == 0)) {
		printf("cloudengine %s (plugin ABI %d.%d)\n", PACKAGE_VERSION,
		    CE_PLUGIN_ABI_MAJOR, CE_PLUGIN_ABI_MINOR);
		return CE_EXIT_OK;
	}
	if (argc < 2 || argv[1][0] == '-')
		return ce_cmd_run(argc, argv);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "cloudengine: unknown command '%s'\n\n%s", argv[1],
	    usage_main);
	return CE_EXIT_USAGE;
}
