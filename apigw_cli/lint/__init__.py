"""`apigw lint`: rules over a loaded spec, findings as data, formatters over findings.

findings.py   Finding and Severity, the data every part shares
registry.py   rules register with an id, a default severity and a description
context.py    what a rule sees: the document, its operations, helpers
rules/        structure (OpenAPI itself), gateway (x-integration & co), aws (x-amazon-apigateway-*);
              all_rules() imports them
config.py     .apigw.yaml / [tool.apigw.lint]: rules off, severities, ignored paths
runner.py     lint one spec: load, run the rules, filter, locate (spec/positions.py: file:line:col, once a file)
formats/      stylish, json, sarif, github, junit
"""
