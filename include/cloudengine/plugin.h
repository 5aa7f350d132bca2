/*
 * cloudengine/plugin.h - the cloudengine plugin ABI.
 *
 * This is the only header a plugin includes, and a plugin links nothing
 * of ours: every service of the host reaches it through the table of
 * function pointers (struct ce_host) handed to init().  Plugins never see
 * json-c, libconfig or libcurl types of the host, so the ABI does not move
 * when those libraries do.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * CE_PLUGIN_SYMBOL, a const struct ce_plugin (the descriptor).
 *
 * Versioning
 *   MAJOR  bumped on any change that breaks a built plugin (a member
 *          removed, moved or retyped, a signature, meaning or lifetime
 *          changed); MINOR reset.
 *   MINOR  bumped when a member is appended to a struct (a host service,
 *          a callback, an alert field...), or a constant, flag, option
 *          type or enum value is added.
 *   Structs only ever grow at their end, and each starts with its size,
 *   so either side can tell which members the other one knows: the host
 *   zero-extends what a plugin declares (members it lacks read as NULL or
 *   0, meaning "not provided"), and reads or writes no byte beyond the
 *   size of a struct a plugin passes it.
 *   The host loads a plugin iff
 *       plugin.abi_major == CE_PLUGIN_ABI_MAJOR &&
 *       plugin.abi_minor <= CE_PLUGIN_ABI_MINOR
 *   so a plugin built against 1.0 loads in every 1.x host.  ABI 1.0 is
 *   frozen: tests/abi/ in the sources keeps a copy of this header as it
 *   was, and the tests check that no 1.0 member moved.
 *
 * Change log
 *   0.1  initial version: descriptor, host table, options, events, paths,
 *        documents and outcomes, alerts and deliveries, metrics, AWS
 *        credentials/region/endpoint services.
 *   1.0  frozen; the 0.1 layout unchanged.  Added CE_PLUGIN_HEADER_MINOR()
 *        (run on older 1.x hosts), a compile-time refusal of
 *        -fshort-enums (enums are int-sized members of the ABI), and the
 *        contracts 0.1 left unwritten: sizes (above), a compiled path is
 *        shareable between threads, an alert's tags may be NULL when
 *        ntags is 0, an output settles every delivery before it is
 *        stopped.  0.x plugins must be rebuilt.
 *   1.1  host services pathset_compile(), pathset_free() and
 *        event_get_set() (many keys of an event in one walk), with the
 *        ce_pathset handle and ce_set_fn.
 *
 * Conventions used by every member below
 *   - Functions returning int return 0 (or a count) on success and a
 *     negative errno value on failure (-EINVAL, -ENOMEM, ...).  The
 *     human-readable reason is logged through host->log() by whoever
 *     detected the failure, before returning.
 *   - "Borrowed" pointers passed to a callback are valid only for the
 *     duration of that call.  The callee copies what it wants to keep.
 *   - The plugin frees what it allocates; it never frees what the host
 *     passes it, and the host never frees what the plugin passes back.
 *   - "Any thread" means the function is thread-safe and may be called
 *     concurrently.
 */
#ifndef CLOUDENGINE_PLUGIN_H
#define CLOUDENGINE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CE_PLUGIN_ABI_MAJOR	1
#define CE_PLUGIN_ABI_MINOR	1

/* The one symbol the loader looks up with dlsym(). */
#define CE_PLUGIN_SYMBOL	"cloudengine_plugin"

#if defined(__GNUC__)
#define CE_PRINTF(f, a)		__attribute__((format(printf, f, a)))
#define CE_PLUGIN_EXPORT	__attribute__((visibility("default")))
#else
#define CE_PRINTF(f, a)
#define CE_PLUGIN_EXPORT
#endif

/* Compile-time feature test (cf. httpd AP_MODULE_MAGIC_AT_LEAST). */
#define CE_PLUGIN_ABI_AT_LEAST(maj, min)				\
	(CE_PLUGIN_ABI_MAJOR > (maj) ||					\
	 (CE_PLUGIN_ABI_MAJOR == (maj) && CE_PLUGIN_ABI_MINOR >= (min)))

/*
 * Opaque handles, all owned by the host.
 */
