from appconsol.cli import main

main()
