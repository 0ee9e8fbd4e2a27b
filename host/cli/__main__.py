"""`python -m host.cli`: the weir command."""

from host.cli.main import main

main()
