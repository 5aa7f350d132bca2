/* placeholder: plugins/drl/drl.c */
