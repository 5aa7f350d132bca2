/*
 * instance.h - one configured plugin instance: its plugin, its options,
 * its state, and the lifecycle init → start → stop → destroy.
 *
 * struct ce_instance is the opaque ce_instance of plugin.h: plugins get a
 * pointer to it and hand it back to host services.
 */
#ifndef CE_INSTANCE_H
#define CE_INSTANCE_H

#include <stdatomic.h>

#include "cloudengine/plugin.h"
#include "config.h"
#include "loader.h"

struct ce_engine;
struct ce_outq;

#define CE_INST_INITED	0x1u
#define CE_INST_STARTED	0x2u

struct ce_instance {
	const struct ce_plugin		*desc;		/* in the registry entry */
	const struct ce_plugin_entry	*entry;
	struct ce_conf_instance		*conf;		/* owned by a ce_config */
	struct ce_engine		*engine;
	enum ce_plugin_kind		 kind;
	const char			*name;		/* conf->name */
	char				*component;	/* "output:stdout:stdout" */
	void				*state;		/* the plugin's */
	unsigned			 flags;		/* CE_INST_* */
	atomic_int			 refs;		/* evaluator/outputs: swapped on reload */

	/* inputs */
	atomic_bool			 finished;

	/* evaluator: what host->output_names() returns */
	const char *const		*output_names;

	/* outputs */
	struct ce_outq			*outq;		/* dispatch.c */
	int				 min_severity;	/* enum ce_severity, or -1 */
	ce_metric			*m_delivered;
	ce_metric			*m_failed;
	ce_metric			*m_retried;
	ce_metric			*m_deduplicated;
};

/* Make an instance of entry's plugin for conf (not yet initialised). */
struct ce_instance *ce_instance_new(struct ce_engine *e,
		    const struct ce_plugin_entry *entry,
		    struct ce_conf_instance *conf);
/* init() through the host table; 0 or the plugin's error. */
int		 ce_instance_init(struct ce_instance *inst);
int		 ce_instance_start(struct ce_instance *inst);
void		 ce_instance_stop(struct ce_instance *inst);
/* stop() if started, destroy() if initialised, then free. */
void		 ce_instance_free(struct ce_instance *inst);

struct ce_buf;
/* The scope of the instance's metrics: "<kind>_<name>", the name lower
 * case with every other character than [a-z0-9] as '_' ("output_my_dd"
 * for the output "My-DD"), appended to b. */
void		 ce_instance_metric_scope(const struct ce_instance *inst,
		    struct ce_buf *b);

#endif /* CE_INSTANCE_H */
