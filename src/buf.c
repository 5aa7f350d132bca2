/* placeholder: src/buf.c */
