/*
 * The test executable's side of plugin_record.c: the plugin reports every call
 * here (the test links with --export-dynamic, so the plugin resolves it).
 */
#ifndef T_RECORD_H
#define T_RECORD_H

/* Append "tag:event;" to the test's call log. */
void t_chain_record(const char *tag, const char *event);

#endif
