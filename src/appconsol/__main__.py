"""`python -m appconsol`: the command line."""

from appconsol.cli import main

main()
