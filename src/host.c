/* placeholder: src/host.c */