typedef struct ce_instance	ce_instance;	/* one configured plugin instance */
typedef struct ce_event		ce_event;	/* one CloudTrail record, immutable */
typedef struct ce_path		ce_path;	/* a flattened key, compiled */
typedef struct ce_pathset	ce_pathset;	/* compiled keys looked up together (1.1) */
typedef struct ce_metric	ce_metric;	/* one counter or gauge */
typedef struct ce_alert_sink	ce_alert_sink;	/* where evaluate() reports fired rules */
typedef struct ce_delivery	ce_delivery;	/* one alert on its way to one output */

enum ce_plugin_kind {
	CE_KIND_INPUT = 1,	/* submits documents */
	CE_KIND_EVALUATOR = 2,	/* decides which rules fire for an event */
	CE_KIND_OUTPUT = 3	/* delivers alerts */
};

enum ce_log_level {		/* syslog(3) numbering */
	CE_LOG_ERROR = 3,
	CE_LOG_WARNING = 4,
	CE_LOG_NOTICE = 5,
	CE_LOG_INFO = 6,
	CE_LOG_DEBUG = 7
};

/* ------------------------------------------------------------------ */
/* Options                                                             */
/* ------------------------------------------------------------------ */

/*
 * A plugin declares its options in a table; the host checks the
 * configuration against it before init() (unknown key, wrong type,
 * missing required key are errors with file:line) and fills the plugin's
 * own configuration struct when the plugin calls host->conf_apply().
 * The same table is what `cloudengine plugins NAME` prints.
 *
 * Destination member type for each option type (at .offset):
 *   CE_OPT_STRING       const char *   (NULL when unset and no default)
 *   CE_OPT_INTEGER      int64_t
 *   CE_OPT_BOOLEAN      int            (0 or 1)
 *   CE_OPT_DECIMAL      double
 *   CE_OPT_ENUM         int            (index into .choices; -1 when
 *                                       unset and no default)
 *   CE_OPT_STRING_LIST  struct ce_strlist (items[n] is NULL too)
 *   CE_OPT_SECRET       const char *   (like STRING, never logged or shown)
 * Strings and lists written by conf_apply() are owned by the host and stay
 * valid until destroy() returns.  "${VAR}" in a string value is replaced
 * by the environment variable VAR (an unset variable is an error) and
 * "$$" by "$"; defaults (.def) are taken literally.
 */
enum ce_option_type {
	CE_OPT_STRING = 1,
	CE_OPT_INTEGER,
	CE_OPT_BOOLEAN,
	CE_OPT_DECIMAL,
	CE_OPT_ENUM,
	CE_OPT_STRING_LIST,
	CE_OPT_SECRET
};

/* Option flags. */
#define CE_OPT_REQUIRED		0x1u	/* configuration must set it */
#define CE_OPT_PATH		0x2u	/* STRING or STRING_LIST holding file
					 * paths: relative ones are resolved
					 * against the config file's directory */

struct ce_strlist {
	size_t			 n;		/* number of items */
	const char *const	*items;		/* n strings, host-owned */
};

struct ce_option {
	uint32_t		 size;		/* sizeof(struct ce_option): the
						 * host steps through the table
						 * with it; use CE_OPTION_HEADER */
	const char		*name;		/* [a-z0-9_]+; NULL ends the table */
	enum ce_option_type	 type;
	unsigned		 flags;		/* CE_OPT_REQUIRED | CE_OPT_PATH */
	const char		*def;		/* default, written as in the config
						 * file ("5", "true", "a,b" for a
						 * list); NULL = none */
	size_t			 offset;	/* offsetof(your conf, member) */
	const char		*help;		/* one line, shown by `plugins` */
	const char *const	*choices;	/* ENUM: NULL-terminated; else NULL */
	int64_t			 min, max;	/* INTEGER: inclusive bounds, checked
						 * when min < max; else ignored */
};

#define CE_OPTION_HEADER	.size = sizeof(struct ce_option)
#define CE_OPTIONS_END		{ CE_OPTION_HEADER, .name = NULL }

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

