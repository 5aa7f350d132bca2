/* placeholder: plugins/out_stdout.c */
