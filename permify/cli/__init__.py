"""The `permify` command: the argparse parser (:mod:`.main`), one function per subcommand
(:mod:`.commands`) and the terminal progress display (:mod:`.progress`)."""