/*
 * An event is one CloudTrail record after the host has unwrapped its
 * envelope (EventBridge, SNS, SQS, S3 notification, log file).  It is
 * immutable and reference counted; every accessor may be called from any
 * thread, lazy caches included.  Values are addressed by the keys of the
 * record flattened as json-flattener 0.5.0 does (the original Java engine):
 *   userIdentity.arn                      object members, '.'-separated
 *   resources[0].ARN                      array elements
 *   a[0][1]                               nested arrays
 *   tags[\"kubernetes.io\/cluster\/x\"]      keys holding '.', '[' or ']'
 * and, beyond 0.5.0, "[*]" for "every element" (see event_foreach).
 *
 * A key names a leaf of the flattened map: a scalar, null, or an EMPTY
 * object or array.  A non-empty object or array is not in the flattened
 * map, so looking it up yields CE_VALUE_MISSING, as in the original.
 */
enum ce_value_type {
	CE_VALUE_MISSING = 0,	/* no such key in the flattened map */
	CE_VALUE_NULL,		/* JSON null */
	CE_VALUE_STRING,
	CE_VALUE_INTEGER,	/* a JSON number without fraction or exponent
				 * that fits in int64_t */
	CE_VALUE_DECIMAL,	/* any other JSON number */
	CE_VALUE_BOOLEAN,
	CE_VALUE_EMPTY_OBJECT,	/* {} */
	CE_VALUE_EMPTY_ARRAY	/* [] */
};

struct ce_value {
	uint32_t		 size;		/* set by the caller: sizeof(struct ce_value) */
	enum ce_value_type	 type;
	/*
	 * STRING: the UTF-8 bytes, NUL-terminated, len excludes the NUL
	 *   (a JSON "\u0000" makes len larger than strlen()).
	 * INTEGER, DECIMAL: the number's lexeme exactly as written in the
	 *   document ("1.50" stays "1.50").
	 * Otherwise NULL and 0.
	 * Owned by the event; valid while the caller holds a reference.
	 */
	const char		*str;
	size_t			 len;
	int64_t			 integer;	/* INTEGER */
	double			 decimal;	/* INTEGER and DECIMAL */
	int			 boolean;	/* BOOLEAN: 0 or 1 */
};

/* Called by event_foreach() / event_flat_foreach(); non-zero stops. */
typedef int (*ce_value_fn)(void *arg, const struct ce_value *value);
/* Called by event_get_set() (1.1) with the position of the path in the
 * set and its value; non-zero stops. */
typedef int (*ce_set_fn)(void *arg, size_t index,
    const struct ce_value *value);
typedef int (*ce_flat_fn)(void *arg, const char *key, size_t keylen,
    const struct ce_value *value);

/* ------------------------------------------------------------------ */
/* Documents (inputs → host) and their outcome (host → inputs)         */
/* ------------------------------------------------------------------ */

/*
 * A document is what an input received: a line, a file, an SQS message
 * body, a Lambda invocation payload.  The host detects its shape and
 * expands it into zero or more records (a CloudTrail log file holds
 * thousands; an S3 notification names objects the host fetches).
 * submit() reads no byte of the struct beyond its size.
 *
 * Give the bytes either whole (data/len, copied by submit()) or as a
 * stream (read/close/stream), which the host reads on one of its threads,
 * once, to the end: memory stays flat however large the document is.
 * gzip is detected by its magic bytes, whichever form is used.
 */
struct ce_document {
	uint32_t	  size;		/* sizeof(struct ce_document) */
	const char	 *origin;	/* where it came from, for messages
					 * ("trail.json.gz", "sqs:q/<msgid>");
					 * copied; NULL = the instance name */
	const void	 *data;		/* whole document, or NULL for a stream */
	size_t		  len;
	/* Stream form (data == NULL).  read() returns the number of bytes
	 * stored (0 at the end) or a negative errno; it is called from one
	 * host thread at a time.  close() is called exactly once, when the
	 * host no longer needs the stream, even when submit() fails. */
	ssize_t		(*read)(void *stream, void *buf, size_t cap);
	void		(*close)(void *stream);
	void		 *stream;
	void		 *cookie;	/* handed back to done(); may be NULL */
	int64_t		  deadline_ms;	/* Unix epoch ms after which no delivery
					 * is retried (Lambda deadline); 0 = the
					 * configured retry budget only */
	unsigned	  flags;	/* CE_DOC_*; 0 for automatic detection */
};

/* Document flags. */
#define CE_DOC_LINES	0x1u	/* NDJSON: one JSON text per line, even when
				 * the first line looks like a whole document */

enum ce_doc_status {
	CE_DOC_OK = 0,		/* every record evaluated, every alert delivered */
	CE_DOC_FAILED = 1	/* something was lost: do not acknowledge */
};

