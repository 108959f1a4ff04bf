from apigw_cli.cli import main

main()
