"""The subcommands of `hocso monitoring`: one module per action (recompute, open-reports,
alerts…), each with `NAME`, `add_arguments(parser)` and `run(command, options) -> int` (the exit
status). The command finds them here, so adding an action is adding a module."""