/* Passed to the input's done() callback; borrowed. */
struct ce_outcome {
	uint32_t		 size;		/* sizeof(struct ce_outcome) */
	enum ce_doc_status	 status;
	uint64_t		 records;	/* records the document expanded to */
	uint64_t		 failed;	/* records unreadable, or with an alert
						 * that did not go out */
	uint64_t		 skipped;	/* lines/records that were malformed */
	uint64_t		 alerts;	/* alerts delivered */
	const char		*reason;	/* first failure, or NULL when OK */
};

/* ------------------------------------------------------------------ */
/* Alerts (evaluator → host → outputs)                                 */
/* ------------------------------------------------------------------ */

/*
 * What an evaluator reports for one fired rule.  Borrowed: the host copies
 * everything during fire(), reading no byte beyond size.
 */
struct ce_alert_spec {
	uint32_t		 size;		/* sizeof(struct ce_alert_spec) */
	const char		*rule;		/* rule name; required */
	const char		*severity;	/* "critical", "high", "medium", "low",
						 * "info", or NULL (= "medium") */
	const char		*description;	/* may be NULL */
	const char		*runbook;	/* may be NULL */
	const char *const	*tags;		/* ntags strings; may be NULL if 0 */
	size_t			 ntags;
	const char *const	*outputs;	/* names the rule calls: output
						 * instance names or aliases */
	size_t			 noutputs;
	const char		*file;		/* where the rule is defined; may be NULL */
	unsigned		 line;
};

/*
 * One alert for one output, as the host hands it to deliver().  Owned by
 * the host; valid until the plugin calls host->complete() for it.
 */
struct ce_alert {
	uint32_t		 size;		/* sizeof(struct ce_alert) in the host */
	const char		*rule;
	const char		*severity;	/* never NULL: one of the five names */
	const char		*description;	/* may be NULL */
	const char		*runbook;	/* may be NULL */
	const char *const	*tags;		/* ntags strings; may be NULL if 0 */
	size_t			 ntags;
	const char		*key;		/* idempotency key: stable for this
						 * (eventID, rule) across retries,
						 * redeliveries and restarts;
						 * 64 lowercase hex characters */
	const char		*called_as;	/* the name the rule used (may be an
						 * alias of this instance) */
	const char		*summary;	/* one line: who did what, from where,
						 * in which account and region, when */
	const ce_event		*event;		/* the record; borrowed, valid until
						 * complete() */
	unsigned		 attempt;	/* 1 for the first try */
	int64_t			 deadline_ms;	/* epoch ms; give up by then (0 = none) */
};

enum ce_delivery_status {
	CE_DELIVERY_OK = 0,	/* the service accepted the alert */
	CE_DELIVERY_RETRY = 1,	/* try again (connection error, timeout,
				 * 429, 5xx), after retry_after_ms if > 0 */
	CE_DELIVERY_FAIL = 2	/* will never work (400, 403): give up */
};

/* ------------------------------------------------------------------ */
/* AWS                                                                 */
/* ------------------------------------------------------------------ */

/* Filled by host->aws_credentials(); owned by the caller, who sets size
 * (the host writes no byte beyond it). */
struct ce_aws_credentials {
	uint32_t	 size;			/* sizeof(struct ce_aws_credentials) */
	char		 access_key_id[128];
	char		 secret_access_key[128];
	char		 session_token[4096];	/* "" when there is none; when set,
						 * send it as X-Amz-Security-Token */
	int64_t		 expires_ms;		/* epoch ms, 0 = does not expire */
};

/* ------------------------------------------------------------------ */
/* The host's services                                                 */
/* ------------------------------------------------------------------ */

/*
 * Handed to init(); valid until destroy() returns.  Members are only ever
 * appended.  A host's minor is at least the one its plugin claims, so
 * every member of that minor is there; a plugin that claims an older
 * minor with CE_PLUGIN_HEADER_MINOR() tests host->abi_minor before
 * calling a member added after it.
 */
struct ce_host {
	uint16_t	 abi_major;
	uint16_t	 abi_minor;
	uint32_t	 size;		/* sizeof(struct ce_host) in the host */

	/* --- every kind, any thread ------------------------------------ */

