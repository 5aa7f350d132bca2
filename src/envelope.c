/* placeholder: src/envelope.c */
