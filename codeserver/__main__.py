from codeserver.cli import main

main()