	/* Log a line, prefixed by the host with "[kind:plugin:instance]". */
	void		(*log)(ce_instance *self, enum ce_log_level level,
			    const char *fmt, ...) CE_PRINTF(3, 4);
	/* Report a problem located in a file (a rule, a template): printed as
	 * "FILE:LINE:COL: error: MESSAGE" by `check`, logged otherwise.
	 * level is CE_LOG_ERROR or CE_LOG_WARNING; line/col 0 = unknown. */
	void		(*diag)(ce_instance *self, enum ce_log_level level,
			    const char *file, unsigned line, unsigned col,
			    const char *fmt, ...) CE_PRINTF(6, 7);
	/* The instance's configured name. */
	const char	*(*instance_name)(ce_instance *self);

	/* --- options: from init() only ---------------------------------- */

	/* Fill conf (the plugin's struct) from the instance's configuration,
	 * using the descriptor's option table.  Values were validated before
	 * init(); this only fails with -ENOMEM or -EINVAL (logged). */
	int		(*conf_apply)(ce_instance *self, void *conf);

	/* --- metrics ----------------------------------------------------- */

	/* From init() only.  Host-owned, freed after destroy(). Name
	 * [a-z0-9_]+, reported as cloudengine_<kind>_<instance>_<name>. */
	ce_metric	*(*metric_new)(ce_instance *self, const char *name,
			    const char *help);
	/* Any thread. */
	void		(*metric_add)(ce_metric *m, int64_t delta);
	void		(*metric_set)(ce_metric *m, int64_t value);

	/* --- inputs -------------------------------------------------------- */

	/* Hand a document to the pipeline.  Any thread of the input; blocks
	 * while the pipeline is full (back-pressure).  On 0, done() will be
	 * called exactly once for it; on failure (-ECANCELED while shutting
	 * down, -ENOMEM, -EINVAL) it will not. */
	int		(*submit)(ce_instance *self, const struct ce_document *doc);
	/* The input has nothing more to submit (a file input at the end of
	 * its files).  `cloudengine run` ends when every input has finished
	 * and every document is done.  Any thread, once. */
	void		(*finished)(ce_instance *self);

	/* --- events, any thread -------------------------------------------- */

	/* Compile a flattened key, once, for fast repeated lookups.  NULL on
	 * a malformed key, with the reason in err (may be NULL).  The path is
	 * owned by the caller: free it with path_free().  A compiled path is
	 * immutable: any number of threads may use it at once. */
	ce_path		*(*path_compile)(const char *key, size_t keylen,
			    char *err, size_t errlen);
	void		(*path_free)(ce_path *path);
	/* Non-zero when the path holds "[*]". */
	int		(*path_is_multi)(const ce_path *path);

	/* The value at path (for a "[*]" path: the first one).  Returns
	 * out->type; CE_VALUE_MISSING when absent.  Never materialises the
	 * flattened map. */
	enum ce_value_type (*event_get)(const ce_event *ev, const ce_path *path,
			    struct ce_value *out);
	/* Call fn for every value the path reaches, each "[*]" ranging over
	 * its array independently, in document order.  Returns fn's first
	 * non-zero result, or 0 (also when nothing was reached). */
	int		(*event_foreach)(const ce_event *ev, const ce_path *path,
			    ce_value_fn fn, void *arg);
	/* Call fn for every entry of the flattened map, in document order;
	 * key is the flattened key (not NUL-terminated beyond keylen). */
	int		(*event_flat_foreach)(const ce_event *ev, ce_flat_fn fn,
			    void *arg);
	/* The record as JSON text, and the flattened map as one JSON object.
	 * Built on first use and cached; owned by the event.  Numbers keep
	 * their lexemes; '/' is not escaped; invalid UTF-8 becomes U+FFFD. */
	const char	*(*event_json)(const ce_event *ev, size_t *len);
	const char	*(*event_flat_json)(const ce_event *ev, size_t *len);
	/* Where the record came from ("trail.json.gz") and its 1-based index
	 * in that document (the line number for NDJSON); index may be NULL. */
	const char	*(*event_origin)(const ce_event *ev, uint64_t *index);
	/* Keep the event past the current call / give it back. */
	const ce_event	*(*event_ref)(const ce_event *ev);
	void		(*event_unref)(const ce_event *ev);

	/* --- evaluators -------------------------------------------------- */

