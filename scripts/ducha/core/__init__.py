"""The item and its rules, pure: no files, no git, no clock (``as_of`` is an argument).

codes and findings (stable codes, Chinese messages, hints), schema and schemacheck (the item and rules
contracts), yamlio (strict YAML), model (an item with typed fields), rules (the parsed rules file), workdays
and deadlines (the effective deadline, the light: ``standing``), workflow (legal steps between two versions),
record (an item's events), validate (every check of one item), mask and markup (text made safe for where it
goes), formats (percentages rounded half up, Beijing time).
"""
