/*
 * regex.h - Java regular expressions on PCRE2: translation of the Java
 * syntax PCRE2 spells differently, whole-string matching, match limits.
 */
#ifndef DRL_REGEX_H
#define DRL_REGEX_H

#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "arena.h"

/* Compile and match settings shared by every pattern of an instance;
 * read-only once made, so matches on many threads may share them. */
struct drl_regex_env {
	pcre2_compile_context	*cctx;
	pcre2_match_context	*mctx;
	int			 jit;		/* JIT is available */
};

struct drl_regex {
	pcre2_code	*code;
	int		 jit;		/* JIT-compiled */
	int		 warned;	/* limit warning logged (atomic) */
	char		*source;	/* the Java pattern, for messages */
	/* Text every match contains (source + need_off), or need_len 0:
	 * subjects without it are refused without running the pattern. */
	size_t		 need_off, need_len;
};

/* Per evaluate() call: match data allocated on the caller's stack. */
struct drl_regex_scratch {
	struct drl_arena	 arena;
	pcre2_general_context	*gctx;
	pcre2_match_data	*md;
	char			 buf[1024];
};

#define DRL_REGEX_LIMIT_DEFAULT	100000

int	drl_regex_env_init(struct drl_regex_env *env, uint32_t match_limit);
void	drl_regex_env_free(struct drl_regex_env *env);

/*
 * Translate Java pattern syntax to PCRE2 syntax ("\uXXXX", "\p{Lower}",
 * "\0101"...).  *out is malloc'd.  Returns 0, -EINVAL with a message in
 * err for Java constructs PCRE2 has no equivalent for, or -ENOMEM.
 */
int	drl_regex_translate(const char *pat, size_t len, char **out,
	    size_t *outlen, char *err, size_t errlen);
/* Compile for whole-string matching.  NULL with a message on error. */
struct drl_regex *drl_regex_compile(const struct drl_regex_env *env,
	    const char *pat, size_t len, char *err, size_t errlen);
void	drl_regex_free(struct drl_regex *re);

void	drl_regex_scratch_init(struct drl_regex_scratch *s);
void	drl_regex_scratch_free(struct drl_regex_scratch *s);
/*
 * Java String.matches(): 1 when the whole subject matches, 0 when not,
 * -1 when the match limit was hit (or the match failed), -ENOMEM.
 */
int	drl_regex_match(const struct drl_regex *re,
	    const struct drl_regex_env *env, struct drl_regex_scratch *s,
	    const char *subject, size_t len);

#endif /* DRL_REGEX_H */