	/* The output names a rule may call (instance names and aliases),
	 * NULL-terminated, valid until destroy().  Any thread. */
	const char *const *(*output_names)(ce_instance *self);
	/* Report a fired rule, from inside evaluate() only, in firing order. */
	int		(*fire)(ce_alert_sink *sink, const struct ce_alert_spec *spec);

	/* --- outputs ----------------------------------------------------- */

	/* Settle one delivery, exactly once, from any thread, during or after
	 * deliver().  reason (may be NULL) is logged; retry_after_ms only
	 * counts with CE_DELIVERY_RETRY (0 = the host's backoff). */
	void		(*complete)(ce_delivery *d, enum ce_delivery_status status,
			    int64_t retry_after_ms, const char *reason);

	/* --- AWS, any thread ----------------------------------------------- */

	/* Current credentials from the chain (environment, web identity,
	 * container, shared file/profile, IMDSv2), refreshed by the host
	 * before they expire.  -ENOENT when there are none. */
	int		(*aws_credentials)(ce_instance *self,
			    struct ce_aws_credentials *out);
	/* The region (AWS_REGION, AWS_DEFAULT_REGION, else "us-east-1"),
	 * as a NUL-terminated string in buf. */
	int		(*aws_region)(ce_instance *self, char *buf, size_t len);
	/* Endpoint URL for a service ("sqs", "sns", "s3"): override (an
	 * option value, may be NULL), else AWS_ENDPOINT_URL_<SERVICE>, else
	 * AWS_ENDPOINT_URL, else https://<service>.<region>.amazonaws.com
	 * (.com.cn in China regions).  No trailing '/'. */
	int		(*aws_endpoint)(ce_instance *self, const char *service,
			    const char *override, const char *region,
			    char *buf, size_t len);

	/* --- 1.1: many keys of an event at once, any thread --------------- */

	/* Compile n paths to be looked up together: event_get_set() then
	 * finds the values of all of them in one walk of the record, each
	 * member on the way looked up once however many paths go through it,
	 * which pays when a plugin wants many keys of each event (an
	 * evaluator with thousands of rules).  paths[i] may be NULL (left
	 * out); none may hold "[*]" (NULL is returned, with the reason in err,
	 * which may be NULL).  The set borrows the paths: they must outlive
	 * it.  Owned by the caller: free it with pathset_free().  Immutable:
	 * any number of threads may use it at once. */
	ce_pathset	*(*pathset_compile)(ce_path *const *paths, size_t n,
			    char *err, size_t errlen);
	void		(*pathset_free)(ce_pathset *set);
	/* Call fn(arg, i, value) for each path i of the set that the event has
	 * a value for, with the value event_get() would give; event_get()
	 * returns CE_VALUE_MISSING for the others.  In no particular order,
	 * each path at most once.  Returns fn's first non-zero result, or 0. */
	int		(*event_get_set)(const ce_event *ev, const ce_pathset *set,
			    ce_set_fn fn, void *arg);
};

/* ------------------------------------------------------------------ */
/* The descriptor                                                      */
/* ------------------------------------------------------------------ */

/*
 * Exported, const, under CE_PLUGIN_SYMBOL.  Lifecycle of each instance:
 *     init → start → (work) → stop → destroy
 * init() for outputs, then the evaluator, then inputs; start() in the same
 * order; stop() and destroy() in reverse.  If an init() or start() fails,
 * the instances already set up are stopped and destroyed in reverse order.
 * No plugin state in globals: one shared object may have many instances,
 * and one process may run a replacement instance (after SIGHUP) beside the
 * old one while the old one drains.
 */
struct ce_plugin {
	/* These come first and are checked before anything else is read. */
	uint16_t		 abi_major;	/* CE_PLUGIN_ABI_MAJOR */
	uint16_t		 abi_minor;	/* CE_PLUGIN_ABI_MINOR */
	uint32_t		 size;		/* sizeof(struct ce_plugin) */
	enum ce_plugin_kind	 kind;

	const char		*name;		/* [a-z0-9_]+, unique per kind */
	const char		*version;	/* the plugin's own version */
	const char		*description;	/* one line */
	const struct ce_option	*options;	/* may be NULL: no options */

