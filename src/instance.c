/* placeholder: src/instance.c */
