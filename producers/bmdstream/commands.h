/*
 * commands.h - the subcommands of the `bmdstream` user command. Each lives
 * in its own cmd_<name>.c and returns the process exit status.
 */
#ifndef BS_COMMANDS_H
#define BS_COMMANDS_H

int bs_cmd_analyze(int argc, char **argv);
int bs_cmd_categories(int argc, char **argv);
int bs_cmd_fit(int argc, char **argv);
int bs_cmd_migrate(int argc, char **argv);
int bs_cmd_topics(int argc, char **argv);
int bs_cmd_acl(int argc, char **argv);
int bs_cmd_user(int argc, char **argv);
int bs_cmd_user_key(int argc, char **argv);
int bs_cmd_event(int argc, char **argv);
int bs_cmd_project(int argc, char **argv);
int bs_cmd_lag(int argc, char **argv);
int bs_cmd_replay(int argc, char **argv);
int bs_cmd_settings(int argc, char **argv);
int bs_cmd_results(int argc, char **argv);

#endif
