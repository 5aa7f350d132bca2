/* placeholder: src/event.c */