	/*
	 * Required.  Allocate the instance state, read options with
	 * host->conf_apply(), create metrics; store self and host in the state
	 * (they stay valid until destroy()).  On failure free what was
	 * allocated, log why and return < 0: destroy() is then not called.
	 * Main thread.
	 */
	int	(*init)(ce_instance *self, const struct ce_host *host,
		    void **state);
	/* Required.  Free the state.  Called once per successful init(),
	 * after stop().  Main thread. */
	void	(*destroy)(void *state);

	/*
	 * Inputs: required.  Others: optional (NULL).  start() must not block:
	 * an input that waits for work starts its own thread here and joins
	 * it in stop().  After stop() returns an input submits nothing more;
	 * done() may still be called for documents submitted before.
	 * Main thread.
	 */
	int	(*start)(void *state);
	void	(*stop)(void *state);

	/*
	 * Inputs: required.  A document submitted by this instance is
	 * settled: acknowledge it (delete the SQS message, answer the Lambda
	 * invocation) only when outcome->status is CE_DOC_OK.  Called exactly
	 * once per successful submit(), from a host thread, possibly
	 * concurrently for different documents, possibly after stop() but
	 * always before destroy().  outcome is borrowed.
	 */
	void	(*done)(void *state, void *cookie,
		    const struct ce_outcome *outcome);

	/*
	 * Evaluators: required.  Decide which rules fire for ev and report
	 * each with host->fire(sink, ...), in firing order; the host
	 * dispatches them, the evaluator never calls outputs.  Reentrant:
	 * called concurrently from the host's worker threads.  ev and sink
	 * are borrowed.  Returns 0, or < 0 when the event could not be
	 * evaluated (it then counts as failed and is not acknowledged).
	 */
	int	(*evaluate)(void *state, const ce_event *ev, ce_alert_sink *sink);

	/*
	 * Outputs: required.  Start delivering alert; settle it with
	 * host->complete(d, ...) exactly once, before or after returning.
	 * Called from the instance's own dispatch thread, one call at a
	 * time; the host bounds how many deliveries are in flight.  The host
	 * owns retries, backoff and deadlines: report RETRY, never loop.
	 * The host waits for every delivery it handed out to be settled
	 * before it calls stop(): settle them all, also when shutting down.
	 */
	void	(*deliver)(void *state, const struct ce_alert *alert,
		    ce_delivery *d);
};

/* First initialisers of every descriptor (cf. nginx NGX_MODULE_V1). */
#define CE_PLUGIN_HEADER	CE_PLUGIN_HEADER_MINOR(CE_PLUGIN_ABI_MINOR)

/*
 * The same, claiming an older minor of this major so that older hosts
 * load the plugin too; it must then test host->abi_minor before using
 * anything added after that minor (host services, callbacks the host
 * would not call, members of host structs: check their size).
 */
#define CE_PLUGIN_HEADER_MINOR(minor)					\
	.abi_major = CE_PLUGIN_ABI_MAJOR,				\
	.abi_minor = (minor),						\
	.size = sizeof(struct ce_plugin)

/*
 * Enums are members of the ABI's structs and must be int-sized, as every
 * Linux compiler makes them unless told otherwise: building with
 * -fshort-enums would silently move members, so it fails here instead.
 */
typedef char ce_plugin_abi_needs_int_sized_enums_not_fshort_enums[
    (sizeof(enum ce_plugin_kind) == sizeof(int) &&
     sizeof(enum ce_option_type) == sizeof(int) &&
     sizeof(enum ce_value_type) == sizeof(int) &&
     sizeof(enum ce_doc_status) == sizeof(int) &&
     sizeof(enum ce_delivery_status) == sizeof(int) &&
     sizeof(enum ce_log_level) == sizeof(int)) ? 1 : -1];

/* Logging shorthands. */
#define CE_ERROR(h, s, ...)	(h)->log((s), CE_LOG_ERROR, __VA_ARGS__)
#define CE_WARNING(h, s, ...)	(h)->log((s), CE_LOG_WARNING, __VA_ARGS__)
#define CE_NOTICE(h, s, ...)	(h)->log((s), CE_LOG_NOTICE, __VA_ARGS__)
#define CE_INFO(h, s, ...)	(h)->log((s), CE_LOG_INFO, __VA_ARGS__)
#define CE_DEBUG(h, s, ...)	(h)->log((s), CE_LOG_DEBUG, __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif /* CLOUDENGINE_PLUGIN_H */
