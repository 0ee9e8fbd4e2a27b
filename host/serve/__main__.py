"""`python -m host.serve`: what `weir dev`, `weir host start` and `weir storage` run."""

from host.serve.commands import main

main(prog_name="weir")
