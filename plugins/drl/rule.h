/*
 * rule.h - a rule as the parser builds it and the compiler completes it:
 * condition tree, actions, attributes, metadata, routing.
 */
#ifndef DRL_RULE_H
#define DRL_RULE_H

#include <stddef.h>
#include <stdint.h>

#include "cloudengine/plugin.h"
#include "value.h"

/* At most this many "[*]" keys in one comparison. */
#define DRL_MAX_MULTI	8

enum drl_node_kind {
	N_LIT,		/* a literal; value in lit */
	N_KEY,		/* this["key"] */
	N_METHOD,	/* a.method(b): op is an enum drl_method */
	N_CONCAT,	/* a + b */
	N_NOT,		/* !a */
	N_AND,		/* list[0] && list[1] ... */
	N_OR,		/* list[0] || list[1] ... */
	/* Comparisons: where "[*]" keys are bound, and where a null that
	 * went through a method or a '+' makes the result false. */
	N_CMP,		/* a op b, op an enum drl_op; negate for "not" forms */
	N_IN,		/* a [not] in (list) */
	N_TRUTH		/* a used as a condition: a == true */
};

enum drl_op {
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_CONTAINS,		/* contains, not contains, excludes */
	OP_MATCHES,		/* matches, not matches */
	OP_STR_STARTS,		/* str[startsWith] */
	OP_STR_ENDS,		/* str[endsWith] */
	OP_STR_LENGTH		/* str[length] */
};

enum drl_method {
	M_CONTAINS, M_STARTS_WITH, M_ENDS_WITH, M_EQUALS, M_EQUALS_IC,
	M_MATCHES, M_TO_LOWER, M_TO_UPPER, M_TRIM, M_LENGTH, M_IS_EMPTY
};

/* A flattened key, interned: one compiled path per distinct text. */
struct drl_key {
	const char	*text;
	size_t		 len;
	ce_path		*path;
	unsigned	 id;
	int		 multi;		/* holds "[*]" */
	struct drl_key	*next;		/* hash chain */
};

struct drl_regex;

/*
 * A top-level conjunct of a rule requiring a key to equal one of some
 * strings (== or in), or only to be a string (matches, contains,
 * str[startsWith]...): what the index can hash on besides eventName.
 */
struct drl_eq {
	const struct drl_key	*key;
	const char		**vals;		/* NUL-free C strings; NULL: any
						 * string will do */
	size_t			 nvals;
	int			 loose;		/* a value reads as a number or
						 * boolean: a number or boolean
						 * in the event may equal it */
	/* vals NULL: text the string must contain for the conjunct to
	 * hold (contains, a prefix, a regex's literal), or needle_len 0. */
	const char		*needle;
	size_t			 needle_len;
};

struct drl_node {
	enum drl_node_kind	 kind;
	int			 op;		/* drl_op or drl_method */
	int			 negate;	/* N_CMP, N_IN: the "not" form */
	unsigned		 line, col;
	struct drl_node		*a, *b;		/* operands; N_METHOD: receiver, argument */
	struct drl_node		**list;		/* N_AND, N_OR, N_IN values */
	unsigned		 n;
	struct drl_val		 lit;		/* N_LIT */
	struct drl_key		*key;		/* N_KEY */
	unsigned		 slot;		/* N_KEY with "[*]": its binding */
	struct drl_node		**multi;	/* comparisons: their "[*]" keys */
	unsigned		 nmulti;
	const struct drl_regex	*re;		/* matches, precompiled */
};

enum drl_action_kind {
	A_REPORT,	/* new X().report($v, name); */
	A_PRINT		/* System.out.println(...); */
};

enum drl_part_kind {
	P_TEXT,		/* literal text */
	P_RULE_NAME,	/* drools.getRule().getName() */
	P_MAP,		/* $v: the flattened map as JSON */
	P_MAP_GET	/* $v.get("key") / $v["key"] */
};

struct drl_part {
	enum drl_part_kind	 kind;
	const char		*text;		/* P_TEXT */
	size_t			 len;
	const char		*keytext;	/* P_MAP_GET, until compiled */
	size_t			 keylen;
	struct drl_key		*key;		/* P_MAP_GET */
	unsigned		 line, col;
};

struct drl_action {
	enum drl_action_kind	 kind;
	unsigned		 line, col;
	const char		*output;	/* A_REPORT: class name as written */
	unsigned		 oline, ocol;
	const char		*var;		/* A_REPORT: first argument */
	unsigned		 vline, vcol;
	const char		*alert_name;	/* A_REPORT: literal name, or NULL
						 * for drools.getRule().getName() */
	struct drl_part		*parts;		/* A_PRINT */
	unsigned		 nparts;
	int			 to_stderr;	/* System.err */
	struct drl_action	*next;
};

enum drl_route {
	ROUTE_SOURCE,	/* "ec2.amazonaws.com: ...": that eventSource only */
	ROUTE_ALL,	/* "*: ...", or no prefix: every event */
};

struct drl_rule {
	struct drl_node		*cond;		/* NULL: always */
	int			 group_id;	/* activation-group index, or -1 */
	int			 has_effective, has_expires;
	const char		*name;
	const char		*file;
	unsigned		 line, col;	/* of the name */

	/* Metadata (@key(value)). */
	const char		*severity;
	const char		*description;
	const char		*runbook;
	const char		**tags;
	size_t			 ntags;

	/* Attributes. */
	int64_t			 salience;
	int			 enabled;
	const char		*group;		/* activation-group, or NULL */
	int64_t			 effective, expires;	/* Unix time */

	/* when / then. */
	const char		*binding;	/* "$map", or NULL */
	unsigned		 bline, bcol;
	struct drl_action	*actions;

	/* Filled by the compiler. */
	struct ce_alert_spec	*alerts;	/* one per reported name */
	unsigned		 nalerts;
	int			 has_print;
	enum drl_route		 route;
	const char		*source;	/* ROUTE_SOURCE */
	size_t			 srclen;
	const char		**names;	/* eventName values it requires, or NULL */
	size_t			 nnames;
	struct drl_eq		*eqs;		/* other keys it requires, or NULL */
	size_t			 neqs;
	unsigned		 order;		/* load order */
	unsigned		 rank;		/* firing order: salience, then load */
	int			 disabled;	/* enabled false, or by config */

	struct drl_rule		*next;
};

/* What an import line named. */
struct drl_import {
	const char		*name;		/* qualified name, without ".*" */
	int			 wildcard;
	unsigned		 line, col;
	struct drl_import	*next;
};

/* One parsed file. */
struct drl_file {
	const char		*path;
	struct drl_import	*imports;
	struct drl_rule		*rules;
	struct drl_rule		**tail;
};

#endif /* DRL_RULE_H */
