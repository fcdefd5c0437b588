"""Intake: ``newitem`` (register an item), ``importer`` (a spreadsheet of items), ``scaffold`` (``ducha init``)."""
